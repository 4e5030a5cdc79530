import pytest

from converge_core.errors import Conflict
from converge_core.states import TERMINAL, TRANSITIONS, Cause, Status, check_transition, is_allowed

ALLOWED = {
    (Cause.VALIDATE_OK, "READY", "VALIDATED"),
    (Cause.VALIDATE_OK, "VALIDATED", "VALIDATED"),
    (Cause.VALIDATE_OK, "QUEUED", "VALIDATED"),
    (Cause.QUEUE_REVALIDATE_OK, "VALIDATED", "QUEUED"),
    (Cause.QUEUE_REVALIDATE_OK, "QUEUED", "QUEUED"),
    (Cause.QUEUE_BLOCK, "VALIDATED", "READY"),
    (Cause.QUEUE_BLOCK, "VALIDATED", "REJECTED"),
    (Cause.QUEUE_BLOCK, "QUEUED", "READY"),
    (Cause.QUEUE_BLOCK, "QUEUED", "REJECTED"),
    (Cause.MERGE_OK, "QUEUED", "MERGED"),
    (Cause.MERGE_FAILED, "QUEUED", "READY"),
    (Cause.MERGE_FAILED, "QUEUED", "REJECTED"),
    (Cause.CONFIRM, "VALIDATED", "MERGED"),
    (Cause.CONFIRM, "QUEUED", "MERGED"),
    (Cause.SOURCE_PUSHED, "READY", "READY"),
    (Cause.SOURCE_PUSHED, "VALIDATED", "READY"),
    (Cause.SOURCE_PUSHED, "QUEUED", "READY"),
    *(
        (Cause.EXTERNAL_CLOSE, s, t)
        for s in ("READY", "VALIDATED", "QUEUED")
        for t in ("MERGED", "REJECTED")
    ),
    (Cause.EXTERNAL_REOPEN, "REJECTED", "READY"),
    *((Cause.ADMIN_OVERRIDE, s, t) for s in Status for t in Status),
}


@pytest.mark.parametrize("cause", list(Cause))
def test_transition_table_is_exactly_the_documented_one(cause):
    for current in Status:
        for target in Status:
            expected = (cause, current, target) in ALLOWED
            assert is_allowed(cause, current, target) is expected, (cause, current, target)


@pytest.mark.parametrize(
    "cause", [c for c in Cause if c not in (Cause.ADMIN_OVERRIDE, Cause.EXTERNAL_REOPEN)]
)
def test_terminal_statuses_are_left_only_by_admin_override_or_a_reopen(cause):
    for terminal in TERMINAL:
        assert not TRANSITIONS[cause].get(terminal)


def test_a_reopen_leaves_only_a_rejection():
    assert TRANSITIONS[Cause.EXTERNAL_REOPEN] == {Status.REJECTED: frozenset({Status.READY})}


def test_illegal_transition_is_a_conflict_naming_both_statuses():
    with pytest.raises(Conflict) as excinfo:
        check_transition("merge_ok", "READY", "MERGED")
    assert "READY -> MERGED" in excinfo.value.message
    assert excinfo.value.http_status == 409 and excinfo.value.exit_code == 2
