"""The coherence harness (operations §6): the harness file, running its questions in a tree,
baselines, and the ``coherence`` commands.

The questions live in ``$CONVERGE_HOME/coherence_harness.json`` (the file operators edit and
the interchange format). A shell check runs with ``/bin/sh -c`` in the tree under evaluation
(the intent's merged tree during validation, the repository's checkout for ``coherence
run``) with a scrubbed environment, its own process group, CPU and file-size limits and
``CONVERGE_QUESTION_TIMEOUT``; chaining, substitution and redirection are refused before
anything runs. Baselines are ``coherence.baseline_updated`` events keyed by tenant and
repository (operations §6.7 note 5), the latest one being the current set.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from django.conf import settings

from converge_core import coherence as core
from converge_core.checks import minimal_environment
from converge_core.errors import InvalidInput
from intents.gitaccess import git_for
from intents.models import Repository
from intents.repositories import repository_resolve
from interfaces.home import ensure_home
from ledger.append import event_append
from ledger.selectors import event_feed

HARNESS_FILE = "coherence_harness.json"
OUTPUT_LIMIT = 64 * 1024  # bytes of a check's output read
FILE_SIZE_LIMIT = 64 * 2**20  # what a check may write


def harness_path(path: str | None = None) -> Path:
    return Path(path) if path else Path(settings.CONVERGE_HOME) / HARNESS_FILE


def harness_document(path: str | None = None) -> dict[str, Any] | None:
    """The harness file's JSON (``None`` when there is no file)."""
    file = harness_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{file} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidInput(f"{file} must hold a JSON object")
    return document


def harness_load(path: str | None = None) -> core.Harness:
    """The configured harness; no file: no questions, version ``none``."""
    document = harness_document(path)
    if document is None:
        return core.Harness(version=core.NO_HARNESS)
    return core.parse_harness(document)


