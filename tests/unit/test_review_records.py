"""What a review sample holds: the agreed record per match, the match with some context, personal data of every
built-in type masked in it whatever the policy says, the whole text only when asked; and where it is written."""

from __future__ import annotations

from typing import Any

import pytest

from dify_extension.protocol import ModerationInputParams, ModerationOutputParams
from moderation.decision import Decision, decide_input, decide_output, input_texts
from moderation.matcher import CompiledPolicy
from moderation.pii import DEFAULT_REPLACEMENTS, PII_TYPES
from moderation.policy import ModerationPolicy
from moderation.review.records import (
    CONTEXT_CHARS,
    MAX_RECORDS,
    every_pii_type,
    excerpt,
    object_key,
    personal_data,
    records,
)

POLICY = ModerationPolicy.model_validate(
    {
        "default": {
            "input": {
                "rules": [
                    {"id": "profanity", "category": "profanity", "action": "block", "keywords": ["damn"]},
                    {"id": "drugs", "category": "drugs", "action": "block", "monitor": True, "keywords": ["cocaine"]},
                    {"id": "ids", "category": "ids", "action": "mask", "regex": "ORD-[0-9]{4}"},
                ]
            },
            "output": {"rules": [{"id": "pii", "category": "pii", "action": "mask", "pii": ["email"]}]},
        }
    }
)
COMPILED = CompiledPolicy(POLICY)
# One of each built-in type, none of which the policy's input rules ask for.
PERSONAL = {
    "email": "ana.lima@example.com",
    "phone": "+1 415-555-2671",
    "payment_card": "4111 1111 1111 1111",
    "iban": "DE89 3704 0044 0532 0130 00",
    "ipv4": "192.168.10.24",
    "ipv6": "2001:db8:85a3::8a2e:370:7334",
    "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "us_ssn": "536-22-8436",
    "cn_resident_id": "11010519491231002X",
    "jp_my_number": "123456789018",
}


def _input(query: str, **inputs: Any) -> tuple[Decision, dict[str, str]]:
    params = ModerationInputParams(app_id="app-1", inputs=inputs, query=query)
    decision, _ = decide_input(COMPILED, params)
    return decision, input_texts(params)


def _records(decision: Decision, texts: dict[str, str], *, full_text: bool = False) -> list[dict[str, Any]]:
    return records(
        when=1_796_604_312.345,
        app_id="app-1",
        stage=decision.stage,
        action=decision.action,
        matches=decision.matches,
        texts=texts,
        full_text=full_text,
        finder=every_pii_type(),
    )


def test_every_built_in_type_is_known_to_this_test() -> None:
    assert set(PERSONAL) == set(PII_TYPES)


@pytest.mark.parametrize("pii_type", PII_TYPES)
def test_personal_data_of_every_type_is_masked_in_the_excerpt_whatever_the_policy_says(pii_type: str) -> None:
    value = PERSONAL[pii_type]
    decision, texts = _input(f"at {value} damn it")
    assert [match.rule_id for match in decision.matches] == ["profanity"]  # the policy has no PII rule here
    (record,) = _records(decision, texts)
    assert value not in record["excerpt"]
    assert record["excerpt"] == f"at {DEFAULT_REPLACEMENTS[pii_type]} damn it"  # type: ignore[index]
    start, end = record["span"]
    assert record["excerpt"][start:end] == "damn"


def test_the_agreed_fields_for_a_blocking_and_a_monitored_match() -> None:
    decision, texts = _input("where is the cocaine, d4mn", note="nothing here")
    blocked, monitored = sorted(_records(decision, texts), key=lambda record: record["rule_id"] != "profanity")
    assert blocked == {
        "time": "2026-12-07T00:45:12.345Z",
        "app_id": "app-1",
        "stage": "input",
        "action": "block",
        "rule_id": "profanity",
        "category": "profanity",
        "rule_action": "block",
        "monitored": False,
        "keyword": "damn",
        "evasions": ["leetspeak"],
        "key": "query",
        "excerpt": "where is the cocaine, d4mn",
        "span": [22, 26],
    }
    assert (monitored["rule_id"], monitored["monitored"], monitored["keyword"]) == ("drugs", True, "cocaine")
    assert monitored["action"] == "block"  # the decision's, which the monitor rule did not make
    assert monitored["excerpt"][slice(*monitored["span"])] == "cocaine"


