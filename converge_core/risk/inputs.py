"""Plain, validated inputs of the risk engine and the path/branch rules they share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from converge_core.errors import InvalidInput

CORE_TARGETS = frozenset({"main", "master", "release", "production", "prod"})
CORE_PATH_PREFIXES = ("src/", "lib/", "core/", "pkg/", "internal/", "app/")


def parent_dir(path: str) -> str | None:
    """Everything before the last ``/``; ``None`` for a top-level file."""
    head, sep, _ = path.rpartition("/")
    return head if sep else None


def is_core_path(path: str) -> bool:
    return path.startswith(CORE_PATH_PREFIXES)


def is_core_target(branch: str) -> bool:
    return branch in CORE_TARGETS


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{field} must be a non-empty string", field=field)
    return value


def _texts(field: str, values: Iterable[object]) -> tuple[str, ...]:
    # A bare string is iterable too; accepting it would split a path into characters.
    if isinstance(values, str | bytes):
        raise InvalidInput(f"{field} must be a list of strings, not a string", field=field)
    return tuple(_text(field, v) for v in values)


@dataclass(frozen=True)
class RiskIntent:
    """The intent fields risk evaluation reads (``scope_hint`` is ``technical.scope_hint``)."""

    id: str
    source: str
    target: str
    risk_level: str
    dependencies: tuple[str, ...] = ()
    scope_hint: tuple[str, ...] = ()
    tenant_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("id", "source", "target", "risk_level"):
            _text(name, getattr(self, name))
        object.__setattr__(self, "dependencies", _texts("dependencies", self.dependencies))
        object.__setattr__(self, "scope_hint", _texts("scope_hint", self.scope_hint))
        if self.tenant_id is not None:
            _text("tenant_id", self.tenant_id)


@dataclass(frozen=True)
class RiskSimulation:
    """A merge simulation: mergeability, conflicting paths, changed POSIX paths in order."""

    mergeable: bool = True
    conflicts: tuple[str, ...] = ()
    files_changed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.mergeable, bool):
            raise InvalidInput("mergeable must be a boolean", field="mergeable")
        object.__setattr__(self, "conflicts", _texts("conflicts", self.conflicts))
        object.__setattr__(self, "files_changed", _texts("files_changed", self.files_changed))

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> RiskSimulation:
        """Read a stored ``simulation.completed`` payload (missing keys take the defaults)."""
        return cls(
            mergeable=payload.get("mergeable", True),
            conflicts=payload.get("conflicts") or (),
            files_changed=payload.get("files_changed") or (),
        )


@dataclass(frozen=True)
class CouplingRecord:
    """Two files that changed together ``co_changes`` times (from an archaeology snapshot)."""

    file_a: str
    file_b: str
    co_changes: int = 1

    def __post_init__(self) -> None:
        _text("file_a", self.file_a)
        _text("file_b", self.file_b)
        # Weights feed PageRank, which needs non-negative weights; zero pairs are not couplings.
        if isinstance(self.co_changes, bool) or not isinstance(self.co_changes, int):
            raise InvalidInput("co_changes must be an integer", field="co_changes")
        if self.co_changes < 1:
            raise InvalidInput("co_changes must be at least 1", field="co_changes")

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> CouplingRecord:
        """Read one ``{file_a, file_b, co_changes}`` row (``co_changes`` defaults to 1)."""
        return cls(
            payload.get("file_a", ""),
            payload.get("file_b", ""),
            payload.get("co_changes", 1),
        )
