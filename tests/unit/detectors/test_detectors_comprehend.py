"""Comprehend's DetectToxicContent and DetectPiiEntities against the real comprehend model, through the Stubber."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from moderation.detectors.comprehend import ComprehendPii, ComprehendToxicity
from moderation.detectors.errors import BadResponseError
from moderation.outcome import Action, Hit, apply_masks


def _toxic(toxicity: float, **labels: float) -> dict[str, Any]:
    return {"Labels": [{"Name": name, "Score": score} for name, score in labels.items()], "Toxicity": toxicity}


def _toxicity_request(*segments: str) -> dict[str, Any]:
    return {"TextSegments": [{"Text": segment} for segment in segments], "LanguageCode": "en"}


THRESHOLDS = {"TOXICITY": 0.8, "HATE_SPEECH": 0.5}


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (_toxic(0.1, HATE_SPEECH=0.49, INSULT=0.99), ()),  # below; INSULT has no threshold
        (_toxic(0.1, HATE_SPEECH=0.5), ("HATE_SPEECH",)),  # equal blocks
        (_toxic(0.8, HATE_SPEECH=0.1), ("TOXICITY",)),  # the overall score against TOXICITY
        (_toxic(0.79999, HATE_SPEECH=0.0), ()),
        (_toxic(0.95, HATE_SPEECH=0.7), ("TOXICITY", "HATE_SPEECH")),
    ],
)
def test_toxicity_blocks_when_a_score_reaches_its_threshold(
    comprehend: tuple[Any, Stubber], result: dict[str, Any], expected: tuple[str, ...]
) -> None:
    client, stubber = comprehend
    stubber.add_response(
        "detect_toxic_content", {"ResultList": [result, _toxic(0.0)]}, _toxicity_request("you are x", "fine")
    )

    outcome = ComprehendToxicity(client, THRESHOLDS, "en").check("input", {"query": "you are x", "inputs.a": "fine"})

    assert outcome.blocked is bool(expected)
    assert outcome.hits == tuple(Hit(f"comprehend.toxicity.{label}", "toxicity", Action.BLOCK) for label in expected)
    assert outcome.texts == {"query": "you are x", "inputs.a": "fine"}


def test_toxicity_sends_nothing_for_blank_texts(comprehend: tuple[Any, Stubber]) -> None:
    client, _ = comprehend  # no response queued: a call would raise

    outcome = ComprehendToxicity(client, THRESHOLDS, "en").check("output", {"text": "   "})

    assert (outcome.blocked, outcome.hits) == (False, ())


def test_toxicity_cuts_long_texts_into_segments_of_at_most_1000_bytes_and_10_per_call(
    comprehend: tuple[Any, Stubber],
) -> None:
    client, stubber = comprehend
    word = "ab\u00e9\u4e2d\u6587 "  # 11 bytes in UTF-8: segments fill by bytes, not characters
    text = word * 1100  # 12,100 bytes; a segment ends after the last whole word that fits: 90 words, 990 bytes
    calls: list[list[str]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append([segment["Text"] for segment in params["TextSegments"]])

    client.meta.events.register("provide-client-params.comprehend.DetectToxicContent", record)
    stubber.add_response("detect_toxic_content", {"ResultList": [_toxic(0.0)] * 10})
    stubber.add_response("detect_toxic_content", {"ResultList": [_toxic(0.0)] * 2 + [_toxic(0.9)]})

    outcome = ComprehendToxicity(client, THRESHOLDS, "en").check("output", {"text": text})

    assert [len(call) for call in calls] == [10, 3]
    segments = [segment for call in calls for segment in call]
    assert "".join(segments) == text
    assert [len(segment.encode()) for segment in segments] == [990] * 12 + [220]
    assert all(segment.endswith(" ") for segment in segments)
    assert sum(len(segment.encode()) for segment in calls[0]) <= 10_000
    assert outcome.hits == (Hit("comprehend.toxicity.TOXICITY", "toxicity", Action.BLOCK),)


def test_toxicity_results_that_do_not_match_the_segments_are_a_bad_response(comprehend: tuple[Any, Stubber]) -> None:
    client, stubber = comprehend
    stubber.add_response("detect_toxic_content", {"ResultList": [_toxic(0.0)]}, _toxicity_request("a", "b"))

    with pytest.raises(BadResponseError, match="1 toxicity results for 2 segments"):
        ComprehendToxicity(client, THRESHOLDS, "en").check("input", {"query": "a", "inputs.x": "b"})


def _entity(entity_type: str, begin: int, end: int) -> dict[str, Any]:
    return {"Score": 0.99, "Type": entity_type, "BeginOffset": begin, "EndOffset": end}


def test_pii_masks_configured_types_at_character_offsets_in_non_ascii_text(comprehend: tuple[Any, Stubber]) -> None:
    client, stubber = comprehend
    text = "Grüße von 张伟 😀, mail: zhang.wei@example.com, 15 Jahre"
    name_at = text.index("张伟")
    mail_at = text.index("zhang")
    age_at = text.index("15 Jahre")
    entities = [
        _entity("NAME", name_at, name_at + 2),
        _entity("EMAIL", mail_at, mail_at + len("zhang.wei@example.com")),
        _entity("AGE", age_at, age_at + len("15 Jahre")),  # not configured: stays
    ]
    stubber.add_response("detect_pii_entities", {"Entities": entities}, {"Text": text, "LanguageCode": "es"})
    stubber.add_response("detect_pii_entities", {"Entities": []}, {"Text": "nothing here", "LanguageCode": "es"})

    outcome = ComprehendPii(client, frozenset({"NAME", "EMAIL"}), "es").check(
        "input", {"query": text, "inputs.note": "nothing here", "inputs.empty": ""}
    )

    assert outcome.texts == {
        "query": "Grüße von [NAME] 😀, mail: [EMAIL], 15 Jahre",
        "inputs.note": "nothing here",
        "inputs.empty": "",
    }
    assert outcome.hits == (
        Hit("comprehend.pii.NAME", "pii", Action.MASK),
        Hit("comprehend.pii.EMAIL", "pii", Action.MASK),
    )
    assert not outcome.blocked


def test_pii_all_types(comprehend: tuple[Any, Stubber]) -> None:
    client, stubber = comprehend
    stubber.add_response(
        "detect_pii_entities", {"Entities": [_entity("AGE", 0, 2)]}, {"Text": "42 ans", "LanguageCode": "en"}
    )

    outcome = ComprehendPii(client, None, "en").check("output", {"text": "42 ans"})

    assert outcome.texts == {"text": "[AGE] ans"}
    assert outcome.hits == (Hit("comprehend.pii.AGE", "pii", Action.MASK),)


def test_pii_texts_over_100_kb_are_sent_in_pieces_with_offsets_shifted(comprehend: tuple[Any, Stubber]) -> None:
    client, stubber = comprehend
    first = "x" * 99_990 + " "
    second = "mail:a@b.co,please"  # no space: the piece ends after the last one of `first`
    stubber.add_response("detect_pii_entities", {"Entities": []}, {"Text": first, "LanguageCode": "en"})
    stubber.add_response(
        "detect_pii_entities", {"Entities": [_entity("EMAIL", 5, 11)]}, {"Text": second, "LanguageCode": "en"}
    )

    outcome = ComprehendPii(client, None, "en").check("output", {"text": first + second})

    assert outcome.texts == {"text": first + "mail:[EMAIL],please"}


@pytest.mark.parametrize(("begin", "end"), [(-1, 2), (3, 3), (0, 7), (5, 2)])
def test_pii_offsets_outside_the_text_are_a_bad_response(comprehend: tuple[Any, Stubber], begin: int, end: int) -> None:
    client, stubber = comprehend
    stubber.add_response(
        "detect_pii_entities", {"Entities": [_entity("NAME", begin, end)]}, {"Text": "Bob Li", "LanguageCode": "en"}
    )

    with pytest.raises(BadResponseError, match="offsets"):
        ComprehendPii(client, None, "en").check("input", {"query": "Bob Li"})


def test_masks_merge_overlaps_and_keep_the_rest_exact() -> None:
    text = "call 555-0100 or mail bo@x.io now"
    masks = [(22, 29, "[EMAIL]"), (5, 13, "[PHONE]"), (5, 9, "[PIN]"), (5, 13, "[SECOND]")]

    assert apply_masks(text, masks) == "call [PHONE] or mail [EMAIL] now"
    assert apply_masks(text, []) == text