def test_a_monitor_only_decision_is_a_pass_with_its_match() -> None:
    decision, texts = _input("is cocaine legal here?")
    (record,) = _records(decision, texts)
    assert (record["action"], record["rule_action"], record["monitored"]) == ("pass", "block", True)


def test_the_whole_text_as_sent_only_when_asked() -> None:
    query = "my card 4111 1111 1111 1111, order ORD-1234"
    decision, texts = _input(query, other="fine")
    (without,) = _records(decision, texts)
    assert "text" not in without
    assert "4111" not in without["excerpt"]
    assert without["excerpt"][slice(*without["span"])] == "ORD-1234"
    (with_text,) = _records(decision, texts, full_text=True)
    assert with_text["text"] == query  # as sent: the excerpt is masked, the text is not
    assert {**with_text, "text": None} == {**without, "text": None}


def test_the_context_is_limited_on_both_sides_and_the_key_names_the_text() -> None:
    before, after = "a" * 100 + " ", " " + "b" * 100
    decision, texts = _input("hello", bio=before + "damn" + after)
    (record,) = _records(decision, texts)
    assert record["key"] == "inputs.bio"
    assert record["excerpt"] == before[-CONTEXT_CHARS:] + "damn" + after[:CONTEXT_CHARS]
    assert record["span"] == [CONTEXT_CHARS, CONTEXT_CHARS + 4]


def test_personal_data_cut_by_the_excerpts_edge_is_masked_whole() -> None:
    """Forty characters before the match end inside a card number: none of its digits show."""
    card = "4111 1111 1111 1111"
    text = f"card {card}" + " " * (CONTEXT_CHARS - 8) + "damn" + " x"
    decision, texts = _input(text)
    (record,) = _records(decision, texts)
    assert not any(digit in record["excerpt"] for digit in "14")
    assert record["excerpt"].startswith("[CARD]")
    assert record["excerpt"][slice(*record["span"])] == "damn"


def test_a_pii_match_is_its_mask_in_the_excerpt() -> None:
    params = ModerationOutputParams(app_id="app-1", text="Write to ana@example.com today")
    decision, _ = decide_output(COMPILED, params)
    (record,) = _records(decision, {"text": params.text})
    assert (record["rule_id"], record["keyword"], record["excerpt"]) == ("pii/email", None, "Write to [EMAIL] today")
    assert record["excerpt"][slice(*record["span"])] == "[EMAIL]"


def _full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def test_full_width_personal_data_is_masked_as_pii_rules_read_it() -> None:
    """PII rules read the text's NFKC form: so does the excerpt's masking."""
    text = _full_width("call 4111 1111 1111 1111") + " damn"
    assert personal_data(text, every_pii_type()) == [(5, 24, "[CARD]")]
    masked = excerpt(text, 25, 29, personal_data(text, every_pii_type()))
    assert masked == (_full_width("call") + " [CARD] damn", 12, 16)


def test_at_most_max_records_per_decision() -> None:
    decision, texts = _input(" ".join(["damn"] * (MAX_RECORDS + 5)))
    assert len(decision.matches) == MAX_RECORDS + 5
    assert len(_records(decision, texts)) == MAX_RECORDS


def test_object_keys_list_by_hour_stage_and_time() -> None:
    key = object_key(1_796_604_312.345, "output", "0f1e")
    assert key == "samples/2026/12/07/00/output/20261207T004512.345Z-0f1e.jsonl"
    later = [object_key(1_796_604_312.345 + seconds, "output", "0000") for seconds in (0.001, 1, 3600)]
    assert sorted([*later, key]) == [key, *later]
