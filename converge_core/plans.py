"""Plan coordination: dependency graphs between intents."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def find_dependency_cycle(
    root: str,
    root_dependencies: Iterable[str],
    dependencies_of: Callable[[str], Iterable[str] | None],
) -> list[str] | None:
    """The first cycle through ``root`` as a path ``[root, ..., root]``, or ``None``.

    ``dependencies_of`` answers for other intents (``None`` for unknown ids, which are allowed:
    plans are created in any order).
    """
    stack: list[tuple[str, list[str]]] = [(dep, [root, dep]) for dep in root_dependencies]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        if node == root:
            return path
        if node in seen:
            continue
        seen.add(node)
        for dep in dependencies_of(node) or ():
            stack.append((dep, [*path, dep]))
    return None


def format_cycle(path: list[str]) -> str:
    return " → ".join(path)
