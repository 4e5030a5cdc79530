"""Tracing is off without an OTLP endpoint and exports Django spans when one is set."""

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from conftest import database_env

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import django
django.setup()
from converge_site.tracing import configure_tracing
from interfaces.tracing import span
assert configure_tracing()
from django.test import Client
from opentelemetry import trace
Client().get("/health/live")
with span("converge.test", intent_id="a") as current:
    assert current is not None
trace.get_tracer_provider().force_flush()
print("flushed")
"""


class Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Collector.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_spans_reach_the_otlp_endpoint(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {
            **database_env(tmp_path),
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{server.server_port}",
        }
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    finally:
        server.shutdown()
    paths = {path for path, _ in Collector.received}
    assert paths == {"/v1/traces"}
    payload = b"".join(body for _, body in Collector.received)
    assert b"converge.test" in payload and b"converge-api" in payload
    assert b"GET /health/live" in payload or b"health/live" in payload


def test_tracing_stays_off_without_an_endpoint(settings):
    from converge_site.tracing import configure_tracing

    settings.CONVERGE_TRACING_ENABLED = False
    assert configure_tracing() is False
