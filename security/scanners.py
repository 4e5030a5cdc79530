"""Scanner adapters: one interface, each a real tool run on files materialised from git.

An adapter gets the directory the files were written to and their paths (relative to it) and
answers a :class:`ScannerResult`: ``completed`` with findings, ``skipped`` (nothing it reads
was scanned, or the tool is not installed), ``unavailable`` (pip-audit could not get
vulnerability data: its service is unreachable, or it could not audit a single dependency —
never reported as "no vulnerabilities") or ``error`` (timeout, exit status, unreadable report)
with a reason. Tools run without a shell, with a timeout, in the directory scanned.

The built-in adapters are bandit (SAST), detect-secrets (secrets) and pip-audit (SCA, for the
requirements files scanned); a shell adapter runs any tool emitting SARIF or JSON from the
trusted ``CONVERGE_SECURITY_SHELL_SCANNERS`` setting, never from a request.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from converge_core.fingerprint import digest
from converge_core.security import (
    CATEGORIES,
    Category,
    RawFinding,
    ScannerStatus,
    is_dependency_file,
    parse_bandit,
    parse_detect_secrets,
    parse_pip_audit,
    parse_sarif,
    parse_shell_json,
    redact,
)

STDERR_KEPT = 500
# What pip-audit writes when it cannot reach or use its vulnerability service.
_SERVICE_FAILURES = (
    "ServiceError",
    "ConnectionError",
    "ProxyError",
    "ConnectTimeout",
    "ReadTimeout",
    "Max retries exceeded",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
)


@dataclass
class ScannerResult:
    scanner: str
    status: str
    version: str = ""
    findings: list[RawFinding] = field(default_factory=list)
    reason: str = ""
    duration_ms: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "scanner": self.scanner,
            "version": self.version,
            "status": self.status,
            "findings": len(self.findings),
            "duration_ms": self.duration_ms,
        }
        if self.reason:
            result["reason"] = self.reason
        if self.details:
            result["details"] = self.details
        return result


class Scanner(Protocol):
    """A scanner adapter."""

    @property
    def name(self) -> str: ...

    @property
    def category(self) -> str: ...

    def identity(self) -> dict[str, Any]:
        """What decides its results besides the files: its version and configuration."""
        ...

    def scan(self, workdir: Path, files: Sequence[str]) -> ScannerResult: ...


def _tool(name: str) -> str | None:
    """The tool's executable: beside this interpreter (the venv ``make install`` built), else
    on ``PATH``."""
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which(name)


@cache
def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def secret_values(text: str) -> Iterable[str]:
    """The values detect-secrets' plugins take for secrets in ``text`` (for redaction)."""
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import default_settings

    with default_settings():
        for line in text.splitlines() or [text]:
            for secret in scan_line(line):
                if secret.secret_value:
                    yield secret.secret_value


def scrub(text: str) -> str:
    """A tool's error output as it may be stored and shown: redacted and cut short."""
    return redact(text.strip()[-STDERR_KEPT:], detector=secret_values, quoted=True)


@dataclass
class Run:
    returncode: int | None  # None: timed out
    stdout: str
    stderr: str


