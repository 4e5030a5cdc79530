"""The ``converge`` console script: ``manage.py`` plus the global options.

Global options come before the command: ``--db PATH`` (SQLite file; ignored with PostgreSQL),
``--actor NAME`` and ``--repo PATH``. Help is rendered from the table below without importing
Django, so ``converge --help`` stays fast.

A command that serves no pages starts without the apps only the web server uses
(``CONVERGE_WEB_APPS``: the console, the API framework, its schema, CORS); ``EVERY_APP_COMMANDS``
start with every installed app, and ``migrate`` among them applies every app's migrations.
"""

from __future__ import annotations

import difflib
import gc
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

# command -> (summary, shown by the short --help)
COMMANDS: dict[str, tuple[str, bool]] = {
    "intent": ("Create, list, inspect and update intents", True),
    "simulate": ("Simulate merging a source into a target (nothing is merged)", True),
    "validate": ("Validate an intent: simulation, risk, checks and policy gates", True),
    "merge": ("Record a merge made outside Converge (merge confirm)", True),
    "queue": ("Process the merge queue; inspect and reset it", True),
    "policy": ("Dry-run policy evaluation and calibration of entropy budgets", True),
    "risk": ("Risk scores, the risk gate and per-tenant risk policies", False),
    "archaeology": ("History analysis: hotspots, coupling, bus factor", False),
    "doctor": ("Check the environment, database, git, policy, flags and audit chain", True),
    "audit": ("The event log and its hash chain: events, verify, init, prune, rebuild", False),
    "flags": ("Feature flags and where their state comes from", False),
    "review": ("Review tasks: request, assign, complete, escalate, SLA and sweep", False),
    "security": ("Security scans of merged trees: scan, findings, summary, dismiss", False),
    "semantic": ("Semantic index of intents and conflicts between in-flight ones", False),
    "intake": ("Intake mode: status and set-mode (open, throttle, pause, auto)", False),
    "verification": ("Verification debt: score, parts and status band", False),
    "health": ("Repo and change health, trends and a prediction", False),
    "compliance": ("Compliance report, alerts and per-tenant thresholds", False),
    "predictions": ("Predicted issues from the last 24 hours", False),
    "coherence": ("Coherence harness: questions, run, baselines and suggestions", False),
    "harness": ("Pre-PR evaluation of a draft intent (shadow or enforce)", False),
    "agent": ("Agent policies and authorization, with code ownership", False),
    "export": ("Export the decision dataset (JSON lines or CSV)", False),
    "metrics": ("Integration metrics (JSON)", False),
    "serve": ("Serve the HTTP API, health probes, metrics and the admin console", True),
    "worker": ("Run the worker: validates and merges the queue (beat embedded)", True),
    "beat": ("Run the scheduler alone, for workers started with --no-beat", False),
    "migrate": ("Apply database migrations", True),
    "createsuperuser": ("Create an operator account for the admin console", False),
}

# Commands that serve pages or run tasks, or that act on every app (migrations, operator
# accounts, the environment check, which runs the system checks).
EVERY_APP_COMMANDS = frozenset({"serve", "worker", "beat", "migrate", "createsuperuser", "doctor"})

GLOBAL_OPTIONS = """global options (before the command):
  --db PATH      SQLite database (default $CONVERGE_DB_PATH, else .converge/state.db)
  --actor NAME   who is acting, recorded on what the command changes (default: system)
  --repo PATH    git repository to work on (default: the current directory's)
  -h, --help     essential commands;  --help-all: every command"""


def render_help(show_all: bool) -> str:
    lines = ["usage: converge [--db PATH] [--actor NAME] [--repo PATH] COMMAND ...", ""]
    lines.append("commands:" if show_all else "essential commands:")
    for name, (summary, essential) in COMMANDS.items():
        if show_all or essential:
            lines.append(f"  {name:<16} {summary}")
    lines += ["", GLOBAL_OPTIONS, ""]
    if not show_all:
        lines.append(
            "Run `converge --help-all` for every command, `converge COMMAND --help` for one."
        )
    return "\n".join(lines)


def fail(message: str, code: str = "usage_error") -> int:
    print(json.dumps({"error": {"code": code, "message": message}}, indent=2))
    print(f"error: {message}", file=sys.stderr)
    return 2


def configuration_error() -> str | None:
    """Load the settings and check the feature-flag variables; a bad environment value comes
    back as one line naming the variable (decisions §9: a start-up configuration error)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from converge_core.flags import environment_problems

    try:
        settings.INSTALLED_APPS  # noqa: B018  (reading a setting imports the settings module)
    except ImproperlyConfigured as exc:
        return str(exc)
    return "; ".join(environment_problems(os.environ)) or None


def django_ready() -> bool:
    """Django is already set up in this process (the CLI run in-process by a caller)."""
    registry = sys.modules.get("django.apps")
    return registry is not None and registry.apps.ready


def leave_out_web_apps() -> None:
    """Install every app but those only the web server uses (before ``django.setup()``)."""
    from django.conf import settings

    web = frozenset(getattr(settings, "CONVERGE_WEB_APPS", ()))
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app not in web]


@contextmanager
def start_up() -> Iterator[None]:
    """No garbage collection while the process starts, then the objects made so far (modules,
    classes, settings: they live as long as the process) are frozen out of later collections,
    which would otherwise walk them all again, and the collector runs as usual."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def parse_globals(argv: list[str]) -> tuple[dict[str, str], list[str], str | None]:
    """Split the global options off ``argv``; returns (options, rest, help request)."""
    options: dict[str, str] = {}
    rest = list(argv)
    while rest and rest[0].startswith("-"):
        arg = rest.pop(0)
        if arg in ("-h", "--help", "--help-all"):
            return options, rest, arg
        name, _, value = arg.partition("=")
        if name not in ("--db", "--actor", "--repo"):
            raise ValueError(f"unknown global option {name}")
        if not value:
            if not rest:
                raise ValueError(f"{name} needs a value")
            value = rest.pop(0)
        options[name[2:]] = value
    return options, rest, None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        options, rest, help_request = parse_globals(argv)
    except ValueError as exc:
        return fail(str(exc))
    if help_request:
        print(render_help(show_all=help_request == "--help-all"))
        return 0
    db = options.get("db")
    if db is not None and db in COMMANDS and (not rest or rest[0] not in COMMANDS):
        return fail(
            f"--db was given the command name {db!r} as its path: is $CONVERGE_DB_PATH empty?"
        )
    if not rest:
        print(render_help(show_all=False), file=sys.stderr)
        return fail("no command given")
    command = rest[0]
    if command not in COMMANDS:
        close = difflib.get_close_matches(command, COMMANDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return fail(f"unknown command {command!r}{hint}; see `converge --help-all`")

    if db is not None:
        os.environ["CONVERGE_DB_PATH"] = db
    if "actor" in options:
        os.environ["CONVERGE_ACTOR"] = options["actor"]
    if "repo" in options:
        os.environ["CONVERGE_REPO_PATH"] = options["repo"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "converge_site.settings")
    fresh = not django_ready()
    with start_up() if fresh else nullcontext():
        problem = configuration_error()
        if problem:
            return fail(problem, code="configuration_error")
        if fresh and command not in EVERY_APP_COMMANDS:
            leave_out_web_apps()

        import django
        from django.core.management import ManagementUtility

        django.setup()
        handler = ManagementUtility(["converge", *rest]).fetch_command(command)
    try:
        handler.run_from_argv(["converge", *rest])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
