"""dify_extension.strict_json: JSON as RFC 8259 defines it (no NaN, no Infinity, no number beyond a float's range)."""

from __future__ import annotations

import json
import math

import pytest

from dify_extension.strict_json import NestedTooDeeply, loads

NOT_JSON = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1E+0400", "9" * 309 + ".5", "1" * 400 + "e-10"]


@pytest.mark.parametrize("number", NOT_JSON, ids=[number[:12] for number in NOT_JSON])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_numbers_json_does_not_have_are_refused_however_deep(number: str, as_bytes: bool) -> None:
    text = f'{{"a": [1, {{"b": [{number}]}}], "c": "x"}}'
    with pytest.raises(ValueError, match=r"^(?!.*recursion limit)") as refused:
        loads(text.encode() if as_bytes else text)
    assert not isinstance(refused.value, NestedTooDeeply)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[1e-400, 1e308, -1.7976931348623157e308]", [0.0, 1e308, -1.7976931348623157e308]),
        ("1" + "0" * 400, 10**400),  # an integer, not a float: exact
        ('{"e400": "1e400 NaN Infinity", "n": 1.5e+100}', {"e400": "1e400 NaN Infinity", "n": 1.5e100}),
        ('"' + "9" * 500 + '"', "9" * 500),
    ],
)
def test_json_is_read_as_it_is(text: str, value: object) -> None:
    assert loads(text) == value
    assert loads(text.encode()) == value


def test_nesting_past_the_parsers_limit_says_so() -> None:
    with pytest.raises(NestedTooDeeply, match="recursion limit"):
        loads("[" * 10_000 + "]" * 10_000)


def test_a_large_array_of_numbers_is_read_whole() -> None:
    numbers = [0.5, 1e300, -2.0, 7] * 10_000
    assert loads(json.dumps(numbers)) == numbers
    with pytest.raises(ValueError):
        loads(json.dumps(numbers)[:-1] + ", 1e999]")
    assert not math.isinf(loads(json.dumps(numbers))[1])