def _run(argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=settings.CONVERGE_SECURITY_TIMEOUT,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        return Run(None, "", stderr or "")
    return Run(done.returncode, done.stdout, done.stderr)


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        return None


def _timed(result: ScannerResult, started: float) -> ScannerResult:
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


def _timeout_reason() -> str:
    return f"timed out after {settings.CONVERGE_SECURITY_TIMEOUT} s"


class BanditScanner:
    """bandit on the Python files scanned (SAST)."""

    name = "bandit"
    category = Category.SAST

    def identity(self) -> dict[str, Any]:
        return {"version": _version("bandit")}

    def scan(self, workdir: Path, files: Sequence[str]) -> ScannerResult:
        started = time.monotonic()
        version = _version("bandit")
        python_files = [path for path in files if path.endswith(".py")]
        if not python_files:
            return ScannerResult(self.name, ScannerStatus.SKIPPED, version, reason="no Python file")
        tool = _tool("bandit")
        if tool is None:
            return ScannerResult(self.name, ScannerStatus.SKIPPED, version, reason="not installed")
        run = _run([tool, "-f", "json", "-q", "--", *python_files], workdir)
        report = _json(run.stdout)
        if run.returncode is None:
            result = ScannerResult(
                self.name, ScannerStatus.ERROR, version, reason=_timeout_reason()
            )
        elif run.returncode not in (0, 1) or not isinstance(report, dict):
            result = ScannerResult(
                self.name,
                ScannerStatus.ERROR,
                version,
                reason=f"exit status {run.returncode}: {scrub(run.stderr or run.stdout)}",
            )
        else:
            result = ScannerResult(
                self.name, ScannerStatus.COMPLETED, version, findings=parse_bandit(report)
            )
            errors = report.get("errors") or []
            if errors:
                result.details = {"files_not_parsed": [str(e.get("filename")) for e in errors]}
        return _timed(result, started)


class DetectSecretsScanner:
    """detect-secrets on every file scanned (secrets: each one is a critical finding)."""

    name = "detect-secrets"
    category = Category.SECRETS

    def identity(self) -> dict[str, Any]:
        return {"version": _version("detect-secrets")}

    def scan(self, workdir: Path, files: Sequence[str]) -> ScannerResult:
        started = time.monotonic()
        version = _version("detect-secrets")
        if not files:
            return ScannerResult(self.name, ScannerStatus.SKIPPED, version, reason="no file")
        tool = _tool("detect-secrets")
        if tool is None:
            return ScannerResult(self.name, ScannerStatus.SKIPPED, version, reason="not installed")
        run = _run([tool, "scan", "--", *files], workdir)
        report = _json(run.stdout)
        if run.returncode is None:
            result = ScannerResult(
                self.name, ScannerStatus.ERROR, version, reason=_timeout_reason()
            )
        elif run.returncode != 0 or not isinstance(report, dict):
            result = ScannerResult(
                self.name,
                ScannerStatus.ERROR,
                version,
                reason=f"exit status {run.returncode}: {scrub(run.stderr)}",
            )
        else:
            result = ScannerResult(
                self.name,
                ScannerStatus.COMPLETED,
                version,
                findings=parse_detect_secrets(report),
            )
        return _timed(result, started)


class PipAuditScanner:
    """pip-audit on the requirements files scanned (SCA), pinned requirements only
    (``--no-deps --disable-pip``: nothing is installed or resolved)."""

    name = "pip-audit"
    category = Category.SCA

    def identity(self) -> dict[str, Any]:
        return {
            "version": _version("pip-audit"),
            "service": settings.CONVERGE_SECURITY_PIP_AUDIT_SERVICE,
            "osv_url": settings.CONVERGE_SECURITY_OSV_URL,
        }

    def _argv(self, tool: str, requirement: str, cache_dir: str) -> list[str]:
        argv = [
            tool,
            "--requirement",
            requirement,
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--timeout",
            str(min(settings.CONVERGE_SECURITY_TIMEOUT, 30)),
            "--cache-dir",
            cache_dir,
            "--vulnerability-service",
            settings.CONVERGE_SECURITY_PIP_AUDIT_SERVICE,
        ]
        if (
            settings.CONVERGE_SECURITY_PIP_AUDIT_SERVICE == "osv"
            and settings.CONVERGE_SECURITY_OSV_URL
        ):
            argv += ["--osv-url", settings.CONVERGE_SECURITY_OSV_URL]
        return argv

    def scan(self, workdir: Path, files: Sequence[str]) -> ScannerResult:
        started = time.monotonic()
        version = _version("pip-audit")
        requirements = [path for path in files if is_dependency_file(path)]
        if not requirements:
            return ScannerResult(
                self.name, ScannerStatus.SKIPPED, version, reason="no dependency file scanned"
            )
        tool = _tool("pip-audit")
        if tool is None:
            return ScannerResult(self.name, ScannerStatus.SKIPPED, version, reason="not installed")
        findings: list[RawFinding] = []
        audited, skipped, unavailable = 0, [], []
        with tempfile.TemporaryDirectory(prefix="converge-pip-audit-") as cache_dir:
            for requirement in requirements:
                run = _run(self._argv(tool, requirement, cache_dir), workdir)
                report = _json(run.stdout)
                if run.returncode is None:
                    return _timed(
                        ScannerResult(
                            self.name, ScannerStatus.ERROR, version, reason=_timeout_reason()
                        ),
                        started,
                    )
                if run.returncode in (0, 1) and isinstance(report, dict | list):
                    audit = parse_pip_audit(report, file=requirement)
                    findings += audit.findings
                    audited += audit.audited
                    skipped += audit.skipped
                elif any(marker in run.stderr for marker in _SERVICE_FAILURES):
                    unavailable.append(requirement)
                else:
                    return _timed(
                        ScannerResult(
                            self.name,
                            ScannerStatus.ERROR,
                            version,
                            reason=f"{requirement}: exit status {run.returncode}: "
                            f"{scrub(run.stderr)}",
                        ),
                        started,
                    )
        details: dict[str, Any] = {"audited": audited, "files": requirements}
        if skipped:
            details["not_audited"] = [{"name": n, "reason": r} for n, r in skipped[:20]]
        if unavailable:
            reason = (
                f"vulnerability service {settings.CONVERGE_SECURITY_PIP_AUDIT_SERVICE} "
                f"unreachable ({', '.join(unavailable)})"
            )
            result = ScannerResult(
                self.name, ScannerStatus.UNAVAILABLE, version, findings, reason, details=details
            )
        elif audited == 0:
            reason = (
                f"no dependency could be audited ({len(skipped)} skipped: "
                f"{skipped[0][1] if skipped else 'none listed'})"
            )
            result = ScannerResult(
                self.name, ScannerStatus.UNAVAILABLE, version, findings, reason, details=details
            )
        else:
            result = ScannerResult(
                self.name, ScannerStatus.COMPLETED, version, findings, details=details
            )
        return _timed(result, started)


@dataclass(frozen=True)
class ShellScanner:
    """A configured tool emitting SARIF or JSON on stdout (gitleaks, semgrep …)."""

    name: str
    argv: tuple[str, ...]
    format: str
    category: str

    def identity(self) -> dict[str, Any]:
        return {"argv": list(self.argv), "format": self.format, "category": self.category}

    def _expand(self, workdir: Path, files: Sequence[str]) -> list[str]:
        argv: list[str] = []
        for word in self.argv:
            if word == "{files}":
                argv += list(files)
            else:
                argv.append(word.replace("{path}", str(workdir)))
        return argv

    def scan(self, workdir: Path, files: Sequence[str]) -> ScannerResult:
        started = time.monotonic()
        if not files:
            return ScannerResult(self.name, ScannerStatus.SKIPPED, reason="no file")
        argv = self._expand(workdir, files)
        if shutil.which(argv[0]) is None and not Path(argv[0]).is_file():
            return ScannerResult(self.name, ScannerStatus.SKIPPED, reason="not installed")
        run = _run(argv, workdir)
        report = _json(run.stdout)
        if run.returncode is None:
            result = ScannerResult(self.name, ScannerStatus.ERROR, reason=_timeout_reason())
        elif report is None and run.stdout.strip():
            result = ScannerResult(
                self.name,
                ScannerStatus.ERROR,
                reason=f"exit status {run.returncode}: the report is not JSON",
            )
        elif report is None and run.returncode != 0:
            result = ScannerResult(
                self.name,
                ScannerStatus.ERROR,
                reason=f"exit status {run.returncode}: {scrub(run.stderr)}",
            )
        else:
            if self.format == "sarif" and isinstance(report, dict):
                found = parse_sarif(report, scanner=self.name, category=self.category)
            else:
                found = parse_shell_json(report or [], scanner=self.name, category=self.category)
            prefix = f"{workdir}/"
            found = [
                finding
                if not finding.file.startswith(prefix)
                else replace(finding, file=finding.file.removeprefix(prefix))
                for finding in found
            ]
            result = ScannerResult(self.name, ScannerStatus.COMPLETED, findings=found)
        return _timed(result, started)


BUILTIN: dict[str, Scanner] = {
    "bandit": BanditScanner(),
    "detect-secrets": DetectSecretsScanner(),
    "pip-audit": PipAuditScanner(),
}


def _shell_scanners(raw: str) -> dict[str, ShellScanner]:
    if not raw.strip():
        return {}
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"CONVERGE_SECURITY_SHELL_SCANNERS is not JSON: {exc}") from exc
    if not isinstance(entries, list):
        raise ImproperlyConfigured("CONVERGE_SECURITY_SHELL_SCANNERS must be a JSON list")
    scanners = {}
    for entry in entries:
        name = entry.get("name") if isinstance(entry, dict) else None
        argv = entry.get("argv") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or name in BUILTIN or name in scanners:
            raise ImproperlyConfigured(
                f"CONVERGE_SECURITY_SHELL_SCANNERS: each entry needs a new, unique name ({entry!r})"
            )
        if not isinstance(argv, list) or not argv or not all(isinstance(w, str) for w in argv):
            raise ImproperlyConfigured(
                f"CONVERGE_SECURITY_SHELL_SCANNERS: {name}: argv must be a list of strings"
            )
        fmt = entry.get("format", "json")
        category = entry.get("category", Category.SAST)
        if fmt not in ("json", "sarif") or category not in CATEGORIES:
            raise ImproperlyConfigured(
                f"CONVERGE_SECURITY_SHELL_SCANNERS: {name}: format is json or sarif, "
                f"category one of {', '.join(CATEGORIES)}"
            )
        scanners[name] = ShellScanner(name, tuple(argv), fmt, category)
    return scanners


def configured_scanners() -> list[Scanner]:
    """The scanners of ``CONVERGE_SECURITY_SCANNERS``, in order."""
    available: dict[str, Scanner] = {
        **BUILTIN,
        **_shell_scanners(settings.CONVERGE_SECURITY_SHELL_SCANNERS),
    }
    chosen = []
    for name in settings.CONVERGE_SECURITY_SCANNERS:
        if name not in available:
            raise ImproperlyConfigured(
                f"CONVERGE_SECURITY_SCANNERS: unknown scanner {name!r} "
                f"(known: {', '.join(available)})"
            )
        chosen.append(available[name])
    return chosen


def scanner_installed(scanner: Scanner) -> bool:
    """Whether the scanner's executable is found (beside this interpreter or on ``PATH``)."""
    if isinstance(scanner, ShellScanner):
        tool = scanner.argv[0]
        return shutil.which(tool) is not None or Path(tool).is_file()
    return _tool(scanner.name) is not None


def scanners_identity(scanners: Sequence[Scanner]) -> str:
    """A digest of the scanners, their versions and configuration: a scan is reused only
    while it is unchanged."""
    return digest([[scanner.name, scanner.identity()] for scanner in scanners])
