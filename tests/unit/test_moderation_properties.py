"""Properties of the moderation engine, through the function's entry points (Moderator's two points, answers as
the endpoint serialises them), on generated texts of any script and nested inputs (Hypothesis).

- Masking changes nothing outside the spans the rules matched; each span becomes its replacement.
- Every answer is valid for Dify: `action` always set, no null field, every input returned (non-text values as sent).
- No exception, whatever the text.

Bounded for `make test` (tests/conftest.py: 150 examples); HYPOTHESIS_PROFILE=fuzz runs 20,000. Lone surrogates
are left out: the endpoint refuses them as invalid JSON (400) before moderation sees them.
"""

from __future__ import annotations

# ruff: noqa: RUF001 - full-width and other look-alike characters are what these tests feed the engine
import contextlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dify_extension.protocol import (
    ModerationInputAnswer,
    ModerationInputParams,
    ModerationOutputAnswer,
    ModerationOutputParams,
)
from moderation.decision import strings_in
from moderation.moderator import Moderator
from moderation.pii import PII_TYPES
from moderation.policy import ModerationPolicy

MARK = "⟦M⟧"
KEYWORDS = ["ignore previous instructions", "secret", "秘密", "機密情報", "straße", "résumé"]
MASKING = {
    "rules": [
        {"id": "words", "category": "k", "action": "mask", "keywords": KEYWORDS, "replacement": MARK},
        {
            "id": "whole",
            "category": "k",
            "action": "mask",
            "keywords": ["darn"],
            "whole_word": True,
            "replacement": MARK,
        },
        {"id": "ticket", "category": "r", "action": "mask", "regex": r"\btkt-\d{6}\b", "replacement": MARK},
        {"id": "pii", "category": "pii", "action": "mask", "pii": list(PII_TYPES), "replacement": MARK},
    ]
}
BLOCKING = {"rules": [{"id": "stop", "category": "b", "action": "block", "keywords": ["blockme"]}, *MASKING["rules"]]}
POLICY = ModerationPolicy.model_validate(
    {"default": {"input": MASKING, "output": MASKING}, "apps": {"strict": {"input": BLOCKING, "output": BLOCKING}}}
)

PIECES = [
    *KEYWORDS, "IGNORE  previous\u200binstructions", "ｓｅｃｒｅｔ", "Darn!", "darned", "TKT-123456",
    "ｔｋｔ－１２３４５６",
    "4111 1111 1111 1111", "4111.1111.1111.1111", "ana@bücher.de", "用户@例子.广告", "4111111111111111@example.com",
    "DE89 3704 0044 0532 0130 00", "de89370400440532013000", "+44 20 7946 0958", "090-1234-5678", "123-45-6789",
    "11010519491231002X", "2001:db8::8a2e:370:7334", "a::b", "192.168.1.20", "AKIAIOSFODNN7EXAMPLE", "blockme",
    "e\u0301", "\u202e", "\ufeff", "ｶﾞ", " ", "-", ".", "@", "::", "0", "7",
]  # fmt: skip
texts = (
    st.lists(
        st.one_of(st.sampled_from(PIECES), st.text(alphabet=st.characters(codec="utf-8"), max_size=20)),
        max_size=12,
    )
    .map("".join)
    .filter(lambda text: MARK not in text)
)
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), texts)
inputs = st.dictionaries(
    st.text(max_size=8),
    st.recursive(
        leaves,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
        max_leaves=8,
    ),
    max_size=4,
)


@pytest.fixture(scope="module")
def moderator() -> Iterator[Moderator]:
    with contextlib.redirect_stdout(io.StringIO()):  # the decision log lines (the logger binds to stdout when made)
        yield Moderator(lambda: POLICY)


def as_dify_receives(answer: ModerationInputAnswer | ModerationOutputAnswer) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(answer.model_dump_json())  # what the endpoint sends
    return body


