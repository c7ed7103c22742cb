"""How AWS-managed detectors join the policy's own rules: after them, only when they did not block, on the texts as
the rules masked them. The detectors here are small in-test doubles of the Detector protocol (moderation.outcome)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from dify_extension.protocol import ModerationAction, ModerationInputParams, ModerationOutputParams
from moderation.decision import DEFAULT_PRESET_RESPONSES, decide_input, decide_output
from moderation.matcher import CompiledPolicy
from moderation.outcome import Action, DetectorOutcome, Hit, Stage
from moderation.policy import ModerationPolicy

POLICY = ModerationPolicy.model_validate(
    {
        "default": {
            "input": {
                "preset_response": "Input refused.",
                "rules": [
                    {"id": "injection", "category": "prompt_injection", "action": "block", "keywords": ["jailbreak"]},
                    {"id": "pii", "category": "pii", "action": "mask", "pii": ["email"]},
                ],
            },
            "output": {"preset_response": "Output withheld."},
        }
    }
)
COMPILED = CompiledPolicy(POLICY)


@dataclass
class Recording:
    """Passes everything; remembers what it was asked."""

    name: str = "recording"
    calls: list[tuple[Stage, dict[str, str]]] = field(default_factory=list)

    def check(self, stage: Stage, texts: Mapping[str, str]) -> DetectorOutcome:
        self.calls.append((stage, dict(texts)))
        return DetectorOutcome(texts=texts)


@dataclass
class Blocking:
    preset_response: str | None = None
    name: str = "blocking"

    def check(self, stage: Stage, texts: Mapping[str, str]) -> DetectorOutcome:
        hit = Hit("guardrail/violence", "violence", Action.BLOCK)
        return DetectorOutcome(texts=texts, hits=(hit,), blocked=True, preset_response=self.preset_response)


@dataclass
class Masking:
    """Replaces a word, as Comprehend PII or a guardrail's anonymisation would."""

    word: str
    name: str = "masking"

    def check(self, stage: Stage, texts: Mapping[str, str]) -> DetectorOutcome:
        masked = {key: text.replace(self.word, "[NAME]") for key, text in texts.items()}
        hits = (Hit("comprehend/NAME", "pii", Action.MASK),) if masked != texts else ()
        return DetectorOutcome(texts=masked, hits=hits)


def input_params(inputs: dict[str, Any], query: str) -> ModerationInputParams:
    return ModerationInputParams(app_id="a", inputs=inputs, query=query)


def test_detectors_see_the_texts_masked_by_the_rules_under_their_keys() -> None:
    recording = Recording()
    inputs = {"name": "Ann", "contact": {"mail": "ann@example.com"}, "tags": ["x", 3]}
    decide_input(COMPILED, input_params(inputs, "hi"), [recording])
    assert recording.calls == [
        (
            "input",
            {
                "query": "hi",
                "inputs.name": "Ann",
                "inputs.contact.mail": "[EMAIL]",
                "inputs.tags[0]": "x",
            },
        )
    ]


def test_detectors_are_not_asked_when_the_rules_block() -> None:
    recording = Recording()
    decision, answer = decide_input(COMPILED, input_params({}, "jailbreak now"), [recording])
    assert recording.calls == []
    assert answer.action == ModerationAction.DIRECT_OUTPUT
    assert [hit.rule_id for hit in decision.hits] == ["injection"]


@pytest.mark.parametrize(("own", "shown"), [(None, "Input refused."), ("Service unavailable.", "Service unavailable.")])
def test_a_blocking_detector_blocks_with_its_response_or_the_stages(own: str | None, shown: str) -> None:
    recording = Recording()
    decision, answer = decide_input(
        COMPILED, input_params({"m": "ann@example.com"}, "hello"), [Blocking(own), recording]
    )
    assert (answer.flagged, answer.action, answer.preset_response) == (True, ModerationAction.DIRECT_OUTPUT, shown)
    assert answer.inputs == {"m": "ann@example.com"}  # Dify shows the preset response; values are not needed
    assert recording.calls == []  # the detectors after a block are not asked
    assert decision.action is Action.BLOCK
    assert [hit.rule_id for hit in decision.hits] == ["pii/email", "guardrail/violence"]


def test_a_masking_detector_adds_its_masks_to_the_rules() -> None:
    decision, answer = decide_input(
        COMPILED, input_params({"who": "Ann Lee <ann@example.com>", "n": 1}, "Ann asks"), [Masking("Ann")]
    )
    assert answer.flagged is True
    assert answer.action == ModerationAction.OVERRIDDEN
    assert answer.inputs == {"who": "[NAME] Lee <[EMAIL]>", "n": 1}
    assert answer.query == "[NAME] asks"
    assert decision.categories == ("pii",)


def test_detectors_run_in_order_each_on_the_previous_ones_texts() -> None:
    recording = Recording()
    decide_output(COMPILED, ModerationOutputParams(app_id="a", text="Ann and Bob"), [Masking("Ann"), recording])
    assert recording.calls == [("output", {"text": "[NAME] and Bob"})]


def test_output_block_by_a_detector_uses_the_output_preset() -> None:
    _, answer = decide_output(COMPILED, ModerationOutputParams(app_id="a", text="fine"), [Blocking()])
    assert (answer.action, answer.preset_response, answer.text) == (
        ModerationAction.DIRECT_OUTPUT,
        "Output withheld.",
        "fine",
    )


def test_a_passing_detector_leaves_the_answer_unflagged() -> None:
    decision, answer = decide_output(COMPILED, ModerationOutputParams(app_id="a", text="fine"), [Recording()])
    assert (answer.flagged, answer.text, decision.action, decision.hits) == (False, "fine", Action.PASS, ())


def test_detectors_run_for_a_stage_the_policy_leaves_out() -> None:
    """No rules for a stage still means the detectors check it; a block then shows the built-in response."""
    empty = ModerationPolicy.model_validate({})
    recording = Recording()
    _, passed = decide_input(CompiledPolicy(empty), input_params({"a": "x"}, "q"), [recording])
    assert passed.flagged is False
    assert recording.calls == [("input", {"query": "q", "inputs.a": "x"})]
    _, blocked = decide_output(CompiledPolicy(empty), ModerationOutputParams(app_id="a", text="t"), [Blocking()])
    assert blocked.preset_response == DEFAULT_PRESET_RESPONSES["output"]