def harness_write(document: Mapping[str, Any], path: str | None = None) -> Path:
    """Write the harness file whole: beside its destination, then renamed into place."""
    file = harness_path(path)
    core.parse_harness(document)  # never write a file the harness would refuse to load
    if path is None:
        ensure_home(file.parent)
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2)
            out.write("\n")
        os.replace(temporary, file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return file


def coherence_init(path: str | None = None) -> dict[str, Any]:
    """Create the harness file from the default template; an existing file is never
    overwritten."""
    file = harness_path(path)
    if file.exists():
        return {"status": "exists", "path": str(file)}
    document = {
        "version": core.TEMPLATE_VERSION,
        "questions": [dict(question) for question in core.DEFAULT_QUESTIONS],
    }
    harness_write(document, path)
    return {"status": "created", "path": str(file), "questions": len(core.DEFAULT_QUESTIONS)}


# -- baselines ------------------------------------------------------------------------------


def _baseline_events(repository: Repository, tenant_id: str | None) -> Any:
    if tenant_id is None:
        return event_feed(
            event_type="coherence.baseline_updated",
            without_tenant=True,
            payload={"repository": repository.name},
        )
    return event_feed(
        event_type="coherence.baseline_updated",
        tenant_id=tenant_id,
        payload={"repository": repository.name},
    )


def baselines_current(repository: Repository, tenant_id: str | None) -> dict[str, float]:
    payload = _baseline_events(repository, tenant_id).values_list("payload", flat=True).first()
    return dict((payload or {}).get("baselines") or {})


def baselines_seq(repository: Repository, tenant_id: str | None) -> int:
    """The sequence number of the current baselines (0: none), for decision fingerprints."""
    return _baseline_events(repository, tenant_id).values_list("seq", flat=True).first() or 0


# -- running questions ----------------------------------------------------------------------


def _limits(timeout: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (timeout + 1, timeout + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))

    return apply


def run_shell(check: str, workdir: Path, timeout: int) -> tuple[float | None, str | None]:
    """``(value, None)`` or ``(None, error)``; the whole process group dies on a timeout."""
    refusal = core.command_refusal(check)
    if refusal:
        return None, refusal
    try:
        process = subprocess.Popen(
            ["/bin/sh", "-c", check],
            cwd=workdir,
            env=minimal_environment(workdir),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_limits(timeout),  # noqa: PLW1509 - only setrlimit, no locks
        )
    except OSError as exc:
        return None, f"Command could not start: {exc.strerror}"
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None, "Command timed out"
    if process.returncode != 0:
        message = stderr[:200].decode(errors="replace")
        return None, f"Command failed (rc={process.returncode}): {message}"
    try:
        return core.parse_value(stdout[-OUTPUT_LIMIT:].decode(errors="replace")), None
    except InvalidInput as exc:
        return None, exc.message


def _count(root: Path, folder: str, pattern: str) -> int:
    base = root / folder
    return sum(1 for path in base.rglob(pattern) if path.is_file()) if base.is_dir() else 0


def run_builtin(name: str, workdir: Path, files_changed: Sequence[str] | None) -> float:
    if name == "test_ratio":
        tests, sources = _count(workdir, "tests", "test_*.py"), _count(workdir, "src", "*.py")
        return float(tests * 100 // sources) if sources else 0.0
    # files_changed: the files the change under evaluation touches (none outside validation)
    return float(len(files_changed or ()))


def run_question(
    question: core.Question,
    workdir: Path,
    *,
    baseline: float | None,
    files_changed: Sequence[str] | None = None,
) -> core.QuestionResult:
    try:
        builtin = core.builtin_name(question.check)
    except InvalidInput as exc:
        return core.judge(question, None, baseline, exc.message)
    if builtin is not None:
        return core.judge(question, run_builtin(builtin, workdir, files_changed), baseline, None)
    value, error = run_shell(question.check, workdir, settings.CONVERGE_QUESTION_TIMEOUT)
    return core.judge(question, value, baseline, error)


def harness_results(
    harness: core.Harness,
    workdir: Path,
    *,
    baselines: Mapping[str, float],
    files_changed: Sequence[str] | None = None,
) -> list[core.QuestionResult]:
    return [
        run_question(
            question,
            workdir,
            baseline=baselines.get(question.id),
            files_changed=files_changed,
        )
        for question in harness.enabled
    ]


@contextmanager
def current_tree(repository: Repository) -> Iterator[Path]:
    """The repository's current state: its checkout, or its default branch's files when it
    is bare."""
    if not repository.is_bare:
        with nullcontext(Path(repository.path)) as path:
            yield path
        return
    head = git_for(repository).head(repository.default_branch)
    if head is None:
        raise InvalidInput(
            f"Repository {repository.name} has no branch {repository.default_branch}"
        )
    with git_for(repository).materialize(head) as path:
        yield path


# -- commands -------------------------------------------------------------------------------


def coherence_list(*, path: str | None = None, tenant_id: str | None = None) -> dict[str, Any]:
    harness = harness_load(path)
    baselines = baselines_current(repository_resolve(), tenant_id) if harness.questions else {}
    return {
        "version": harness.version,
        "questions": [
            {**question.as_dict(), "baseline": baselines.get(question.id)}
            for question in harness.questions
        ],
        "baselines": baselines,
    }


def coherence_run(*, path: str | None = None, tenant_id: str | None = None) -> dict[str, Any]:
    """Evaluate every enabled question against the repository's current state (no event)."""
    harness = harness_load(path)
    if not harness.enabled:
        return {"status": "no_questions", "message": "No coherence harness configured"}
    repository = repository_resolve()
    baselines = baselines_current(repository, tenant_id)
    with current_tree(repository) as workdir:
        results = harness_results(harness, workdir, baselines=baselines)
    return core.evaluation_of(results, harness_version=harness.version).as_dict()


def coherence_baseline(
    *, path: str | None = None, tenant_id: str | None = None, actor: str = "system"
) -> dict[str, Any]:
    """Capture the current value of every enabled question whose check ran without error."""
    harness = harness_load(path)
    if not harness.enabled:
        return {"status": "no_questions", "message": "No coherence harness configured"}
    repository = repository_resolve()
    with current_tree(repository) as workdir:
        results = harness_results(harness, workdir, baselines={})
    baselines = {result.question_id: result.value for result in results if result.error is None}
    event_append(
        event_type="coherence.baseline_updated",
        payload={"baselines": baselines, "repository": repository.name},
        tenant_id=tenant_id,
        agent_id=actor,
    )
    return {"status": "updated", "baselines": baselines, "repository": repository.name}
