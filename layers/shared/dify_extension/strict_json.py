"""JSON as RFC 8259 defines it, parsed fast: NaN, Infinity and a number too large for a float (1e400) are not JSON,
though the parser alone would read them (as nan and inf). Request bodies and upstream responses are read with it."""

from __future__ import annotations

import math
from typing import Any

from pydantic_core import from_json

# Only a number with an exponent of 3 digits or more, or with 309 digits or more, can overflow a float. With every
# digit read as 0 and E as e, plain substring searches find both (milliseconds for 6 MB); only then is the parsed
# value walked, which for a large array of numbers would cost more than the parse.
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789E", b"0000000000e")
_MAY_OVERFLOW = (b"e000", b"e+000", b"0" * 309)


class NestedTooDeeply(ValueError):
    """The JSON nests deeper than the parser follows (its message is the parser's, naming its recursion limit)."""


def loads(data: str | bytes) -> Any:
    """The value `data` holds; ValueError if it is not JSON, NestedTooDeeply if it nests too deeply."""
    try:
        value = from_json(data, allow_inf_nan=False)
    except ValueError as error:
        if "recursion limit" in str(error):
            raise NestedTooDeeply(str(error)) from None
        raise
    text = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    shape = text.translate(_DIGITS_AS_ZERO)
    if any(needle in shape for needle in _MAY_OVERFLOW) and not _finite(value):
        raise ValueError("number out of range")
    return value


def _finite(value: Any) -> bool:
    """Whether every number in `value` (parsed JSON) is finite; iterative, as JSON may nest deeply."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, float) and not math.isfinite(item):
            return False
    return True
