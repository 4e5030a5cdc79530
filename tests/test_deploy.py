"""compose.yaml and the image, checked the way Docker would read them (no engine runs here)."""

import re
from pathlib import Path

import yaml

from converge_site.envvars import BY_NAME

ROOT = Path(__file__).resolve().parent.parent
CONVERGE_SERVICES = ("converge", "converge-worker", "converge-beat", "migrate")


def _compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_runbook_services_exist_with_their_roles():
    services = _compose()["services"]
    assert set(services) == {
        "migrate",
        "converge",
        "converge-worker",
        "converge-beat",
        "postgres",
        "redis",
        "otel-collector",
    }
    assert services["converge"]["command"][:1] == ["serve"]
    assert services["converge"]["ports"] == ["9876:9876"]
    assert services["converge-worker"]["command"] == ["worker", "--no-beat"]
    assert services["converge-worker"]["stop_grace_period"] == "60s"
    assert services["converge-beat"]["command"] == ["beat"]
    assert services["migrate"]["command"] == ["migrate", "--noinput"]
    assert services["otel-collector"]["profiles"] == ["observability"]


def test_every_converge_variable_is_one_the_application_reads():
    services = _compose()["services"]
    for name in CONVERGE_SERVICES:
        unknown = set(services[name]["environment"]) - set(BY_NAME)
        assert unknown == set(), (name, unknown)


def test_migrations_run_before_the_application_starts():
    services = _compose()["services"]
    for name in ("converge", "converge-worker", "converge-beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
    assert services["converge"]["environment"]["CONVERGE_AUTH_REQUIRED"] == "0"
    assert "CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED" not in services["converge"]["environment"]


def test_the_image_runs_unprivileged_with_a_liveness_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER converge" in dockerfile
    assert "/health/live" in dockerfile and "HEALTHCHECK" in dockerfile
    assert "FROM python:3.11-slim" in dockerfile


def test_the_collector_receives_otlp_and_exports_to_prometheus():
    config = yaml.safe_load((ROOT / "deploy/otel-collector.yaml").read_text())
    assert set(config["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    assert config["service"]["pipelines"]["metrics"]["exporters"] == ["debug", "prometheus"]


def _interpolated(value: str, environ: dict[str, str]) -> str:
    """Compose's `${NAME:-default}` substitution."""
    return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: environ.get(m.group(1)) or m.group(2), value)


def test_the_backend_comes_from_the_environment_and_defaults_to_postgres():
    for name in CONVERGE_SERVICES:
        env = _compose()["services"][name]["environment"]
        assert _interpolated(env["CONVERGE_DB_BACKEND"], {}) == "postgres"
        assert _interpolated(env["CONVERGE_DB_BACKEND"], {"CONVERGE_DB_BACKEND": "sqlite"}) == (
            "sqlite"
        )
        assert _interpolated(env["CONVERGE_DB_PATH"], {}) == "/data/converge/state.db"


def test_a_sqlite_rollback_does_not_wait_for_postgres():
    services = _compose()["services"]
    for name in CONVERGE_SERVICES:
        postgres = services[name]["depends_on"]["postgres"]
        assert postgres == {"condition": "service_healthy", "required": False}


def test_the_data_volume_holds_both_rollback_paths():
    services = _compose()["services"]
    for name in CONVERGE_SERVICES:
        assert "converge-data:/data" in services[name]["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'VOLUME ["/data"]' in dockerfile
    assert "chown -R converge:converge /data" in dockerfile


def test_the_image_is_multi_stage_with_the_cpu_build_of_torch():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+) AS (\w+)$", dockerfile, re.MULTILINE)
    assert stages == [("python:3.11-slim", "build"), ("python:3.11-slim", "runtime")]
    torch = dockerfile.index("--index-url https://download.pytorch.org/whl/cpu torch==2.13.0")
    assert torch < dockerfile.index("pip install -r requirements.txt")
    assert "python -m compileall" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "COPY --from=build /opt/venv /opt/venv" in dockerfile
    runtime = dockerfile[dockerfile.index("AS runtime") :]
    assert "USER converge" in runtime and "pip install" not in runtime
