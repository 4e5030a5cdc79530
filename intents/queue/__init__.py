"""The merge queue: runs, locks, inspection and operator overrides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from converge_core.lazy import lazy_getattr

if TYPE_CHECKING:
    from intents.queue.maintenance import merge_confirm, queue_inspect, queue_reset
    from intents.queue.run import QueueLockHeld, QueueOptions, default_target, queue_run

# Each name is imported from its module when first used: ``intent status`` reads an intent's
# place (``intents.queue.position``) without importing the queue's runs, locks and merges.
_EXPORTS = {
    "merge_confirm": "intents.queue.maintenance",
    "queue_inspect": "intents.queue.maintenance",
    "queue_reset": "intents.queue.maintenance",
    "QueueLockHeld": "intents.queue.run",
    "QueueOptions": "intents.queue.run",
    "default_target": "intents.queue.run",
    "queue_run": "intents.queue.run",
}

__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())

__all__ = [
    "QueueLockHeld",
    "QueueOptions",
    "default_target",
    "merge_confirm",
    "queue_inspect",
    "queue_reset",
    "queue_run",
]
