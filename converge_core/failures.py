"""Failure isolation in the worker: how long an intent that made processing fail is set aside.

An unexpected error while the worker processes one intent (a bug, or data no check foresaw)
is that intent's problem, not the batch's: the intent is set aside for a back-off that starts
at one minute and doubles up to an hour, and the rest of the batch goes on. The failure is
recorded when it first happens and again only when the error changes, so an intent that keeps
failing the same way writes one event, not one per cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

BACKOFF_FIRST_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
MESSAGE_LIMIT = 1000

STAGE_VALIDATE = "validate"  # first validation of a READY intent
STAGE_QUEUE = "queue"  # revalidation and merge in a queue run


def backoff_seconds(failures: int) -> int:
    """How long an intent is set aside after its ``failures``-th consecutive failure."""
    if failures < 1:
        raise ValueError(f"failures must be at least 1, got {failures}")
    # 60 * 2**6 already exceeds the cap: no need to compute huge powers for long streaks.
    return min(BACKOFF_FIRST_SECONDS * 2 ** min(failures - 1, 6), BACKOFF_MAX_SECONDS)


@dataclass(frozen=True)
class Failure:
    """What is recorded of one failure: where it happened and what was raised."""

    stage: str
    error_class: str
    message: str

    @classmethod
    def of(cls, stage: str, error: BaseException) -> Failure:
        message = str(error).strip() or repr(error)
        if len(message) > MESSAGE_LIMIT:
            message = message[: MESSAGE_LIMIT - 1] + "…"
        return cls(stage=stage, error_class=type(error).__name__, message=message)

    def as_payload(self) -> dict[str, str]:
        return {"stage": self.stage, "error_class": self.error_class, "message": self.message}
