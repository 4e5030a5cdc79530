"""Where the embedded broker keeps its files (no kombu: the settings read this)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FOLDER_OPTIONS = (
    "data_folder_in",
    "data_folder_out",
    "staging_folder",
    "claimed_folder",
    "damaged_folder",
    "control_folder",
)


def transport_options(broker_dir: Path) -> dict[str, Any]:
    """The embedded transport's options for a broker kept in ``broker_dir``."""
    return {
        "data_folder_in": str(broker_dir / "messages"),
        "data_folder_out": str(broker_dir / "messages"),
        "staging_folder": str(broker_dir / "staging"),
        "claimed_folder": str(broker_dir / "claimed"),
        "damaged_folder": str(broker_dir / "damaged"),
        "control_folder": str(broker_dir / "control"),
        "polling_interval": 0.1,
    }
