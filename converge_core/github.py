"""GitHub integration rules that need no Django: webhook signatures, the mapping of pull
requests and merge groups to intents, and how a decision reads as a check-run.

Decisions §23 fix the conclusions: validated and merged are ``success``; blocked and
rejected are ``failure``; an intake refusal is ``action_required``; anything still open
(pending, a review or dependency hold, a merge that failed and is retried) stays
``in_progress``. Nothing that must block is ever ``neutral`` or ``skipped``: GitHub counts
those as passing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SIGNATURE_PREFIX = "sha256="
ZERO_SHA = "0" * 40
BODY_LIMIT = 10_000  # decisions §41: each semantic string
TRUNCATION_MARKER = "\n\n[… truncated by Converge]"
ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per check-run create or update
SUMMARY_LIMIT = 65_535  # GitHub refuses a longer output.summary
MERGE_GROUP_ACTOR = "github-merge-queue"

SUCCESS_DECISIONS = frozenset({"validated", "merged", "queued"})
FAILURE_DECISIONS = frozenset({"blocked", "rejected"})
ACTION_REQUIRED_DECISIONS = frozenset({"intake_rejected"})
SUPERSEDED = "superseded"


def signature_of(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_is_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time comparison of the header with the body's HMAC-SHA256."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(signature_of(secret, body), header.strip())


@dataclass(frozen=True)
class CheckState:
    """What a check-run shows: ``status`` and, once completed, ``conclusion``."""

    status: str
    conclusion: str | None = None


def check_state(decision: str) -> CheckState:
    if decision in SUCCESS_DECISIONS:
        return CheckState("completed", "success")
    if decision in FAILURE_DECISIONS:
        return CheckState("completed", "failure")
    if decision in ACTION_REQUIRED_DECISIONS:
        return CheckState("completed", "action_required")
    if decision == SUPERSEDED:
        return CheckState("completed", "cancelled")
    return CheckState("in_progress")


def commit_status_state(decision: str) -> str:
    """The commit-status state of interfaces §5.5 (``converge/risk-gate``)."""
    state = check_state(decision)
    if state.conclusion == "success":
        return "success"
    if state.conclusion is not None:
        return "failure"
    return "pending"


def truncate_body(text: str, limit: int = BODY_LIMIT) -> str:
    """A PR body cut to ``limit`` characters with a marker saying so (never refused)."""
    if len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER


def pr_intent_id(full_name: str | None, number: int) -> str:
    return f"{full_name}:pr-{number}" if full_name else f"pr-{number}"


def merge_group_intent_id(full_name: str, head_sha: str) -> str:
    return f"{full_name}:mg-{head_sha[:12]}"


def branch_of(ref: str) -> str | None:
    """``main`` for ``refs/heads/main``; None for tags and other refs."""
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None


@dataclass(frozen=True)
class LabelRules:
    """Label prefixes that set an intent's risk level and priority (``risk:high``,
    ``priority:1``); the last matching label wins, unknown values are ignored."""

    risk_prefix: str = "risk:"
    priority_prefix: str = "priority:"
    risk_levels: tuple[str, ...] = ("low", "medium", "high", "critical")

    def apply(self, labels: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for label in labels:
            lowered = label.strip().lower()
            if self.risk_prefix and lowered.startswith(self.risk_prefix):
                level = lowered.removeprefix(self.risk_prefix).strip()
                if level in self.risk_levels:
                    found["risk_level"] = level
            if self.priority_prefix and lowered.startswith(self.priority_prefix):
                value = lowered.removeprefix(self.priority_prefix).strip()
                if value.isdigit() and 1 <= int(value) <= 5:
                    found["priority"] = int(value)
        return found


@dataclass(frozen=True)
class PullRequestFacts:
    """What Converge reads from a ``pull_request`` payload."""

    full_name: str
    number: int
    title: str
    body: str
    author: str
    head_ref: str
    head_sha: str
    base_ref: str
    head_repo: str | None
    is_draft: bool
    labels: tuple[str, ...]
    merged: bool
    merge_commit_sha: str | None
    clone_url: str
    default_branch: str

    @property
    def is_fork(self) -> bool:
        return self.head_repo is not None and self.head_repo != self.full_name

    @property
    def intent_id(self) -> str:
        return pr_intent_id(self.full_name, self.number)

    @property
    def pull_ref(self) -> str:
        return f"refs/pull/{self.number}/head"

    @property
    def source(self) -> str:
        """The branch the intent merges: the head branch of a same-repository PR; for a fork,
        the base repository's ``pull/<n>/head`` (a fork's branch names may clash with ours)."""
        return f"pull/{self.number}/head" if self.is_fork else self.head_ref


class PayloadInvalid(ValueError):
    """A delivery whose payload lacks what its event needs (answered 400)."""


def _object(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    if not isinstance(value, Mapping):
        raise PayloadInvalid(f"{key} must be an object")
    return value


def _text(payload: Mapping[str, Any], key: str, where: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise PayloadInvalid(f"{where}.{key} must be a non-empty string")
    return value


def _number(payload: Mapping[str, Any], key: str, where: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PayloadInvalid(f"{where}.{key} must be a positive integer")
    return value


@dataclass(frozen=True)
class RepositoryFacts:
    full_name: str
    clone_url: str
    default_branch: str


def repository_facts(payload: Mapping[str, Any]) -> RepositoryFacts:
    repository = _object(payload, "repository")
    full_name = _text(repository, "full_name", "repository")
    if not re.fullmatch(r"[A-Za-z0-9._-]+/[A-Za-z0-9._-]+", full_name):
        raise PayloadInvalid("repository.full_name must be owner/name")
    return RepositoryFacts(
        full_name=full_name,
        clone_url=_text(repository, "clone_url", "repository"),
        default_branch=str(repository.get("default_branch") or "main"),
    )


def installation_id_of(payload: Mapping[str, Any]) -> int | None:
    installation = payload.get("installation")
    if isinstance(installation, Mapping):
        value = installation.get("id")
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def pull_request_facts(payload: Mapping[str, Any]) -> PullRequestFacts:
    repository = repository_facts(payload)
    pull = _object(payload, "pull_request")
    head = _object(pull, "head")
    base = _object(pull, "base")
    head_repo = head.get("repo")
    user = pull.get("user") if isinstance(pull.get("user"), Mapping) else {}
    raw_labels = pull.get("labels")
    labels: list[Any] = raw_labels if isinstance(raw_labels, list) else []
    raw_title, raw_body = pull.get("title"), pull.get("body")
    title = raw_title if isinstance(raw_title, str) else ""
    body = raw_body if isinstance(raw_body, str) else ""
    return PullRequestFacts(
        full_name=repository.full_name,
        number=_number(pull, "number", "pull_request"),
        title=title,
        body=body,
        author=str((user or {}).get("login") or "github-webhook"),
        head_ref=_text(head, "ref", "pull_request.head"),
        head_sha=_sha(head, "pull_request.head"),
        base_ref=str(base.get("ref") or "main"),
        head_repo=(
            str(head_repo.get("full_name"))
            if isinstance(head_repo, Mapping) and head_repo.get("full_name")
            else None
        ),
        is_draft=bool(pull.get("draft")),
        labels=tuple(
            str(label["name"])
            for label in labels
            if isinstance(label, Mapping) and isinstance(label.get("name"), str)
        ),
        merged=bool(pull.get("merged")),
        merge_commit_sha=(
            pull["merge_commit_sha"]
            if isinstance(pull.get("merge_commit_sha"), str)
            and re.fullmatch(r"[0-9a-f]{40}", pull["merge_commit_sha"])
            else None
        ),
        clone_url=repository.clone_url,
        default_branch=repository.default_branch,
    )


def _sha(payload: Mapping[str, Any], where: str, key: str = "sha") -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{40}", value):
        raise PayloadInvalid(f"{where}.{key} must be a 40-digit commit SHA")
    return value


@dataclass(frozen=True)
class MergeGroupFacts:
    full_name: str
    head_sha: str
    head_ref: str
    base_ref: str
    base_sha: str | None
    clone_url: str
    default_branch: str

    @property
    def intent_id(self) -> str:
        return merge_group_intent_id(self.full_name, self.head_sha)

    @property
    def target(self) -> str:
        return branch_of(self.base_ref) or self.base_ref or "main"


def merge_group_facts(payload: Mapping[str, Any]) -> MergeGroupFacts:
    repository = repository_facts(payload)
    group = _object(payload, "merge_group")
    base_sha = group.get("base_sha")
    return MergeGroupFacts(
        full_name=repository.full_name,
        head_sha=_sha(group, "merge_group", "head_sha"),
        head_ref=_text(group, "head_ref", "merge_group"),
        base_ref=str(group.get("base_ref") or "refs/heads/main"),
        base_sha=base_sha if isinstance(base_sha, str) else None,
        clone_url=repository.clone_url,
        default_branch=repository.default_branch,
    )


@dataclass(frozen=True)
class PushFacts:
    full_name: str
    branch: str | None
    before: str
    after: str
    is_deleted: bool
    clone_url: str
    default_branch: str


def push_facts(payload: Mapping[str, Any]) -> PushFacts:
    repository = repository_facts(payload)
    ref = _text(payload, "ref", "push")
    after = str(payload.get("after") or ZERO_SHA)
    return PushFacts(
        full_name=repository.full_name,
        branch=branch_of(ref),
        before=str(payload.get("before") or ZERO_SHA),
        after=after,
        is_deleted=bool(payload.get("deleted")) or after == ZERO_SHA,
        clone_url=repository.clone_url,
        default_branch=repository.default_branch,
    )


def rerequested_head_sha(payload: Mapping[str, Any], event: str) -> str:
    """The head SHA of a ``check_run`` / ``check_suite`` ``rerequested`` delivery."""
    return _sha(_object(payload, event), event, "head_sha")


# --- the check-run's text -------------------------------------------------------------------


@dataclass(frozen=True)
class Annotation:
    path: str
    message: str
    title: str = "Merge conflict"
    level: str = "failure"

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "start_line": 1,
            "end_line": 1,
            "annotation_level": self.level,
            "title": self.title,
            "message": self.message,
        }


@dataclass(frozen=True)
class CheckOutput:
    title: str
    summary: str
    annotations: tuple[Annotation, ...] = field(default_factory=tuple)


def annotation_batches(
    annotations: Sequence[Annotation], size: int = ANNOTATIONS_PER_REQUEST
) -> Iterator[list[dict[str, Any]]]:
    """The annotations in groups GitHub accepts in one request."""
    for start in range(0, len(annotations), size):
        yield [annotation.as_dict() for annotation in annotations[start : start + size]]


_HEADLINES = {
    "validated": "Validated: safe to merge",
    "merged": "Merged",
    "queued": "Validated and queued",
    "blocked": "Blocked",
    "rejected": "Rejected",
    "intake_rejected": "Refused by intake",
    "pending": "Validating",
    SUPERSEDED: "Superseded by a newer head",
}


def _number_text(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else str(value)


def render_output(
    *,
    check_name: str,
    intent_id: str,
    decision: str,
    reason: str | None,
    details: Mapping[str, Any],
    trace_id: str | None,
) -> CheckOutput:
    """The check-run's title, Markdown summary and annotations for a decision.

    ``details`` is the intent's last validation decision as the API renders it (risk,
    policy gates, simulation, checks) plus optional ``queue`` facts (position, waits_for,
    eta_seconds) and ``semantic_conflicts`` (``[{intent_id, url, similarity}]``).
    """
    headline = _HEADLINES.get(decision, decision.replace("_", " ").capitalize())
    lines = [
        f"**Intent:** `{intent_id}`",
        f"**Decision:** {decision}",
    ]
    risk = details.get("risk") if isinstance(details.get("risk"), Mapping) else None
    if risk is not None and risk.get("risk_score") is not None:
        lines.append(f"**Risk score:** {_number_text(risk['risk_score'])}")
    if trace_id:
        lines.append(f"**Trace:** `{trace_id}`")
    if reason:
        lines.append(f"**Reason:** {reason}")
    if risk is not None:
        lines += ["", "### Risk", "", "| score | value |", "| --- | --- |"]
        for key in ("risk_score", "damage_score", "entropy_score", "propagation_score"):
            if risk.get(key) is not None:
                lines.append(f"| {key.removesuffix('_score')} | {_number_text(risk[key])} |")
        if risk.get("containment_score") is not None:
            lines.append(f"| containment | {_number_text(risk['containment_score'])} |")
    policy = details.get("policy") if isinstance(details.get("policy"), Mapping) else None
    gate = details.get("risk_gate") if isinstance(details.get("risk_gate"), Mapping) else None
    if policy is not None:
        lines += ["", f"### Gates ({policy.get('verdict')})", ""]
        for result in policy.get("gates") or ():
            mark = "pass" if result.get("passed") else "**fail**"
            text = f"- `{result.get('gate')}`: {mark}"
            if result.get("reason"):
                text += f" — {result['reason']}"
            lines.append(text)
    if gate is not None:
        numbers = ", ".join(
            f"{key} {_number_text(value)}"
            for key, value in gate.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        )
        if numbers:
            lines.append(f"- risk gate: {numbers}")
    checks = details.get("checks") or ()
    if checks:
        lines += ["", "### Checks", ""]
        for check in checks:
            lines.append(
                f"- `{check.get('check_type') or check.get('name')}`: {check.get('status')}"
            )
    raw_simulation = details.get("simulation")
    simulation: Mapping[str, Any] = raw_simulation if isinstance(raw_simulation, Mapping) else {}
    conflicts = [str(path) for path in simulation.get("conflicts") or ()]
    if conflicts:
        lines += ["", f"### Conflicting files ({len(conflicts)})", ""]
        lines += [f"- `{path}`" for path in conflicts[:50]]
        if len(conflicts) > 50:
            lines.append(f"- … and {len(conflicts) - 50} more (see the annotations)")
    files = simulation.get("files_changed") or ()
    if files and not conflicts:
        lines.append("")
        lines.append(f"{len(files)} files changed.")
    semantic = details.get("semantic_conflicts") or ()
    if semantic:
        lines += ["", "### Semantic conflicts", ""]
        for item in semantic:
            link = (
                f"[{item.get('intent_id')}]({item['url']})"
                if item.get("url")
                else (f"`{item.get('intent_id')}`")
            )
            lines.append(f"- {link} (similarity {_number_text(item.get('similarity'))})")
    queue = details.get("queue") if isinstance(details.get("queue"), Mapping) else None
    if queue is not None and queue.get("position") is not None:
        lines += ["", "### Queue", "", f"- position: {queue['position']}"]
        if queue.get("waits_for"):
            lines.append(f"- waits for: {', '.join(map(str, queue['waits_for']))}")
        if queue.get("eta_seconds") is not None:
            lines.append(f"- estimate: about {round(float(queue['eta_seconds']) / 60)} min")
    summary = "\n".join(lines)
    if len(summary) > SUMMARY_LIMIT:
        summary = summary[: SUMMARY_LIMIT - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER
    annotations = tuple(
        Annotation(path=path, message=f"{path} conflicts with the target branch")
        for path in conflicts
    )
    return CheckOutput(title=f"{check_name}: {headline}", summary=summary, annotations=annotations)


def output_digest(state: CheckState, output: CheckOutput) -> str:
    """What was published, as a digest: an identical update is not sent again."""
    material = "\0".join(
        [
            state.status,
            state.conclusion or "",
            output.title,
            output.summary,
            *(f"{a.path}:{a.message}" for a in output.annotations),
        ]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
