"""Ref-name validation in Python, faithful to ``git check-ref-format [--branch]``.

Validating in-process costs no git process per branch; ``test_git_refnames`` checks this module
against the real ``git check-ref-format --branch`` on a corpus of tricky names.
"""

from __future__ import annotations

import re

from converge_core.git.errors import InvalidRef

# Bytes git rejects anywhere in a ref name (refs.c ``refname_disposition``): ASCII control
# characters, DEL, space and ``~^:?*[\``. ``*`` is only allowed in refspec patterns.
_FORBIDDEN = frozenset(range(0x20)) | frozenset(b"\x7f ~^:?*[\\")

OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _encode(name: str) -> bytes | None:
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return None


def _valid_component(component: bytes) -> bool:
    return not (
        not component
        or component.startswith(b".")
        or component.endswith(b".lock")
        or b".." in component
        or b"@{" in component
        or any(byte in _FORBIDDEN for byte in component)
    )


def _valid_refname_bytes(refname: bytes, *, allow_onelevel: bool) -> bool:
    if refname == b"@":
        return False
    components = refname.split(b"/")
    if not all(_valid_component(component) for component in components):
        return False
    if refname.endswith(b"."):
        return False
    return allow_onelevel or len(components) >= 2


def is_valid_refname(refname: str, *, allow_onelevel: bool = False) -> bool:
    """``git check-ref-format [--allow-onelevel] <refname>`` without a process."""
    raw = _encode(refname)
    return raw is not None and _valid_refname_bytes(raw, allow_onelevel=allow_onelevel)


def is_valid_branch_name(name: str) -> bool:
    """``git check-ref-format --branch <name>`` without ``@{-N}`` expansion.

    Like git: no leading ``-``, not ``HEAD``, and ``refs/heads/<name>`` must be a valid ref.
    """
    raw = _encode(name)
    if raw is None or raw.startswith(b"-") or raw == b"HEAD":
        return False
    return _valid_refname_bytes(b"refs/heads/" + raw, allow_onelevel=False)


def validate_branch_name(name: str) -> str:
    """Return ``name`` if it is a valid branch name, else raise :class:`InvalidRef`."""
    if not is_valid_branch_name(name):
        # repr() keeps the message on one line even for names with control characters.
        raise InvalidRef(f"invalid branch name {name!r}", ref=name)
    return name


def validate_rev(ref: str) -> str:
    """Accept a full object id or a valid branch-style name (``main``, ``origin/x``, a tag)."""
    if OBJECT_ID.fullmatch(ref):
        return ref
    if not is_valid_branch_name(ref):
        raise InvalidRef(f"invalid ref {ref!r}", ref=ref)
    return ref


def validate_object_id(value: str, what: str) -> str:
    """Require a full lowercase hex object id (what the engine itself hands out)."""
    if not OBJECT_ID.fullmatch(value):
        raise InvalidRef(f"{what} must be a full object id, got {value!r}", ref=value)
    return value
