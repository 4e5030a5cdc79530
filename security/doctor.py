"""The doctor's security line (registered in ``CONVERGE_DOCTOR_CHECKS``)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from interfaces.doctor import Check
from security.scanners import configured_scanners, scanner_installed


def check_security_tools() -> Check:
    """The configured scanners and whether each is installed (a missing one is skipped by
    every scan, so the gate sees less than it should)."""
    try:
        scanners = configured_scanners()
    except ImproperlyConfigured as exc:
        return Check("security_tools", "fail", str(exc), "Fix the CONVERGE_SECURITY_* settings")
    found = [scanner.name for scanner in scanners if scanner_installed(scanner)]
    missing = [scanner.name for scanner in scanners if scanner.name not in found]
    detail = f"found: {', '.join(found) or 'none'}"
    if missing:
        detail += f"; missing: {', '.join(missing)}"
    if missing or not found:
        return Check("security_tools", "warn", detail, "Install the scanners (make install)")
    return Check("security_tools", "pass", detail)
