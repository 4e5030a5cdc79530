# One image for every role: the API (default), the worker and beat differ by command only.
FROM python:3.11-slim

# git runs every simulation and merge; the PostgreSQL driver ships as a binary wheel.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 converge \
    && mkdir -p /data/converge \
    && chown converge:converge /data/converge

WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN pip install --no-cache-dir --no-deps --editable . \
    && python -m compileall -q /app

USER converge
ENV CONVERGE_HOME=/data/converge \
    CONVERGE_DB_PATH=/data/converge/state.db \
    DJANGO_SETTINGS_MODULE=converge_site.settings \
    PYTHONUNBUFFERED=1
EXPOSE 9876
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9876/health/live', timeout=4)"]
ENTRYPOINT ["converge"]
CMD ["serve", "--host", "0.0.0.0", "--port", "9876"]
