"""Hypothesis strategies for intent creation payloads, valid and invalid (decisions §41).

A valid payload comes with the intent it must produce (the fields as stored and served);
an invalid one is a valid payload with exactly one field broken, so a refusal can only come
from that field.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from intents import cleaning

# Each example runs in a savepoint rolled back after it, so examples never see each other.
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


ID_ALPHABET = string.ascii_letters + string.digits + "._:-"
BRANCH_ALPHABET = string.ascii_lowercase + string.digits + "-_"
LABEL_ALPHABET = string.ascii_letters + string.digits + " ._-@"
# Free text: anything but NUL and lone surrogates (which PostgreSQL cannot store).
TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")

_segment = st.text(ID_ALPHABET, min_size=1, max_size=30).filter(lambda s: set(s) != {"."})
intent_ids = st.one_of(_segment, st.tuples(_segment, _segment).map("/".join))
branches = st.lists(
    st.text(BRANCH_ALPHABET, min_size=1, max_size=12).filter(lambda s: s[0] != "-"),
    min_size=1,
    max_size=3,
).map("/".join)
# Creation refuses a source branch the repository does not have: the tests create these.
SOURCE_BRANCHES = ("feature/x", "fix/a-1", "agent/b_2/c", "main-2")
sources = st.sampled_from(SOURCE_BRANCHES)
labels = st.text(LABEL_ALPHABET, min_size=1, max_size=40).filter(lambda s: s.strip() != "")
semantic = st.dictionaries(
    st.text(string.ascii_lowercase + "_", min_size=1, max_size=20),
    st.text(TEXT, max_size=300),
    max_size=4,
)
names = st.text(string.ascii_letters + string.digits + "._/-", min_size=1, max_size=30)
technical = st.fixed_dictionaries(
    {},
    optional={
        "scope_hint": st.lists(names, max_size=5),
        "affected_modules": st.lists(names, max_size=3),
        "initial_base_commit": st.text("0123456789abcdef", min_size=40, max_size=40),
        "repo": st.tuples(_segment, _segment).map("/".join).filter(lambda s: ":" not in s),
        "pr_number": st.integers(1, 10**6),
        "installation_id": st.integers(1, 10**9),
        "webhook_event": st.sampled_from(["pull_request", "merge_group"]),
    },
)
OPTIONAL_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "target": branches,
    "risk_level": st.sampled_from(["low", "medium", "high", "critical"]),
    "priority": st.integers(1, 5),
    "semantic": semantic,
    "technical": technical,
    "checks_required": st.lists(names, max_size=4),
    "dependencies": st.lists(intent_ids, max_size=5),
    "plan_id": labels,
    "origin_type": st.sampled_from(["human", "agent", "integration", "api", "demo"]),
}


@st.composite
def valid_payloads(draw: st.DrawFn, *, tenant: str | None) -> dict[str, Any]:
    """A creation body every path must accept (``tenant``: the only tenant it may name)."""
    payload: dict[str, Any] = {"source": draw(sources)}
    if draw(st.booleans()):
        payload[draw(st.sampled_from(["id", "intent_id"]))] = draw(intent_ids)
    for field, strategy in OPTIONAL_FIELDS.items():
        if draw(st.booleans()):
            payload[field] = draw(strategy)
    if draw(st.booleans()):
        payload["tenant_id"] = tenant
    given_id = payload.get("id") or payload.get("intent_id")
    if given_id is not None and "dependencies" in payload:
        payload["dependencies"] = [dep for dep in payload["dependencies"] if dep != given_id]
    return payload


def expected_intent(payload: dict[str, Any], *, origin_default: str) -> dict[str, Any]:
    """The stored fields a valid ``payload`` must produce."""
    return {
        "source": payload["source"],
        "target": payload.get("target", "main"),
        "status": "READY",
        "risk_level": payload.get("risk_level", "medium"),
        "priority": payload.get("priority", 3),
        "semantic": payload.get("semantic", {}),
        "technical": {
            key: list(dict.fromkeys(value)) if isinstance(value, list) else value
            for key, value in payload.get("technical", {}).items()
        },
        "checks_required": list(dict.fromkeys(payload.get("checks_required", []))),
        "dependencies": list(dict.fromkeys(payload.get("dependencies", []))),
        "plan_id": payload.get("plan_id"),
        "origin_type": payload.get("origin_type", origin_default),
        "retries": 0,
    }


def _too_long(limit: int) -> st.SearchStrategy[str]:
    return st.integers(limit + 1, limit + 50).map(lambda n: "x" * n)


wrong_types = st.sampled_from([1.5, True, 0, 7, "x", {"a": 1}])
bad_text = st.sampled_from(["a\x00b", "lone \ud800 surrogate"])


def _breakers() -> dict[str, st.SearchStrategy[tuple[str, Any]]]:
    """Ways to break one field: (field, value) pairs the validation must refuse."""
    tech = cleaning.MAX_SCOPE_HINTS
    return {
        "unknown field": st.sampled_from(["created_at", "retries", "repository", "bogus"]).map(
            lambda key: (key, "x")
        ),
        "id": st.one_of(
            st.sampled_from(["a/b/c", "/a", "a/", "..", "has space", "", "é"]),
            _too_long(200),
            st.integers(),
        ).map(lambda v: ("id", v)),
        "source": st.one_of(
            st.sampled_from(["-rf", "a..b", "x.lock", "HEAD", "a b", "a@{b"]),
            st.integers(1, 9),
            _too_long(cleaning.MAX_REF_LENGTH),
            bad_text,
        ).map(lambda v: ("source", v)),
        "target": st.sampled_from(["-x", "a..b", "~x"]).map(lambda v: ("target", v)),
        "status": st.sampled_from(["VALIDATED", "MERGED", "bogus", 1]).map(lambda v: ("status", v)),
        "risk_level": st.one_of(st.sampled_from(["severe", "", "LOW"]), st.integers()).map(
            lambda v: ("risk_level", v)
        ),
        "priority": st.one_of(
            st.integers(6, 100), st.integers(-100, 0), st.sampled_from(["3", True, 2.5, [1]])
        ).map(lambda v: ("priority", v)),
        "origin_type": st.sampled_from(["robot", 5, ""]).map(lambda v: ("origin_type", v)),
        "semantic": st.one_of(
            st.sampled_from(["text", [], 5]),
            _too_long(cleaning.MAX_TEXT_LENGTH).map(lambda t: {"objective": t}),
            st.one_of(st.integers(), st.lists(st.text(max_size=2), max_size=2)).map(
                lambda v: {"objective": v}
            ),
            bad_text.map(lambda t: {"objective": t}),
            st.just({f"k{i}": "v" for i in range(cleaning.MAX_SEMANTIC_KEYS + 1)}),
            st.sampled_from(["", "has space", "x" * 65]).map(lambda k: {k: "v"}),
        ).map(lambda v: ("semantic", v)),
        "technical": st.one_of(
            wrong_types.map(lambda v: {"scope_hint": v}),
            st.just({"scope_hint": ["x"] * (tech + 1)}),
            _too_long(cleaning.MAX_SCOPE_HINT_LENGTH).map(lambda t: {"scope_hint": [t]}),
            st.sampled_from(["", "a\nb"]).map(lambda t: {"scope_hint": [t]}),
            st.just({"scope_hint": [1, 2]}),
            st.just({"unknown_key": "x"}),
            st.sampled_from(["abc", "A" * 40]).map(lambda t: {"initial_base_commit": t}),
            st.sampled_from([0, -1, "12", True]).map(lambda n: {"pr_number": n}),
            st.just({"repo": "no-slash"}),
            st.just("not an object"),
        ).map(lambda v: ("technical", v)),
        "checks_required": st.one_of(
            st.just("lint"),
            st.just(["x"] * (cleaning.MAX_CHECKS + 1)),
            st.just([5]),
            st.just([""]),
        ).map(lambda v: ("checks_required", v)),
        "dependencies": st.one_of(
            st.just("a,b"),
            st.just([f"d-{i}" for i in range(cleaning.MAX_DEPENDENCIES + 1)]),
            st.sampled_from([["a/b/c"], [5], ["x" * 201], [None]]),
        ).map(lambda v: ("dependencies", v)),
        "plan_id": st.one_of(
            _too_long(cleaning.MAX_LABEL_LENGTH), st.integers(), st.just("a\nb"), bad_text
        ).map(lambda v: ("plan_id", v)),
    }


BREAKERS = _breakers()


@st.composite
def invalid_payloads(draw: st.DrawFn, *, tenant: str | None) -> tuple[str, dict[str, Any]]:
    """(the field broken, a body every path must refuse naming that field)."""
    payload = draw(valid_payloads(tenant=tenant))
    field, value = draw(BREAKERS[draw(st.sampled_from(sorted(BREAKERS)))])
    if field == "id":
        payload.pop("intent_id", None)
    payload[field] = value
    return field, payload


def json_values(max_leaves: int = 10) -> st.SearchStrategy[Any]:
    """Any JSON value (for bodies no schema predicts)."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(TEXT, max_size=20),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(TEXT, max_size=10), children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


@st.composite
def arbitrary_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """An object mixing the known field names with any JSON values."""
    keys = st.one_of(st.sampled_from(cleaning.CREATE_FIELDS), st.text(TEXT, max_size=10))
    return draw(st.dictionaries(keys, json_values(), max_size=6))
