"""What ``intent status`` shows about security (``CONVERGE_INTENT_DETAILS``)."""

from __future__ import annotations

from typing import Any

from security.selectors import finding_counts, finding_list, scan_list
from security.serialization import finding_serialize, scan_serialize


def intent_security(intent_id: str) -> dict[str, Any]:
    """The intent's latest scan, its open findings by severity and the most severe of them."""
    scans = scan_list(intent_id=intent_id, limit=1)
    findings = finding_list(intent_id=intent_id, limit=20)
    return {
        "security": {
            "latest_scan": scan_serialize(scans[0]) if scans else None,
            "finding_counts": finding_counts(intent_id=intent_id),
            "findings": [finding_serialize(finding) for finding in findings],
        }
    }
