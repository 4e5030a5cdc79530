"""pip-audit reports ``unavailable``, never "no vulnerabilities", when it gets no vulnerability
data: its service unreachable, answering errors, or every dependency skipped. Each run is the
real tool against a local address (pytest-socket keeps everything else off the network)."""

from pathlib import Path

import pytest

from security.scanners import PipAuditScanner
from security.tests.helpers import osv_server

PINNED = "requests==2.19.0\n"


def audit(tmp_path: Path, text: str, name: str = "requirements.txt"):
    (tmp_path / name).write_text(text)
    return PipAuditScanner().scan(tmp_path, [name, "app.py"])


@pytest.fixture
def osv(settings):
    settings.CONVERGE_SECURITY_PIP_AUDIT_SERVICE = "osv"
    return settings


def test_an_unreachable_service_is_unavailable(osv, tmp_path):
    osv.CONVERGE_SECURITY_OSV_URL = "http://127.0.0.1:9/v1/query"  # nothing listens there
    result = audit(tmp_path, PINNED)
    assert result.status == "unavailable" and result.findings == []
    assert "unreachable" in result.reason


def test_a_service_answering_errors_is_unavailable(osv, tmp_path):
    with osv_server(None, status=503) as url:
        osv.CONVERGE_SECURITY_OSV_URL = url
        result = audit(tmp_path, PINNED)
    assert result.status == "unavailable"


def test_every_dependency_skipped_is_unavailable_not_clean(osv, tmp_path):
    # pip-audit exits 0 here, auditing nothing (a URL requirement has no version to look up)
    result = audit(tmp_path, "demo @ https://example.invalid/demo-1.0.tar.gz\n")
    assert result.status == "unavailable"
    assert "no dependency could be audited" in result.reason
    assert result.details["not_audited"][0]["name"] == "demo"


def test_a_service_answering_gives_findings(osv, tmp_path):
    answer = {
        "vulns": [
            {
                "id": "PYSEC-2018-28",
                "details": "Requests sends credentials over HTTP after a redirect.",
                "aliases": ["CVE-2018-18074"],
                "affected": [
                    {
                        "package": {"name": "requests", "ecosystem": "PyPI"},
                        "ranges": [
                            {
                                "type": "ECOSYSTEM",
                                "events": [{"introduced": "0"}, {"fixed": "2.20.0"}],
                            }
                        ],
                    }
                ],
            }
        ]
    }
    with osv_server(answer) as url:
        osv.CONVERGE_SECURITY_OSV_URL = url
        result = audit(tmp_path, PINNED)
    assert result.status == "completed", result.reason
    [finding] = result.findings
    assert (finding.rule, finding.category, finding.file) == (
        "PYSEC-2018-28",
        "sca",
        "requirements.txt",
    )
    assert finding.severity == "medium"  # no CVSS: unknown is medium, never info
    assert "fix: 2.20.0" in finding.message


def test_no_dependency_file_changed_is_skipped(tmp_path):
    result = PipAuditScanner().scan(tmp_path, ["app.py"])
    assert (result.status, result.reason) == ("skipped", "no dependency file scanned")
