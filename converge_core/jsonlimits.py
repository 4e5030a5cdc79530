"""Reading JSON documents from callers within bounds: size and nesting (decisions §41).

The API's body parser and the CLI's ``--file`` options share these rules, so a document one
path refuses the other refuses too. A document is read at most one byte past its size limit,
so an oversize body is never held in memory whole.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
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


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """How deep the objects and arrays of a valid JSON text nest (``{}`` is one level).

    Strings are dropped (brackets inside them are not structure), then the running count of
    opening minus closing brackets peaks at the depth: regular expressions and C-level
    iteration, about 70 ms for the worst 1 MiB document. The text must be valid JSON: on
    unterminated strings the string pattern would take quadratic time.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DELTA.__getitem__, brackets)), default=0)


def loads_bounded(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse strict JSON (no ``NaN``/``Infinity``) nested at most ``max_depth`` levels.

    Raises :class:`TooDeep` for deeper documents and ``json.JSONDecodeError`` (a
    ``ValueError``) for text that is not JSON; integers longer than the interpreter's digit
    limit raise ``ValueError`` too.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        # Nested past the interpreter's recursion limit: the decoder gave up first.
        raise TooDeep(f"JSON nested deeper than {max_depth} levels") from None
    # A text with at most max_depth brackets cannot nest deeper: most bodies skip the scan.
    may_be_deep = text.count("[") + text.count("{") > max_depth
    if may_be_deep and nesting_depth(text) > max_depth:
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    return value
