"""Amazon Bedrock Guardrails through ApplyGuardrail: a block when the guardrail blocked anything, a mask when it
only anonymised sensitive information (then the texts become the guardrail's outputs)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from moderation.detectors.errors import BadResponseError
from moderation.outcome import Action, DetectorOutcome, Hit, Stage

_SOURCES: dict[Stage, str] = {"input": "INPUT", "output": "OUTPUT"}
_ACTIONS = {"BLOCKED": Action.BLOCK, "ANONYMIZED": Action.MASK}

# (assessment policy, its list, rule id part, category, the label of an entry). Labels come from the guardrail's
# configuration (topic and regex names, types), never from `match`, which quotes the user's text.
_POLICIES: tuple[tuple[str, str, str, str, Callable[[Mapping[str, Any]], str]], ...] = (
    ("topicPolicy", "topics", "topic", "guardrail.topic", lambda entry: str(entry["name"])),
    ("contentPolicy", "filters", "content", "guardrail.content", lambda entry: str(entry["type"])),
    ("wordPolicy", "customWords", "word", "guardrail.word", lambda _entry: "CUSTOM"),
    ("wordPolicy", "managedWordLists", "word", "guardrail.word", lambda entry: str(entry["type"])),
    ("sensitiveInformationPolicy", "piiEntities", "pii", "guardrail.sensitive_information", lambda e: str(e["type"])),
    ("sensitiveInformationPolicy", "regexes", "regex", "guardrail.sensitive_information", lambda e: str(e["name"])),
    ("contextualGroundingPolicy", "filters", "grounding", "guardrail.contextual_grounding", lambda e: str(e["type"])),
)


def _hits(assessments: list[Mapping[str, Any]]) -> Iterator[Hit]:
    for assessment in assessments:
        for policy, entries, kind, category, label in _POLICIES:
            for entry in (assessment.get(policy) or {}).get(entries) or ():
                action = _ACTIONS.get(entry["action"])
                if action is None and entry.get("detected"):
                    action = Action.PASS  # a policy in detect mode: worth a log line, changes nothing
                if action is not None:
                    yield Hit(f"bedrock_guardrail.{kind}.{label(entry)}", category, action)


def guardrail_outcome(response: Mapping[str, Any], texts: Mapping[str, str], sent: list[str]) -> DetectorOutcome:
    """What ApplyGuardrail's `response` means for `texts`, of which the keys `sent` went out in this order."""
    hits = tuple(dict.fromkeys(_hits(response.get("assessments") or [])))
    unchanged = dict(texts)
    if response["action"] == "NONE":
        return DetectorOutcome(unchanged, hits)
    if response["action"] != "GUARDRAIL_INTERVENED":
        raise BadResponseError(f"unknown guardrail action {response['action']!r}")
    actions = {hit.action for hit in hits}
    if Action.BLOCK in actions:
        return DetectorOutcome(unchanged, hits, blocked=True)
    if Action.MASK in actions:
        outputs = response.get("outputs") or []
        # One output per content block sent, in order; anything else cannot be mapped back to the texts.
        if len(outputs) != len(sent):
            raise BadResponseError(f"{len(outputs)} guardrail outputs for {len(sent)} texts")
        masked = {key: str(output["text"]) for key, output in zip(sent, outputs, strict=True)}
        return DetectorOutcome({**unchanged, **masked}, hits)
    # An intervention this adapter cannot explain (a policy newer than it): the safe reading is a block.
    unexplained = Hit("bedrock_guardrail.intervened", "guardrail.other", Action.BLOCK)
    return DetectorOutcome(unchanged, (*hits, unexplained), blocked=True)


class BedrockGuardrail:
    """One ApplyGuardrail call per check, one text content block per non-blank text: outputs map back by position,
    and a single call costs one round trip (billing counts text units, not calls)."""

    name = "bedrock_guardrail"

    def __init__(self, client: Any, identifier: str, version: str) -> None:
        self._client = client  # a botocore bedrock-runtime client
        self._identifier = identifier
        self._version = version

    def check(self, stage: Stage, texts: Mapping[str, str]) -> DetectorOutcome:
        sent = [key for key, text in texts.items() if text.strip()]
        if not sent:
            return DetectorOutcome(dict(texts))
        response = self._client.apply_guardrail(
            guardrailIdentifier=self._identifier,
            guardrailVersion=self._version,
            source=_SOURCES[stage],
            content=[{"text": {"text": texts[key]}} for key in sent],
        )
        return guardrail_outcome(response, texts, sent)
