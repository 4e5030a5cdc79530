"""Mirrors: bare, under CONVERGE_REPOS_DIR, fetched with the token passed per command."""

from __future__ import annotations

import base64

from conftest import git
from github_app.mirrors import _auth_env, mirror_fetch, mirror_resolve
from github_app.tests.conftest import FULL_NAME, INSTALLATION


def test_a_mirror_is_a_bare_repository_under_the_repos_dir(db, github, remote, settings):
    mirror = mirror_resolve(
        full_name=FULL_NAME,
        clone_url=str(remote.bare),
        default_branch="main",
        installation_id=INSTALLATION,
    )

    mirror_fetch(mirror, ["refs/heads/main", "refs/heads/gone"])  # a missing ref is skipped

    path = settings.CONVERGE_REPOS_DIR / "acme" / "widgets.git"
    assert mirror.repository.path == str(path)
    assert mirror.repository.is_bare
    assert git(path, "rev-parse", "refs/heads/main") == remote.sha("refs/heads/main")
    assert mirror.repository.name == FULL_NAME


def test_the_installation_token_goes_to_git_per_command_and_never_to_the_config(
    db, github, remote, settings
):
    mirror = mirror_resolve(
        full_name=FULL_NAME,
        clone_url="https://github.example/acme/widgets.git",
        default_branch="main",
        installation_id=INSTALLATION,
    )

    env = _auth_env(mirror)

    assert env["GIT_CONFIG_KEY_0"] == "http.extraHeader"
    basic = env["GIT_CONFIG_VALUE_0"].removeprefix("Authorization: Basic ")
    assert base64.b64decode(basic).decode().startswith("x-access-token:ghs_installation4242")
    config = (settings.CONVERGE_REPOS_DIR / "acme" / "widgets.git" / "config").read_text()
    assert "ghs_" not in config and "extraHeader" not in config


def test_a_local_clone_url_is_fetched_as_is_without_a_token(db, github, remote):
    mirror = mirror_resolve(
        full_name=FULL_NAME,
        clone_url=remote.bare.as_uri(),
        default_branch="main",
        installation_id=INSTALLATION,
    )

    assert _auth_env(mirror) == {}
    assert github.requests == []
