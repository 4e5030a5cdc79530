"""HTTP API benchmark: ``converge serve`` (2 gunicorn workers) on a temporary SQLite database
holding 1,000 intents, hit by 16 concurrent keep-alive clients over loopback.

Reports throughput and p50/p99 latency of ``GET /v1/intents`` and ``GET /v1/summary``, with
load from ``wrk`` when it is installed (Debian package ``wrk``), else from Python threads,
which compete with the server for the same two cores and inflate the latencies. Each
endpoint runs for at most ``--seconds`` and ``--requests`` per client, whichever ends first.
The rate limiter is switched off: this measures the API, not the budget.

    .venv/bin/python bench/api_bench.py [--intents 1000] [--clients 1,8,16] [--seconds 15]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-admin-key-0123456789"

SEED = """
import django
django.setup()
from interfaces.dbready import ensure_database_ready
ensure_database_ready()
from intents.repositories import repository_resolve
from intents.services import intent_create
repository = repository_resolve()
for n in range({count}):
    intent_create(
        data={{"id": f"bench-{{n:05d}}", "source": f"feature/bench-{{n}}",
               "priority": n % 5 + 1, "tenant_id": "bench"}},
        repository=repository,
        actor="bench",
    )
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("converge serve exited during start-up")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health/live")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("converge serve did not start")


def client_loop(
    port: int,
    path: str,
    stop_at: float,
    max_requests: int,
    latencies: list[float],
    errors: list[int],
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"X-API-Key": KEY}
    for _ in range(max_requests):
        if time.monotonic() >= stop_at:
            break
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = 0
        latencies.append(time.perf_counter() - started)
        if status != 200:
            errors.append(status)
    connection.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _search(pattern: str, text: str) -> re.Match[str]:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"wrk printed no line matching {pattern!r}:\n{text}")
    return found


def run_wrk(port: int, path: str, clients: int, seconds: float) -> dict:
    """Load from wrk (a C client): the server, not the load generator, sets the figures."""
    done = subprocess.run(
        [
            "wrk",
            f"-t{min(2, clients)}",  # wrk refuses more threads than connections
            f"-c{clients}",
            f"-d{max(1, int(seconds))}s",
            "--latency",
            "-H",
            f"X-API-Key: {KEY}",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    text = done.stdout

    def figure(label: str) -> float:
        value = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        assert value, text
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[value.group(2)]
        return round(float(value.group(1)) * scale, 1)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "path": path,
        "client": "wrk",
        "errors": int(errors.group(1)) if errors else 0,
        "throughput_rps": float(_search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50_ms": figure("50%"),
        "p99_ms": figure("99%"),
    }


def run_endpoint(port: int, path: str, clients: int, seconds: float, requests: int) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=client_loop, args=(port, path, stop_at, requests, latencies, errors)
        )
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "path": path,
        "requests": len(latencies),
        "errors": len(errors),
        "seconds": round(elapsed, 2),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intents", type=int, default=1000)
    parser.add_argument("--clients", default="16", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=15.0, help="per endpoint, at most")
    parser.add_argument("--requests", type=int, default=500, help="per client, at most")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--paths", default="/v1/intents,/v1/summary")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="converge-bench-") as tmp:
        home, repo = Path(tmp) / "home", Path(tmp) / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
        subprocess.run(
            [
                "git",
                "-c",
                "user.name=b",
                "-c",
                "user.email=b@b",
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                "init",
            ],
            cwd=repo,
            check=True,
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_DB_BACKEND": "sqlite",
            "CONVERGE_HOME": str(home),
            "CONVERGE_DB_PATH": str(home / "state.db"),
            "CONVERGE_REPO_PATH": str(repo),
            "CONVERGE_API_KEYS": f"{KEY}:admin:bench",
            "CONVERGE_RATE_LIMIT_ENABLED": "0",
            "CONVERGE_LOG_LEVEL": "WARNING",
        }
        seeded = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", SEED.format(count=args.intents)], cwd=ROOT, env=env, check=True
        )
        seed_seconds = time.perf_counter() - seeded
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "converge.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_until_up(port, server)
            run_endpoint(port, "/v1/summary", 4, 2, 10)  # warm-up
            results = [
                {"clients": clients}
                | (
                    run_wrk(port, path, clients, args.seconds)
                    if shutil.which("wrk")
                    else run_endpoint(port, path, clients, args.seconds, args.requests)
                )
                for clients in (int(count) for count in args.clients.split(","))
                for path in args.paths.split(",")
            ]
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    print(
        json.dumps(
            {
                "intents": args.intents,
                "seed_seconds": round(seed_seconds, 1),
                "workers": args.workers,
                "cores": os.cpu_count(),
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
