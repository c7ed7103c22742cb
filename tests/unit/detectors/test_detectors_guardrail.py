"""Bedrock Guardrails (ApplyGuardrail) against the real bedrock-runtime model, through botocore's Stubber."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from botocore.stub import Stubber

from moderation.detectors.errors import BadResponseError
from moderation.detectors.guardrail import BedrockGuardrail
from moderation.outcome import Action, Hit

GUARDRAIL_ID = "gr0abc123xyz"
USAGE = {
    "topicPolicyUnits": 1,
    "contentPolicyUnits": 1,
    "wordPolicyUnits": 1,
    "sensitiveInformationPolicyUnits": 1,
    "sensitiveInformationPolicyFreeUnits": 0,
    "contextualGroundingPolicyUnits": 0,
}
TEXTS = {"query": "Mail me at jo@example.com", "inputs.name": "  ", "inputs.city": "Call +44 20 7946 0958"}
SENT = ["Mail me at jo@example.com", "Call +44 20 7946 0958"]  # the blank input stays home


def _request(source: str = "INPUT", texts: list[str] = SENT) -> dict[str, Any]:
    return {
        "guardrailIdentifier": GUARDRAIL_ID,
        "guardrailVersion": "3",
        "source": source,
        "content": [{"text": {"text": text}} for text in texts],
    }


def _response(action: str, assessments: list[dict[str, Any]], outputs: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "usage": USAGE,
        "action": action,
        "outputs": [{"text": text} for text in outputs],
        "assessments": assessments,
    }


def _pii(entity_type: str, action: str, match: str) -> dict[str, Any]:
    return {"match": match, "type": entity_type, "action": action, "detected": True}


ANONYMISED = {
    "sensitiveInformationPolicy": {
        "piiEntities": [_pii("EMAIL", "ANONYMIZED", "jo@example.com"), _pii("PHONE", "ANONYMIZED", "+44 20 7946 0958")],
        "regexes": [],
    }
}


def _guardrail(client: Any) -> BedrockGuardrail:
    return BedrockGuardrail(client, GUARDRAIL_ID, "3")


def test_nothing_found_passes_the_texts_unchanged(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_response("apply_guardrail", _response("NONE", [{}]), _request())

    outcome = _guardrail(client).check("input", TEXTS)

    assert outcome.texts == TEXTS
    assert (outcome.hits, outcome.blocked, outcome.preset_response) == ((), False, None)


def test_output_stage_is_sent_as_output_source(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_response("apply_guardrail", _response("NONE", []), _request("OUTPUT", ["The answer"]))

    assert _guardrail(client).check("output", {"text": "The answer"}).texts == {"text": "The answer"}


def test_only_blank_texts_make_no_call(bedrock: tuple[Any, Stubber]) -> None:
    client, _ = bedrock  # the Stubber has no response queued: a call would raise

    assert _guardrail(client).check("input", {"query": "", "inputs.a": " \n"}).texts == {"query": "", "inputs.a": " \n"}


def test_a_blocked_topic_or_filter_blocks(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    assessments = [
        {
            "topicPolicy": {"topics": [{"name": "Investment advice", "type": "DENY", "action": "BLOCKED"}]},
            "contentPolicy": {
                "filters": [
                    {"type": "INSULTS", "confidence": "HIGH", "action": "BLOCKED"},
                    {"type": "PROMPT_ATTACK", "confidence": "LOW", "action": "NONE", "detected": False},
                ]
            },
            "wordPolicy": {
                "customWords": [{"match": "secret project", "action": "BLOCKED"}],
                "managedWordLists": [{"match": "darn", "type": "PROFANITY", "action": "BLOCKED"}],
            },
        }
    ]
    stubber.add_response("apply_guardrail", _response("GUARDRAIL_INTERVENED", assessments, ["Blocked."]), _request())

    outcome = _guardrail(client).check("input", TEXTS)

    assert outcome.blocked
    assert outcome.texts == TEXTS
    assert outcome.preset_response is None  # the stage's own preset response is shown
    assert outcome.hits == (
        Hit("bedrock_guardrail.topic.Investment advice", "guardrail.topic", Action.BLOCK),
        Hit("bedrock_guardrail.content.INSULTS", "guardrail.content", Action.BLOCK),
        Hit("bedrock_guardrail.word.CUSTOM", "guardrail.word", Action.BLOCK),
        Hit("bedrock_guardrail.word.PROFANITY", "guardrail.word", Action.BLOCK),
    )
    assert all("secret" not in hit.rule_id and "darn" not in hit.rule_id for hit in outcome.hits)


def test_only_anonymised_masks_with_the_guardrails_outputs_in_order(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    outputs = ["Mail me at {EMAIL}", "Call {PHONE}"]
    stubber.add_response("apply_guardrail", _response("GUARDRAIL_INTERVENED", [ANONYMISED], outputs), _request())

    outcome = _guardrail(client).check("input", TEXTS)

    assert not outcome.blocked
    assert outcome.texts == {"query": "Mail me at {EMAIL}", "inputs.name": "  ", "inputs.city": "Call {PHONE}"}
    assert list(outcome.texts) == list(TEXTS)
    assert outcome.hits == (
        Hit("bedrock_guardrail.pii.EMAIL", "guardrail.sensitive_information", Action.MASK),
        Hit("bedrock_guardrail.pii.PHONE", "guardrail.sensitive_information", Action.MASK),
    )


def test_a_blocked_entity_or_regex_beats_anonymised_ones(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    policy = {
        "piiEntities": [_pii("EMAIL", "ANONYMIZED", "jo@example.com")],
        "regexes": [{"name": "employee_id", "match": "E-1234", "regex": "E-\\d+", "action": "BLOCKED"}],
    }
    response = _response("GUARDRAIL_INTERVENED", [{"sensitiveInformationPolicy": policy}], ["Blocked."])
    stubber.add_response("apply_guardrail", response, _request())

    outcome = _guardrail(client).check("input", TEXTS)

    assert outcome.blocked
    assert outcome.texts == TEXTS
    assert Hit("bedrock_guardrail.regex.employee_id", "guardrail.sensitive_information", Action.BLOCK) in outcome.hits


def test_contextual_grounding_block(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    grounding = {"filters": [{"type": "GROUNDING", "threshold": 0.7, "score": 0.2, "action": "BLOCKED"}]}
    response = _response("GUARDRAIL_INTERVENED", [{"contextualGroundingPolicy": grounding}], ["Blocked."])
    stubber.add_response("apply_guardrail", response, _request("OUTPUT", ["An answer"]))

    outcome = _guardrail(client).check("output", {"text": "An answer"})

    assert outcome.blocked
    assert outcome.hits == (
        Hit("bedrock_guardrail.grounding.GROUNDING", "guardrail.contextual_grounding", Action.BLOCK),
    )


def test_an_intervention_without_a_known_cause_blocks(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_response("apply_guardrail", _response("GUARDRAIL_INTERVENED", [{}], ["Blocked."]), _request())

    outcome = _guardrail(client).check("input", TEXTS)

    assert outcome.blocked
    assert outcome.hits == (Hit("bedrock_guardrail.intervened", "guardrail.other", Action.BLOCK),)


def test_detect_mode_findings_are_reported_without_effect(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    content = {"filters": [{"type": "HATE", "confidence": "MEDIUM", "action": "NONE", "detected": True}]}
    stubber.add_response("apply_guardrail", _response("NONE", [{"contentPolicy": content}]), _request())

    outcome = _guardrail(client).check("input", TEXTS)

    assert (outcome.texts, outcome.blocked) == (TEXTS, False)
    assert outcome.hits == (Hit("bedrock_guardrail.content.HATE", "guardrail.content", Action.PASS),)


@pytest.mark.parametrize("outputs", [["Mail me at {EMAIL}"], ["a", "b", "c"], []])
def test_outputs_that_do_not_match_the_texts_sent_are_a_bad_response(
    bedrock: tuple[Any, Stubber], outputs: list[str]
) -> None:
    client, stubber = bedrock
    stubber.add_response("apply_guardrail", _response("GUARDRAIL_INTERVENED", [ANONYMISED], outputs), _request())

    with pytest.raises(BadResponseError, match="outputs for 2 texts"):
        _guardrail(client).check("input", TEXTS)
