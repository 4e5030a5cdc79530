"""Reading JSON documents from callers within bounds: size and nesting (decisions §41).

The API's body parser and the CLI's ``--file`` options share these rules, so a document one
path refuses the other refuses too. A document is read at most one byte past its size limit,
so an oversize body is never held in memory whole.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from converge_core.errors import ConvergeError, InvalidInput

MAX_DEPTH = 32


class PayloadTooLarge(ConvergeError):
    """The document is larger than the configured limit."""

    code = "http_413"
    http_status = 413
    exit_code = 2


class TooDeep(InvalidInput):
    """The document nests objects and arrays deeper than :data:`MAX_DEPTH` levels."""


def read_bounded(stream: BinaryIO, limit: int) -> bytes:
    """The whole stream, or :class:`PayloadTooLarge` as soon as it passes ``limit`` bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge("Payload too large", limit=limit)
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def nesting_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects and arrays deeper than ``limit`` (``{}`` is one level).

    Iterative: measuring never recurses, however deep the value.
    """
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads_bounded(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse strict JSON (no ``NaN``/``Infinity``) nested at most ``max_depth`` levels.

    Raises :class:`TooDeep` for deeper documents and ``json.JSONDecodeError`` (a
    ``ValueError``) for text that is not JSON; integers longer than the interpreter's digit
    limit raise ``ValueError`` too.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        # Nested far past the limit: the decoder ran out of stack before we could measure.
        raise TooDeep(f"JSON nested deeper than {max_depth} levels") from None
    if nesting_depth_exceeds(value, max_depth):
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    return value
