"""The API server process: the WSGI application under gunicorn.

``converge serve`` prepares the database, static files, keys and the metrics directory, then
replaces itself with ``python -m converge_site.serve``: a fresh interpreter, so the
Prometheus client starts in multiprocess mode (it decides at import time) in every worker.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

# Imported with the arbiter (``converge serve`` has set the metrics directory by now), not in
# the hook: an import inside a signal handler can interrupt another half-done import.
from prometheus_client import multiprocess


def child_exit(server: Any, worker: Any) -> None:
    """Drop the live gauges of a worker that exited (gunicorn server hook)."""
    multiprocess.mark_process_dead(worker.pid)


class ConvergeServer(BaseApplication):
    """Gunicorn running Converge's WSGI application; workers load it after the fork, so each
    opens its own database connections and tracing exporter."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        from converge_site.tracing import configure_tracing

        configure_tracing("converge-api")
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def server_options(
    *, host: str, port: int, workers: int, threads: int, timeout: int, log_level: str
) -> dict[str, Any]:
    return {
        "bind": bind_address(host, port),
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": None,  # converge.access logs every request as JSON
        "errorlog": "-",
        "loglevel": log_level.lower(),
        "proc_name": "converge-api",
        "preload_app": False,
        "child_exit": child_exit,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m converge_site.serve")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--timeout", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "converge_site.settings")
    options = server_options(
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        timeout=args.timeout,
        log_level=os.environ.get("CONVERGE_LOG_LEVEL", "INFO"),
    )
    ConvergeServer(options).run()


if __name__ == "__main__":
    main(sys.argv[1:])
