"""The API's JSON body parser: bounded in size and nesting (decisions §41).

A body larger than ``CONVERGE_MAX_BODY_BYTES`` is a 413 (read at most one byte past the
limit; ``BodySizeLimitMiddleware`` refuses a declared oversize body before anything reads
it); a document nested deeper than 32 levels is a 400 ``validation_error``; text that is not
strict JSON is the usual JSON decode error.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from converge_core.errors import InvalidInput
from converge_core.jsonlimits import TooDeep, loads_bounded, read_bounded


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = read_bounded(stream, settings.CONVERGE_MAX_BODY_BYTES)
        try:
            return loads_bounded(raw.decode(encoding))
        except TooDeep as exc:
            raise InvalidInput(f"body: {exc.message}") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
