"""HTTP API benchmark: ``converge serve`` (2 gunicorn workers) on a temporary database holding
1,000 intents (SQLite, or a scratch PostgreSQL database with ``--backend postgres``), hit by
concurrent keep-alive clients over loopback.

Reports throughput and p50/p99 latency of ``GET /v1/intents`` (200 rows),
``GET /v1/intents?limit=50`` and ``GET /v1/summary``, with load from ``wrk`` when it is
installed (Debian package ``wrk``), else from Python threads, which compete with the server
for the same two cores and inflate the latencies. Each endpoint runs for at most ``--seconds``
and ``--requests`` per client, whichever ends first. The rate limiter is switched off: this
measures the API, not the budget. ``api_rows`` gives the same figures as rows of the combined
``make bench`` table, the reference implementation's throughput at 8 clients as the floor.

    .venv/bin/python bench/api_bench.py [--intents 1000] [--clients 1,8,16] [--seconds 15]
        [--backend sqlite|postgres] [--pg-dsn postgresql://postgres@127.0.0.1:5432/converge]
        [--table]
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-admin-key-0123456789"
PATHS = ("/v1/intents", "/v1/intents?limit=50", "/v1/summary")
# The reference implementation's throughput at 8 clients on the same kind of machine.
REFERENCE_RPS = {"/v1/summary": 28.8, "/v1/intents": 83.7}
REFERENCE_CLIENTS = 8
P99_TARGET_MS = {"/v1/intents?limit=50": 100.0}

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


def server_cpu_seconds(pid: int) -> float:
    """User and system CPU time so far of the gunicorn master ``pid`` and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    total = 0
    for process in (str(pid), *children):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


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
        "requests": int(_search(r"(\d+) requests in", text).group(1)),
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


