"""The merge queue: runs, locks, inspection and operator overrides."""

from intents.queue.maintenance import merge_confirm, queue_inspect, queue_reset
from intents.queue.run import QueueLockHeld, QueueOptions, default_target, queue_run

__all__ = [
    "QueueLockHeld",
    "QueueOptions",
    "default_target",
    "merge_confirm",
    "queue_inspect",
    "queue_reset",
    "queue_run",
]
