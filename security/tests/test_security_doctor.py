"""The doctor names the scanners found and warns of a missing one."""

import json

from security.doctor import check_security_tools


def test_the_installed_scanners_pass(settings):
    check = check_security_tools()
    assert check.status == "pass"
    assert check.detail == "found: bandit, detect-secrets, pip-audit"


def test_a_missing_tool_warns_and_a_bad_setting_fails(settings):
    settings.CONVERGE_SECURITY_SHELL_SCANNERS = json.dumps(
        [{"name": "gitleaks", "argv": ["/nonexistent/gitleaks", "dir", "{path}"]}]
    )
    settings.CONVERGE_SECURITY_SCANNERS = ["bandit", "gitleaks"]
    check = check_security_tools()
    assert (check.status, check.detail) == ("warn", "found: bandit; missing: gitleaks")
    settings.CONVERGE_SECURITY_SCANNERS = ["nope"]
    assert check_security_tools().status == "fail"
