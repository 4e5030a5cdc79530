"""``converge doctor``'s GitHub App check, with a hint for each missing piece."""

from __future__ import annotations

from github_app.doctor import check_github_app
from github_app.tests.conftest import INSTALLATION


def test_not_configured_is_a_pass_with_a_hint(db, settings):
    settings.CONVERGE_GITHUB_APP_ID = ""

    check = check_github_app()

    assert check.status == "pass"
    assert "CONVERGE_GITHUB_APP_ID" in check.hint


def test_a_missing_key_fails_with_the_mount_hint(db, github, settings):
    settings.CONVERGE_GITHUB_APP_PRIVATE_KEY = ""
    settings.CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH = "/secrets/github-app/private-key.pem"

    check = check_github_app()

    assert check.status == "fail"
    assert check.detail == "GitHub App private key not configured"
    assert "/secrets/github-app/" in check.hint


def test_an_invalid_key_fails(db, github, settings):
    settings.CONVERGE_GITHUB_APP_PRIVATE_KEY = (
        "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"
    )

    check = check_github_app()

    assert check.status == "fail"
    assert "not a valid RSA key" in check.detail


def test_a_key_read_from_its_file_reaches_the_installation(db, github, settings, tmp_path, app_key):
    key_file = tmp_path / "private-key.pem"
    key_file.write_text(app_key)
    settings.CONVERGE_GITHUB_APP_PRIVATE_KEY = ""
    settings.CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH = str(key_file)
    settings.CONVERGE_GITHUB_INSTALLATION_ID = str(INSTALLATION)

    check = check_github_app()

    assert check.status == "pass", check
    assert f"installation {INSTALLATION} reachable" in check.detail
    assert github.sent("POST", rf"/app/installations/{INSTALLATION}/access_tokens")


def test_an_unreachable_installation_fails(db, github, settings):
    settings.CONVERGE_GITHUB_INSTALLATION_ID = "31337"
    github.faults.append(("POST", r"/app/installations/31337/access_tokens", 404))

    check = check_github_app()

    assert check.status == "fail"
    assert "installation 31337 unreachable" in check.detail


def test_no_installation_known_is_a_warning(db, github, settings):
    settings.CONVERGE_GITHUB_INSTALLATION_ID = ""

    check = check_github_app()

    assert check.status == "warn"
    assert "CONVERGE_GITHUB_INSTALLATION_ID" in check.hint
