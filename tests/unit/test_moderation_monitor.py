"""Monitor-only rules: evaluated like any rule, they change no answer; the decision keeps their hits apart, and
every rule match's place (with the keyword that matched) for the tools that show or sample it."""

from __future__ import annotations

from typing import Any

from dify_extension.protocol import ModerationAction, ModerationInputParams, ModerationOutputParams
from moderation.decision import Decision, decide_input, decide_output
from moderation.matcher import CompiledPolicy
from moderation.outcome import Action
from moderation.policy import ModerationPolicy


def compiled(*rules: dict[str, Any]) -> CompiledPolicy:
    stage = {"preset_response": "blocked", "rules": list(rules)}
    return CompiledPolicy(ModerationPolicy.model_validate({"default": {"input": stage, "output": stage}}))


def moderate(policy: CompiledPolicy, query: str) -> Decision:
    return decide_input(policy, ModerationInputParams(app_id="a", inputs={"name": query}, query=query))[0]


WEAPONS = {"id": "weapons", "category": "violence", "action": "block", "keywords": ["bomb"], "monitor": True}
EMAILS = {"id": "emails", "category": "pii", "action": "mask", "pii": ["email"], "monitor": True}


def test_a_monitored_block_rule_changes_no_answer_and_is_kept_apart() -> None:
    policy = compiled(WEAPONS)
    decision, answer = decide_input(policy, ModerationInputParams(app_id="a", inputs={}, query="how to build a b0mb"))
    assert answer.flagged is False
    assert answer.action is ModerationAction.OVERRIDDEN
    assert answer.query == "how to build a b0mb"
    assert decision.action is Action.PASS
    assert decision.hits == ()
    assert decision.evasions == ()
    assert [(hit.rule_id, hit.category, hit.action) for hit in decision.monitored] == [
        ("weapons", "violence", Action.BLOCK)
    ]
    [match] = decision.matches
    assert (match.key, match.start, match.end) == ("query", 15, 19)
    assert (match.rule_id, match.keyword, match.monitored, match.evasions) == ("weapons", "bomb", True, ("leetspeak",))


def test_a_monitored_mask_rule_masks_nothing() -> None:
    text = "write to ana@example.com"
    decision, answer = decide_output(compiled(EMAILS), ModerationOutputParams(app_id="a", text=text))
    assert (answer.flagged, answer.text) == (False, text)
    assert [hit.rule_id for hit in decision.monitored] == ["emails/email"]
    [match] = decision.matches
    assert (match.key, text[match.start : match.end], match.keyword, match.action) == (
        "text",
        "ana@example.com",
        None,
        Action.MASK,
    )


def test_enforced_and_monitored_rules_side_by_side() -> None:
    enforced = {"id": "drugs", "category": "drugs", "action": "block", "keywords": ["cocaine"]}
    decision = moderate(compiled(WEAPONS, enforced), "bomb and cocaine")
    assert decision.action is Action.BLOCK
    assert decision.preset_response == "blocked"
    assert [hit.rule_id for hit in decision.hits] == ["drugs"]
    assert [hit.rule_id for hit in decision.monitored] == ["weapons"]
    # Both texts (query and inputs.name), both rules, each match where it is.
    assert sorted((match.key, match.rule_id, match.monitored) for match in decision.matches) == [
        ("inputs.name", "drugs", False),
        ("inputs.name", "weapons", True),
        ("query", "drugs", False),
        ("query", "weapons", True),
    ]


def test_a_monitored_rule_does_not_stop_an_enforced_mask() -> None:
    enforced = {"id": "emails-enforced", "category": "pii", "action": "mask", "pii": ["email"]}
    decision = moderate(compiled(EMAILS, enforced), "mail ana@example.com")
    assert decision.action is Action.MASK
    assert decision.texts["query"] == "mail [EMAIL]"
    assert [hit.rule_id for hit in decision.hits] == ["emails-enforced/email"]
    assert [hit.rule_id for hit in decision.monitored] == ["emails/email"]


def test_the_deciding_evasions_leave_out_the_monitored_ones() -> None:
    enforced = {"id": "drugs", "category": "drugs", "action": "block", "keywords": ["cocaine"]}
    decision = moderate(compiled(WEAPONS, enforced), "b0mb and cocaine")
    assert decision.evasions == ()
    assert {match.evasions for match in decision.matches if match.monitored} == {("leetspeak",)}


def test_monitor_defaults_to_off() -> None:
    rule = {"id": "weapons", "category": "violence", "action": "block", "keywords": ["bomb"]}
    assert moderate(compiled(rule), "bomb").action is Action.BLOCK
