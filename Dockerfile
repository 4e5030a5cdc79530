# One image for every role: the API (default), the worker, beat and the migration differ by
# command only. Two stages: the build stage installs and compiles, the runtime stage carries
# the virtual environment, the code, its bytecode and the collected static files, no compiler.
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv

# The CPU build of torch first, from PyTorch's CPU index: requirements.txt then finds it
# installed and never pulls the CUDA build (gigabytes of GPU libraries) from PyPI.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
RUN pip install --no-deps --editable . \
    && python -m compileall -q -j 0 /app /opt/venv \
    && CONVERGE_HOME=/build/converge DJANGO_SECRET_KEY=collectstatic-only \
       python manage.py collectstatic --noinput --verbosity 0


FROM python:3.11-slim AS runtime

# git runs every simulation and merge; the PostgreSQL driver ships as a binary wheel.
# /data is the data volume: $CONVERGE_HOME (/data/converge) and the runbook's rollback paths
# (/data/state.db, /data/converge/state.db) live on it, writable by the unprivileged user.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 converge \
    && mkdir -p /data/converge/repos \
    && chown -R converge:converge /data

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --from=build --chown=converge:converge /build/converge/static /data/converge/static

WORKDIR /app
USER converge
# Bytecode is compiled at build time: a read-only root filesystem needs no __pycache__.
ENV PATH=/opt/venv/bin:$PATH \
    CONVERGE_HOME=/data/converge \
    CONVERGE_DB_PATH=/data/converge/state.db \
    DJANGO_SETTINGS_MODULE=converge_site.settings \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 9876
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9876/health/live', timeout=4)"]
ENTRYPOINT ["converge"]
CMD ["serve", "--host", "0.0.0.0", "--port", "9876"]
