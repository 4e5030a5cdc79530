"""Security scanning: the enumerations, what a scanner's report becomes, and redaction.

Pure functions only (no Django, no processes): each parser turns one tool's JSON report into
:class:`RawFinding` values, :func:`finding_fingerprint` identifies a finding across scans
(scanner, rule, file, line and a hash of what was found), and :func:`block_details` names the
findings behind a block. A secret never leaves a parser in full: its finding carries the rule
and a short hash of the secret (``secret_hash``), and every message goes through
:func:`redact` before it is stored, logged or shown.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

from converge_core.errors import InvalidInput


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class Category(StrEnum):
    SAST = "sast"
    SCA = "sca"
    SECRETS = "secrets"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ScannerStatus(StrEnum):
    COMPLETED = "completed"
    SKIPPED = "skipped"
    UNAVAILABLE = "unavailable"
    ERROR = "error"


class ScanStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class FindingStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    FIXED = "fixed"  # not seen by the latest scan of its scope


class ScanTrigger(StrEnum):
    OPERATOR = "operator"  # CLI or API: always a fresh scan
    VALIDATION = "validation"  # the gate, when no scan of the merged tree exists
    PRESCAN = "prescan"  # the worker, for new and updated intents


SEVERITIES: tuple[str, ...] = tuple(str(value) for value in Severity)
CATEGORIES: tuple[str, ...] = tuple(str(value) for value in Category)
SEVERITY_ORDER = {str(value): rank for rank, value in enumerate(Severity)}
REDACTED = "[redacted]"
SHORT_HASH = 12  # hex characters of a secret's hash that a finding keeps
MESSAGE_LIMIT = 500
BLOCK_NAMES_LIMIT = 10

# Names of dependency files pip-audit reads (requirements files).
_REQUIREMENTS = re.compile(
    r"(^|/)(requirements[^/]*\.txt|[^/]*requirements\.txt|requirements/[^/]+\.txt)$"
)


def is_dependency_file(path: str) -> bool:
    return bool(_REQUIREMENTS.search(path))


def short_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:SHORT_HASH]


@dataclass(frozen=True)
class RawFinding:
    """One finding as a parser reads it (``secret_hash`` instead of any secret value)."""

    scanner: str
    category: str
    severity: str
    rule: str
    file: str = ""
    line: int = 0
    message: str = ""
    confidence: str = Confidence.MEDIUM
    secret_hash: str = ""

    @property
    def fingerprint(self) -> str:
        return finding_fingerprint(self)


def finding_fingerprint(finding: RawFinding) -> str:
    """Stable identity across scans: scanner, rule, file, line and what was found (the secret's
    hash for a secret, else the message)."""
    evidence = finding.secret_hash or finding.message
    text = "\x1f".join(
        [finding.scanner, finding.rule, finding.file, str(finding.line), short_hash(evidence)]
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# --- redaction -------------------------------------------------------------------------------

_QUOTED = re.compile(r"('[^']{4,}'|\"[^\"]{4,}\")")
_ASSIGNED = re.compile(
    r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)"
    r"(\s*[:=]\s*)(\S{4,})"
)
_KNOWN_TOKENS = re.compile(
    r"\b(AKIA|ASIA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}\b|\bxox[abpr]-[A-Za-z0-9-]{10,}\b"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)
Detector = Callable[[str], Iterable[str]]


def redact(text: str, *, detector: Detector | None = None, quoted: bool = False) -> str:
    """``text`` with every secret-looking value replaced by ``[redacted:<hash>]``.

    Known token shapes and ``password=…`` assignments always; the values ``detector`` finds
    (detect-secrets' plugins, given by the caller); with ``quoted`` every quoted literal (the
    messages of hard-coded-password rules quote the password)."""

    def mask(value: str) -> str:
        return f"[redacted:{short_hash(value)[:8]}]"

    if detector is not None:
        for value in sorted(set(detector(text)), key=len, reverse=True):
            if len(value) >= 4 and f"[redacted:{value}]" not in text:
                text = text.replace(value, mask(value))
    if quoted:
        text = _QUOTED.sub(lambda match: mask(match.group(0)[1:-1]), text)
    text = _ASSIGNED.sub(lambda match: match.group(1) + match.group(2) + mask(match.group(3)), text)
    text = _KNOWN_TOKENS.sub(lambda match: mask(match.group(0)), text)
    return text[:MESSAGE_LIMIT]


# --- parsers -----------------------------------------------------------------------------------

_BANDIT_SEVERITY = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}
_BANDIT_CONFIDENCE = {"HIGH": Confidence.HIGH, "MEDIUM": Confidence.MEDIUM, "LOW": Confidence.LOW}
# bandit rules whose message quotes a hard-coded secret
BANDIT_SECRET_RULES = frozenset({"B105", "B106", "B107"})


def _relative(path: str) -> str:
    text = str(path).replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text


def parse_bandit(report: Mapping[str, Any], *, scanner: str = "bandit") -> list[RawFinding]:
    """bandit ``-f json``: ``results[]`` (severity HIGH/MEDIUM/LOW, UNDEFINED → info)."""
    findings = []
    for item in report.get("results") or ():
        rule = str(item.get("test_id") or "")
        text = str(item.get("issue_text") or "")
        secret = rule in BANDIT_SECRET_RULES
        findings.append(
            RawFinding(
                scanner=scanner,
                category=Category.SAST,
                severity=_BANDIT_SEVERITY.get(str(item.get("issue_severity")), Severity.INFO),
                rule=rule,
                file=_relative(str(item.get("filename") or "")),
                line=int(item.get("line_number") or 0),
                message=redact(text, quoted=secret),
                confidence=_BANDIT_CONFIDENCE.get(
                    str(item.get("issue_confidence")), Confidence.MEDIUM
                ),
                secret_hash=short_hash(text) if secret else "",
            )
        )
    return findings


def parse_detect_secrets(
    report: Mapping[str, Any], *, scanner: str = "detect-secrets"
) -> list[RawFinding]:
    """detect-secrets ``scan``: ``results{file: [{type, hashed_secret, line_number}]}``; every
    secret is ``critical`` and keeps only its type and a short hash."""
    findings = []
    for path, items in (report.get("results") or {}).items():
        for item in items or ():
            kind = str(item.get("type") or "secret")
            hashed = str(item.get("hashed_secret") or "")
            findings.append(
                RawFinding(
                    scanner=scanner,
                    category=Category.SECRETS,
                    severity=Severity.CRITICAL,
                    rule=kind,
                    file=_relative(str(item.get("filename") or path)),
                    line=int(item.get("line_number") or 0),
                    message=f"{kind} (secret {short_hash(hashed)})",
                    confidence=Confidence.HIGH,
                    secret_hash=short_hash(hashed),
                )
            )
    return findings


@dataclass(frozen=True)
class DependencyAudit:
    """What a pip-audit report says: findings, how many dependencies it audited, and those it
    could not audit (name, reason)."""

    findings: list[RawFinding]
    audited: int
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _cvss_severity(score: float | None) -> str:
    if score is None:
        return Severity.MEDIUM  # unknown is medium, never info (operations §3.6 note 3)
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score >= 0.1:
        return Severity.LOW
    return Severity.INFO


def parse_pip_audit(
    report: Mapping[str, Any] | Sequence[Any], *, file: str, scanner: str = "pip-audit"
) -> DependencyAudit:
    """pip-audit ``--format json``: ``{dependencies: [{name, version, vulns[], skip_reason?}]}``
    (or a bare list). A dependency with a ``skip_reason`` was not audited."""
    dependencies = report.get("dependencies", []) if isinstance(report, Mapping) else report
    findings: list[RawFinding] = []
    skipped: list[tuple[str, str]] = []
    audited = 0
    for dependency in dependencies or ():
        name = str(dependency.get("name") or "")
        if dependency.get("skip_reason"):
            skipped.append((name, str(dependency["skip_reason"])))
            continue
        audited += 1
        version = str(dependency.get("version") or "")
        for vuln in dependency.get("vulns") or ():
            fixes = [str(fix) for fix in vuln.get("fix_versions") or ()]
            description = str(vuln.get("description") or "").strip().splitlines()
            text = f"{name}=={version}: {description[0] if description else vuln.get('id')}"
            if fixes:
                text += f" (fix: {', '.join(fixes)})"
            score = vuln.get("cvss")
            findings.append(
                RawFinding(
                    scanner=scanner,
                    category=Category.SCA,
                    severity=_cvss_severity(float(score) if score is not None else None),
                    rule=str(vuln.get("id") or ""),
                    file=file,
                    line=0,
                    message=redact(text),
                    confidence=Confidence.HIGH,
                )
            )
    return DependencyAudit(findings=findings, audited=audited, skipped=skipped)


_SARIF_LEVEL = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW}


def _clean_choice(value: Any, allowed: Sequence[str], default: str) -> str:
    text = str(value or "").lower()
    return text if text in allowed else default


def parse_sarif(report: Mapping[str, Any], *, scanner: str, category: str) -> list[RawFinding]:
    """SARIF 2.1: ``runs[].results[]`` with ``ruleId``, ``level`` (or a ``security-severity``
    property of the rule), ``message.text`` and the first physical location."""
    findings = []
    for run in report.get("runs") or ():
        rules = {
            str(rule.get("id")): rule
            for rule in ((run.get("tool") or {}).get("driver") or {}).get("rules") or ()
        }
        for result in run.get("results") or ():
            rule_id = str(result.get("ruleId") or "")
            severity = _SARIF_LEVEL.get(str(result.get("level") or "warning"), Severity.MEDIUM)
            score = ((rules.get(rule_id) or {}).get("properties") or {}).get("security-severity")
            if score is not None:
                with suppress(ValueError):
                    severity = Severity(_cvss_severity(float(score)))
            location = ((result.get("locations") or [{}])[0] or {}).get("physicalLocation") or {}
            text = str((result.get("message") or {}).get("text") or "")
            findings.append(
                _shell_finding(
                    scanner,
                    category,
                    {
                        "severity": severity,
                        "rule": rule_id,
                        "file": (location.get("artifactLocation") or {}).get("uri") or "",
                        "line": (location.get("region") or {}).get("startLine") or 0,
                        "message": text,
                        "secret": (result.get("properties") or {}).get("secret"),
                    },
                )
            )
    return findings


def _shell_finding(scanner: str, category: str, item: Mapping[str, Any]) -> RawFinding:
    category = _clean_choice(item.get("category") or category, CATEGORIES, Category.SAST)
    secret = category == Category.SECRETS
    message = str(item.get("message") or item.get("evidence") or item.get("description") or "")
    rule = str(item.get("rule") or item.get("RuleID") or item.get("ruleID") or item.get("id") or "")
    raw_secret = str(item.get("secret") or item.get("Secret") or item.get("match") or "")
    try:
        line = int(item.get("line") or item.get("StartLine") or item.get("startLine") or 0)
    except (TypeError, ValueError):
        line = 0
    if secret:
        hashed = short_hash(raw_secret or message)
        message = f"{rule or 'secret'} (secret {hashed})"
    return RawFinding(
        scanner=scanner,
        category=category,
        severity=Severity.CRITICAL
        if secret
        else _clean_choice(item.get("severity"), SEVERITIES, Severity.MEDIUM),
        rule=rule,
        file=_relative(str(item.get("file") or item.get("File") or "")),
        line=max(line, 0),
        message=redact(message, quoted=True),
        confidence=_clean_choice(item.get("confidence"), tuple(Confidence), Confidence.MEDIUM),
        secret_hash=short_hash(raw_secret or message) if secret else "",
    )


def parse_shell_json(
    report: Mapping[str, Any] | Sequence[Any], *, scanner: str, category: str
) -> list[RawFinding]:
    """A list of findings or ``{findings: [...]}`` with keys severity, category, file, line,
    rule, message (or evidence), confidence; a secret's value under ``secret``/``match``."""
    items = report.get("findings", []) if isinstance(report, Mapping) else report
    return [
        _shell_finding(scanner, category, item) for item in items or () if isinstance(item, Mapping)
    ]


