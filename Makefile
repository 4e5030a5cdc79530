# Converge: `make run` runs it (embedded SQLite), `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PG_DSN ?= postgresql://postgres@127.0.0.1:5432/converge
export CONVERGE_HOME ?= $(CURDIR)/.converge

.PHONY: install run test test-fast test-sqlite test-postgres lint bench env-example helm-config k8s

# torch first, from its own pinned line of requirements.txt, so that sentence-transformers
# finds it in place instead of resolving a build of its own.
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet "$$(grep '^torch==' requirements.txt)"
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Bytecode is compiled here, so a read-only tree or PYTHONDONTWRITEBYTECODE=1 does not compile
# every module again on each command.
install: $(VENV)/.installed
	$(PY) -m compileall -q -j 0 -x '/\.(venv|git|converge)/' $(CURDIR)

run: install
	$(PY) scripts/demo.py
	$(PY) scripts/run-services

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: install lint
	scripts/ensure-services
	$(MAKE) test-sqlite test-postgres

# the inner loop: SQLite only, without the slow and process-level tests
test-fast: install
	CONVERGE_DB_BACKEND=sqlite $(PY) -m pytest -q -m "not slow and not process"

test-sqlite:
	CONVERGE_DB_BACKEND=sqlite $(PY) -m pytest -q

test-postgres:
	CONVERGE_DB_BACKEND=postgres CONVERGE_PG_DSN=$(PG_DSN) $(PY) -m pytest -q

bench: install
	$(PY) bench/run.py
	$(PY) bench/event_economy_bench.py
	$(PY) bench/semantic_quality.py
	$(PY) bench/semantic_bench.py

env-example: install
	$(PY) -c "from converge_site.envvars import render_env_example as r; open('.env.example', 'w').write(r())"

# The chart's settings and Secret keys follow the registry (tests/test_helm_chart.py checks it);
# k8s/ is the chart rendered for plain `kubectl apply` (tests/test_k8s_manifests.py checks it).
helm-config: install
	$(PY) -m converge_site.chart write
	$(PY) -m converge_site.chart k8s

k8s: install
	$(PY) -m converge_site.chart k8s
