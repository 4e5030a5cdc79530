"""A real HTTP server on 127.0.0.1 in a thread, recording what it receives."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Recorder:
    """Answers with ``statuses`` in turn (the last repeats) and ``reply`` as JSON."""

    statuses: list[int] = field(default_factory=lambda: [200])
    reply: Any = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    url: str = ""


@contextmanager
def recording_server(statuses: list[int] | None = None, reply: Any = None) -> Iterator[Recorder]:
    recorder = Recorder(statuses=list(statuses or [200]), reply=reply or {})

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            recorder.received.append(Received(self.path, headers, body))
            index = min(len(recorder.received) - 1, len(recorder.statuses) - 1)
            payload = json.dumps(recorder.reply).encode()
            self.send_response(recorder.statuses[index])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