# --- scopes, paths and the gate's explanation ------------------------------------------------


def clean_scan_path(path: str | None) -> str:
    """A path inside the repository's tree, as ``a/b`` (``""``: the whole tree). Absolute
    paths and ``..`` are refused (operations §3.6 note 8)."""
    text = (path or "").strip().replace("\\", "/")
    if text in ("", "."):
        return ""
    pure = PurePosixPath(text)
    if pure.is_absolute() or ".." in pure.parts or any(ord(char) < 32 for char in text):
        raise InvalidInput(
            f"path must be inside the repository's tree: {path!r}", field="path", path=path
        )
    return "/".join(part for part in pure.parts if part not in ("", "."))


def under(path: str, prefix: str) -> bool:
    return not prefix or path == prefix or path.startswith(prefix + "/")


def finding_name(finding: Mapping[str, Any]) -> str:
    """``rule at file:line (scanner)`` — what a block reason shows of one finding."""
    place = f"{finding.get('file') or '-'}:{finding.get('line') or 0}"
    return f"{finding.get('rule') or '?'} at {place} ({finding.get('scanner')})"


def block_details(findings: Sequence[Mapping[str, Any]]) -> str:
    """The critical and high findings, most severe first, for a block reason."""
    counted = [f for f in findings if f.get("severity") in (Severity.CRITICAL, Severity.HIGH)]
    counted.sort(key=lambda f: (SEVERITY_ORDER.get(str(f.get("severity")), 9), f.get("file")))
    names = [f"{f['severity']} {finding_name(f)}" for f in counted[:BLOCK_NAMES_LIMIT]]
    if len(counted) > BLOCK_NAMES_LIMIT:
        names.append(f"and {len(counted) - BLOCK_NAMES_LIMIT} more")
    return "; ".join(names)