def assert_valid_for_dify(body: dict[str, Any], text_keys: tuple[str, ...]) -> None:
    assert body["action"] in ("direct_output", "overridden")
    assert isinstance(body["flagged"], bool)
    assert isinstance(body["preset_response"], str)
    assert all(isinstance(body[key], str) for key in text_keys if key != "inputs")
    assert None not in (body[key] for key in ("flagged", "action", "preset_response", *text_keys))
    if body["action"] == "direct_output":
        assert body["flagged"] is True
        assert body["preset_response"]


def expected_masking(text: str, app_id: str, stage: str) -> str:
    """The text with every span the stage's rules match (overlapping ones merged) replaced by MARK."""
    policy = POLICY.stage(app_id, "input" if stage == "input" else "output")
    assert policy is not None
    spans = sorted((hit.start, hit.end) for hit in policy.matcher.find(text))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, done = [], 0
    for start, end in merged:
        pieces += [text[done:start], MARK]
        done = end
    return "".join([*pieces, text[done:]])


def same_shape(sent: Any, returned: Any) -> bool:
    """`returned` has `sent`'s keys and nesting; every value but strings is as sent."""
    if isinstance(sent, dict):
        return (
            isinstance(returned, dict)
            and sent.keys() == returned.keys()
            and all(same_shape(sent[key], returned[key]) for key in sent)
        )
    if isinstance(sent, list):
        return isinstance(returned, list) and len(sent) == len(returned) and all(map(same_shape, sent, returned))
    if isinstance(sent, str):
        return isinstance(returned, str)
    return bool(sent == returned)


@given(query=texts, sent=inputs)
def test_input_masking_changes_only_the_matched_spans(moderator: Moderator, query: str, sent: dict[str, Any]) -> None:
    body = as_dify_receives(moderator.moderate_input(ModerationInputParams(app_id="a", inputs=sent, query=query)))
    assert_valid_for_dify(body, ("query", "inputs"))
    assert same_shape(sent, body["inputs"])
    assert body["query"] == expected_masking(query, "a", "input")
    returned = dict(strings_in(body["inputs"], "inputs"))
    for key, text in strings_in(sent, "inputs"):
        assert returned[key] == expected_masking(text, "a", "input")
    changed = body["query"] != query or returned != dict(strings_in(sent, "inputs"))
    assert body["flagged"] is changed
    assert body["action"] == "overridden"


@given(text=texts)
def test_output_masking_changes_only_the_matched_spans(moderator: Moderator, text: str) -> None:
    body = as_dify_receives(moderator.moderate_output(ModerationOutputParams(app_id="a", text=text)))
    assert_valid_for_dify(body, ("text",))
    assert body["text"] == expected_masking(text, "a", "output")
    assert body["flagged"] is (body["text"] != text)


@given(query=texts, sent=inputs, text=texts)
def test_a_blocking_policy_answers_validly_and_returns_everything(
    moderator: Moderator, query: str, sent: dict[str, Any], text: str
) -> None:
    body = as_dify_receives(moderator.moderate_input(ModerationInputParams(app_id="strict", inputs=sent, query=query)))
    assert_valid_for_dify(body, ("query", "inputs"))
    assert same_shape(sent, body["inputs"])
    everything = [query, *(value for _, value in strings_in(sent, "inputs"))]
    if any("blockme" in value.casefold() for value in everything):
        assert (body["action"], body["query"], body["inputs"]) == ("direct_output", query, sent)
    output = as_dify_receives(moderator.moderate_output(ModerationOutputParams(app_id="strict", text=text)))
    assert_valid_for_dify(output, ("text",))
    assert (output["action"] == "direct_output") is ("blockme" in text.casefold() or "ｂｌｏｃｋｍｅ" in text)


@given(text=st.text(alphabet=st.characters(codec="utf-8")))
def test_any_unicode_text_is_answered(moderator: Moderator, text: str) -> None:
    assert_valid_for_dify(
        as_dify_receives(moderator.moderate_output(ModerationOutputParams(app_id="x", text=text))), ("text",)
    )