def scratch_database(dsn: str) -> tuple[str, str]:
    """A fresh database beside the one ``dsn`` names (``<name>_apibench``): its DSN and name."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(dsn)
    name = f"{params.get('dbname') or 'converge'}_apibench"
    admin = make_conninfo(dsn, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_conninfo(dsn, dbname=name), name


def drop_database(dsn: str, name: str) -> None:
    import psycopg
    from psycopg.conninfo import make_conninfo

    with psycopg.connect(make_conninfo(dsn, dbname="postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_repo(repo: Path) -> None:
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "--allow-empty"]
        + ["-m", "init"],
        cwd=repo,
        check=True,
    )


def api_benchmark(
    *,
    intents: int = 1000,
    clients: tuple[int, ...] = (1, 8, 16),
    seconds: float = 15.0,
    requests: int = 500,
    workers: int = 2,
    threads: int = 4,
    paths: tuple[str, ...] = PATHS,
    backend: str = "sqlite",
    pg_dsn: str = "",
) -> dict[str, Any]:
    """Seed a database, start ``converge serve`` and load each path at each client count."""
    with tempfile.TemporaryDirectory(prefix="converge-bench-") as tmp:
        home, repo = Path(tmp) / "home", Path(tmp) / "repo"
        make_repo(repo)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_DB_BACKEND": backend,
            "CONVERGE_HOME": str(home),
            "CONVERGE_DB_PATH": str(home / "state.db"),
            "CONVERGE_REPO_PATH": str(repo),
            "CONVERGE_API_KEYS": f"{KEY}:admin:bench",
            "CONVERGE_RATE_LIMIT_ENABLED": "0",
            "CONVERGE_LOG_LEVEL": "WARNING",
        }
        scratch = None
        if backend == "postgres":
            env["CONVERGE_PG_DSN"], scratch = scratch_database(pg_dsn)
        try:
            if backend == "postgres":  # SQLite is migrated by the seed's readiness check
                subprocess.run(
                    [sys.executable, "-m", "converge.cli", "migrate"],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
            seeded = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", SEED.format(count=intents)], cwd=ROOT, env=env, check=True
            )
            seed_seconds = time.perf_counter() - seeded
            results = serve_and_load(env, clients, seconds, requests, workers, threads, paths)
        finally:
            if scratch is not None:
                drop_database(pg_dsn, scratch)
    return {
        "intents": intents,
        "backend": backend,
        "seed_seconds": round(seed_seconds, 1),
        "workers": workers,
        "threads": threads,
        "cores": os.cpu_count(),
        "results": results,
    }


def serve_and_load(
    env: dict[str, str],
    clients: tuple[int, ...],
    seconds: float,
    requests: int,
    workers: int,
    threads: int,
    paths: tuple[str, ...],
) -> list[dict[str, Any]]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "converge.cli", "serve", "--port", str(port)]
        + ["--workers", str(workers), "--threads", str(threads)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port, server)
        for path in paths:
            run_endpoint(port, path, 4, 2, 10)  # warm-up: imports, connections, projections
        results = []
        for count in clients:
            for path in paths:
                cpu = server_cpu_seconds(server.pid)
                result = (
                    run_wrk(port, path, count, seconds)
                    if shutil.which("wrk")
                    else run_endpoint(port, path, count, seconds, requests)
                )
                # the server's CPU per request: a figure the other load on the machine moves
                # far less than the wall-clock ones
                spent = server_cpu_seconds(server.pid) - cpu
                result["server_cpu_ms"] = round(spent * 1000 / max(1, result["requests"]), 2)
                results.append({"clients": count} | result)
        return results
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


Row = tuple[str, str, float | None, str, float | None]


def report_rows(report: dict[str, Any]) -> list[Row]:
    """A report of :func:`api_benchmark` as (figure, unit, value, floor name, floor) rows."""
    backend = {"postgres": "pg"}.get(report["backend"], report["backend"])
    rows: list[Row] = []
    for result in report["results"]:
        path, count = result["path"], result["clients"]
        label = f"API {backend} {path} @{count}"
        reference = REFERENCE_RPS.get(path) if count == REFERENCE_CLIENTS else None
        rows.append(
            (
                f"{label} rps",
                "req/s",
                result["throughput_rps"],
                "reference implementation" if reference else "",
                reference,
            )
        )
        rows.append((f"{label} p50", "ms", result["p50_ms"], "", None))
        if "server_cpu_ms" in result:
            rows.append((f"{label} server CPU/req", "ms", result["server_cpu_ms"], "", None))
        target = P99_TARGET_MS.get(path) if count == 16 else None
        rows.append(
            (f"{label} p99", "ms", result["p99_ms"], "target (at most)" if target else "", target)
        )
    return rows


def api_rows(**options: Any) -> list[Row]:
    """Run :func:`api_benchmark` (same keyword arguments) and return its rows for the combined
    ``make bench`` table: req/s per endpoint and client count, the reference's req/s at 8
    clients as the floor (so the ratio is the multiple), then p50 and p99."""
    return report_rows(api_benchmark(**options))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intents", type=int, default=1000)
    parser.add_argument("--clients", default="16", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=15.0, help="per endpoint, at most")
    parser.add_argument("--requests", type=int, default=500, help="per client, at most")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--pg-dsn",
        default=os.environ.get("CONVERGE_PG_DSN", "postgresql://postgres@127.0.0.1:5432/converge"),
        help="a server to create the scratch database <dbname>_apibench on (postgres only)",
    )
    parser.add_argument("--table", action="store_true", help="print the rows table too")
    args = parser.parse_args()
    report = api_benchmark(
        intents=args.intents,
        clients=tuple(int(count) for count in args.clients.split(",")),
        seconds=args.seconds,
        requests=args.requests,
        workers=args.workers,
        threads=args.threads,
        paths=tuple(args.paths.split(",")),
        backend=args.backend,
        pg_dsn=args.pg_dsn,
    )
    if args.table:
        sys.path.insert(0, str(ROOT))
        from bench.run import table

        print(table(report_rows(report)))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
