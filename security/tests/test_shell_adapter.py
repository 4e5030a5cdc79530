"""The shell adapter runs a configured tool (no shell) and reads its SARIF or JSON report;
its configuration is trusted settings, checked when loaded."""

import json
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from intents.tests.factories import create_intent
from security.models import SecurityFinding
from security.scanners import configured_scanners
from security.services import security_scan
from security.tests.helpers import commit_branch

SARIF_TOOL = """
import json, sys
files = sys.argv[1:]
results = [{"ruleId": "demo.eval", "level": "error", "message": {"text": "eval of input"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": f},
                           "region": {"startLine": 3}}}]} for f in files]
print(json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "demo"}},
                                                "results": results}]}))
"""
JSON_TOOL = """
import json, sys
print(json.dumps({"findings": [{"rule": "token", "file": sys.argv[1], "line": 1,
                                "secret": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"}]}))
"""


@pytest.fixture
def tools(tmp_path, settings):
    (tmp_path / "sarif_tool.py").write_text(SARIF_TOOL)
    (tmp_path / "json_tool.py").write_text(JSON_TOOL)
    settings.CONVERGE_SECURITY_SHELL_SCANNERS = json.dumps(
        [
            {
                "name": "semgrep-like",
                "argv": [sys.executable, str(tmp_path / "sarif_tool.py"), "{files}"],
                "format": "sarif",
            },
            {
                "name": "gitleaks-like",
                "argv": [sys.executable, str(tmp_path / "json_tool.py"), "{files}"],
                "format": "json",
                "category": "secrets",
            },
        ]
    )
    settings.CONVERGE_SECURITY_SCANNERS = ["semgrep-like", "gitleaks-like"]
    return settings


def test_sarif_and_json_tools_report_findings(tools, repository, git_repo):
    commit_branch(git_repo, "feature/x", {"x.py": "print(1)\n"})
    create_intent(repository, "x", source="feature/x")
    scan, _ = security_scan(intent_id="x", actor="ops")
    assert [s["status"] for s in scan.scanners] == ["completed", "completed"]
    found = {f.scanner: f for f in SecurityFinding.objects.all()}
    sarif = found["semgrep-like"]
    assert (sarif.rule, sarif.severity, sarif.file, sarif.line) == ("demo.eval", "high", "x.py", 3)
    leak = found["gitleaks-like"]
    assert (leak.category, leak.severity) == ("secrets", "critical")
    assert "ghp_" not in leak.message and leak.message.startswith("token (secret ")


@pytest.mark.parametrize(
    "config",
    [
        "not json",
        '{"name": "x"}',
        '[{"name": "bandit", "argv": ["bandit"]}]',
        '[{"name": "x", "argv": "gitleaks detect"}]',
        '[{"name": "x", "argv": ["x"], "format": "xml"}]',
    ],
)
def test_a_bad_configuration_is_refused(settings, config):
    settings.CONVERGE_SECURITY_SHELL_SCANNERS = config
    with pytest.raises(ImproperlyConfigured):
        configured_scanners()


def test_an_unknown_scanner_name_is_refused(settings):
    settings.CONVERGE_SECURITY_SCANNERS = ["bandit", "nope"]
    with pytest.raises(ImproperlyConfigured, match="nope"):
        configured_scanners()
