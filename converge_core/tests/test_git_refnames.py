"""Ref-name validation: the Python rules agree with real ``git check-ref-format``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from converge_core.errors import InvalidInput
from converge_core.git import InvalidRef, is_valid_branch_name, is_valid_refname
from converge_core.git.refnames import validate_branch_name, validate_rev

CORPUS = [
    # accepted by git
    "main",
    "feature/login",
    "a/b/c/d",
    "HEAD/x",
    "head",
    "refs/heads/x",
    "@",
    "a@b",
    "x@",
    "a{b",
    "a}b",
    "a]b",
    "a./b",
    "a/-b",
    "a-",
    "1.2.3",
    "x.lockx",
    "x.loc",
    "lock",
    "ü",
    "feature/ü-ñ",
    "日本/語",
    "a+b,c=d!e#f$g%h&i",
    "a'b\"c",
    "a(b)<c>|d;e`f",
    "a_b",
    # rejected by git
    "",
    "-",
    "-a",
    "--output=/tmp/x",
    "-h",
    "HEAD",
    "a..b",
    "..",
    ".",
    ".a",
    "a/.b",
    "a.",
    "a/b.",
    "a/",
    "/a",
    "a//b",
    "a.lock",
    "a/b.lock",
    "a.lock/b",
    ".lock",
    "a..lock",
    "a b",
    "a\tb",
    "a\nb",
    "a~1",
    "a^",
    "a^{commit}",
    "a:b",
    "a?",
    "a*",
    "a[b",
    "a\\b",
    "a@{1}",
    "@{-1}",
    "@{u}",
    "a\x7fb",
    "a\x01b",
    "a/./b",
    "a/../b",
    "x/..",
]


def _git_accepts(tmp_path: Path, *args: str) -> bool:
    # Outside any repository, so git does not expand @{-N} from a reflog.
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path.parent), "LC_ALL": "C"}
    done = subprocess.run(
        ["git", "check-ref-format", *args], cwd=tmp_path, env=env, capture_output=True
    )
    return done.returncode == 0


def test_corpus_is_tricky_enough() -> None:
    assert len(CORPUS) >= 60
    assert len(set(CORPUS)) == len(CORPUS)
    assert sum(map(is_valid_branch_name, CORPUS)) == 26


@pytest.mark.parametrize("name", CORPUS)
def test_branch_rules_match_git(tmp_path: Path, name: str) -> None:
    assert is_valid_branch_name(name) is _git_accepts(tmp_path, "--branch", name)


# check-ref-format without --branch reads a leading "-" as an option (there is no "--"), so
# those names are compared through --branch only.
@pytest.mark.parametrize("name", [name for name in CORPUS if not name.startswith("-")])
def test_refname_rules_match_git(tmp_path: Path, name: str) -> None:
    assert is_valid_refname(name) is _git_accepts(tmp_path, name)
    assert is_valid_refname(name, allow_onelevel=True) is _git_accepts(
        tmp_path, "--allow-onelevel", name
    )


def test_names_git_cannot_receive_are_rejected() -> None:
    assert is_valid_branch_name("a\0b") is False
    assert is_valid_branch_name("\ud800") is False


def test_invalid_branch_name_is_one_line_input_error() -> None:
    with pytest.raises(InvalidRef) as caught:
        validate_branch_name("bad\nname")
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.exit_code == 2
    assert caught.value.message == "invalid branch name 'bad\\nname'"
    assert "\n" not in caught.value.message
    assert caught.value.as_dict() == {
        "error": {"code": "invalid_ref", "message": caught.value.message, "ref": "bad\nname"}
    }


def test_validate_rev_accepts_object_ids_and_branch_names() -> None:
    sha1 = "0123456789abcdef0123456789abcdef01234567"
    assert validate_rev(sha1) == sha1
    assert validate_rev("origin/feature") == "origin/feature"
    with pytest.raises(InvalidRef, match=r"invalid ref '-x'"):
        validate_rev("-x")
