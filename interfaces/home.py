"""The data directory (``CONVERGE_HOME``)."""

from __future__ import annotations

from pathlib import Path


def ensure_home(path: Path) -> Path:
    """Create the data directory with a ``.gitignore`` of ``*`` so it never dirties a checkout."""
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    if created:
        (path / ".gitignore").write_text("*\n")
    return path
