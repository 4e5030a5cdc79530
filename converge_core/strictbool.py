"""The one strict boolean parser: ``1/true/yes/on`` and ``0/false/no/off``, nothing else."""

from __future__ import annotations

from converge_core.errors import InvalidInput

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class InvalidBoolean(InvalidInput):
    code = "configuration_error"


def parse_bool(value: str, name: str) -> bool:
    """Parse ``value`` (any case); anything else raises, naming ``name``."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidBoolean(
        f"{name}={value!r} is not a boolean: use 1/true/yes/on or 0/false/no/off", variable=name
    )
