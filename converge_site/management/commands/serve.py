"""``converge serve``: the HTTP API, probes, metrics and admin console under gunicorn."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command

from access.services import api_keys_seed
from converge_core.errors import InvalidInput
from converge_site import envvars
from interfaces.commands import ConvergeCommand, render_json

logger = logging.getLogger("converge.serve")


def metrics_directory() -> Path:
    """``PROMETHEUS_MULTIPROC_DIR``, else ``$CONVERGE_HOME/prometheus``, emptied: files of a
    previous run would add old counts to the new process's."""
    path = Path(
        envvars.value("PROMETHEUS_MULTIPROC_DIR") or Path(settings.CONVERGE_HOME) / "prometheus"
    )
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


class Command(ConvergeCommand):
    help = "Serve the HTTP API (/v1, /api), /health, /metrics and the admin under gunicorn."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=9876)
        parser.add_argument("--workers", type=int, default=2, help="worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")
        parser.add_argument(
            "--timeout", type=int, default=120, help="seconds before a silent worker restarts"
        )
        parser.add_argument(
            "--secret",
            help="GitHub webhook secret (default CONVERGE_GITHUB_WEBHOOK_SECRET)",
        )

    def dispatch(self, options: dict[str, Any]) -> Any:
        if not 1 <= options["port"] <= 65535:
            raise InvalidInput("--port must be between 1 and 65535", field="port")
        for name in ("workers", "threads", "timeout"):
            if options[name] < 1:
                raise InvalidInput(f"--{name} must be at least 1", field=name)
        keys = api_keys_seed(entries=settings.CONVERGE_API_KEYS)
        call_command("collectstatic", interactive=False, verbosity=0)
        metrics_dir = metrics_directory()
        if not settings.CONVERGE_AUTH_REQUIRED:
            logger.warning("CONVERGE_AUTH_REQUIRED is off: every API caller is an anonymous admin")
        if not (options.get("secret") or settings.CONVERGE_GITHUB_WEBHOOK_SECRET):
            if settings.CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED:
                logger.warning("GitHub webhook deliveries are accepted UNSIGNED (development only)")
            else:
                logger.warning("no GitHub webhook secret: GitHub deliveries are refused (403)")
        host = options["host"]
        base = f"http://{f'[{host}]' if ':' in host else host}:{options['port']}"
        self.stdout.write(
            render_json(
                {
                    "listening": base,
                    "api": [f"{base}/v1", f"{base}/api"],
                    "schema": f"{base}/v1/schema/ui",
                    "health": f"{base}/health/ready",
                    "metrics": f"{base}/metrics",
                    "admin": f"{base}/admin/",
                    "admin_login": "create an account with `converge createsuperuser`",
                    "workers": options["workers"],
                    "auth_required": settings.CONVERGE_AUTH_REQUIRED,
                    "api_keys": keys,
                }
            )
        )
        self.stdout.flush()
        sys.stderr.flush()
        env = {
            **os.environ,
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "converge_site.settings"
            ),
        }
        if options.get("secret"):
            env["CONVERGE_GITHUB_WEBHOOK_SECRET"] = options["secret"]
        argv = [
            sys.executable,
            "-m",
            "converge_site.serve",
            f"--host={host}",
            f"--port={options['port']}",
            f"--workers={options['workers']}",
            f"--threads={options['threads']}",
            f"--timeout={options['timeout']}",
        ]
        os.execve(sys.executable, argv, env)
