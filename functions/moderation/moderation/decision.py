"""What one stage's rules, then the AWS-managed detectors, make of a request's texts, and the answer Dify gets.
Plain Python, no AWS.

Block beats mask beats pass. Detectors run only when the rules did not block, and see the texts as the rules masked
them (so personal data the policy masks never reaches a detector).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dify_extension.protocol import (
    ModerationAction,
    ModerationInputAnswer,
    ModerationInputParams,
    ModerationOutputAnswer,
    ModerationOutputParams,
)
from moderation.limits import CATEGORY as LIMITS_CATEGORY
from moderation.limits import RULE_ID as LIMITS_RULE_ID
from moderation.limits import Limits
from moderation.matcher import CompiledPolicy, CompiledStage
from moderation.outcome import Action, Hit, Stage, apply_masks

if TYPE_CHECKING:
    from moderation.outcome import Detector


class Decision:
    """What was decided for one request's stage. `texts` are the checked texts by key, masked when `action` is MASK;
    `preset_response` is what Dify shows instead when `action` is BLOCK."""

    __slots__ = ("action", "evasions", "hits", "preset_response", "stage", "texts")

    def __init__(
        self,
        stage: Stage,
        action: Action,
        texts: Mapping[str, str],
        hits: tuple[Hit, ...] = (),
        preset_response: str = "",
        *,
        evasions: tuple[str, ...] = (),
    ) -> None:
        self.stage = stage
        self.action = action
        self.texts = texts
        self.hits = hits
        self.preset_response = preset_response
        self.evasions = evasions
        """The evasion forms keyword matches needed, sorted, e.g. ("confusable", "separated") (matcher.Found)."""

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(hit.category for hit in self.hits))


DEFAULT_PRESET_RESPONSES: dict[Stage, str] = {
    "input": "Sorry, I can't help with that request.",
    "output": "The answer was withheld because it contained content that may not be shared.",
}


def decide_input(
    policy: CompiledPolicy, params: ModerationInputParams, detectors: Sequence[Detector] = ()
) -> tuple[Decision, ModerationInputAnswer]:
    """Checks the query and every string in inputs (see input_texts)."""
    texts = input_texts(params)
    stage = policy.stage(params.app_id, "input")
    refused = over_limits(policy.policy.limits, "input", stage, bool(detectors), texts.values())
    if refused is not None:
        return refused, ModerationInputAnswer(**_flags(refused), inputs=params.inputs, query=params.query)
    decision = decide("input", stage, texts, detectors)
    answer = ModerationInputAnswer(
        **_flags(decision),
        inputs=with_texts(params.inputs, "inputs", decision.texts),
        query=decision.texts["query"],
    )
    return decision, answer


def input_texts(params: ModerationInputParams) -> dict[str, str]:
    """The texts input moderation checks, by key: "query", and "inputs.<name>" for every string in inputs (see
    strings_in)."""
    return {"query": params.query, **dict(strings_in(params.inputs, "inputs"))}


def hit_id(rule_id: str, pii_type: str | None) -> str:
    """How a rule's hit is named in logs: its id, and for a PII rule the type that matched (`pii/email`)."""
    return rule_id if pii_type is None else f"{rule_id}/{pii_type}"


def decide_output(
    policy: CompiledPolicy, params: ModerationOutputParams, detectors: Sequence[Detector] = ()
) -> tuple[Decision, ModerationOutputAnswer]:
    """Checks the answer text (key: "text")."""
    stage = policy.stage(params.app_id, "output")
    refused = over_limits(policy.policy.limits, "output", stage, bool(detectors), [params.text])
    if refused is not None:
        return refused, ModerationOutputAnswer(**_flags(refused), text=params.text)
    decision = decide("output", stage, {"text": params.text}, detectors)
    return decision, ModerationOutputAnswer(**_flags(decision), text=decision.texts["text"])


def over_limits(
    limits: Limits, stage: Stage, policy: CompiledStage | None, detectors: bool, texts: Iterable[str]
) -> Decision | None:
    """Past the policy's limits nothing is checked: blocked (the default) or passed as sent. None when `texts` are
    within max_chars, or when nothing would check them (no rules in the stage's `policy`, no `detectors`); else the
    decision for them, unchecked."""
    if (policy is None or not policy.rules) and not detectors:
        return None
    if sum(map(len, texts)) <= limits.max_chars:
        return None
    if limits.over_limit == "pass":
        return Decision(stage, Action.PASS, {}, (Hit(LIMITS_RULE_ID, LIMITS_CATEGORY, Action.PASS),))
    preset = (policy and policy.preset_response) or DEFAULT_PRESET_RESPONSES[stage]
    return Decision(stage, Action.BLOCK, {}, (Hit(LIMITS_RULE_ID, LIMITS_CATEGORY, Action.BLOCK),), preset)


def _flags(decision: Decision) -> dict[str, Any]:
    """flagged, action and preset_response of the answer. Not flagged is "overridden" with the values unchanged: Dify
    requires an action even then, and that one is a no-op."""
    if decision.action is Action.BLOCK:
        return {"flagged": True, "action": ModerationAction.DIRECT_OUTPUT, "preset_response": decision.preset_response}
    return {"flagged": decision.action is Action.MASK, "action": ModerationAction.OVERRIDDEN}


def decide(
    stage: Stage, policy: CompiledStage | None, texts: Mapping[str, str], detectors: Sequence[Detector]
) -> Decision:
    """`policy` is None when no stage policy applies (the detectors still run)."""
    hits: dict[str, Hit] = {}
    evasions: set[str] = set()
    masked = dict(texts)
    preset_response = DEFAULT_PRESET_RESPONSES[stage]
    if policy is not None:
        preset_response = policy.preset_response or preset_response
        blocked_with = _apply_rules(policy, masked, hits, evasions)
        if blocked_with is not None:
            preset = blocked_with or preset_response
            return Decision(stage, Action.BLOCK, texts, tuple(hits.values()), preset, evasions=_ordered(evasions))
    for detector in detectors:
        outcome = detector.check(stage, masked)
        for hit in outcome.hits:
            hits.setdefault(hit.rule_id, hit)
        if outcome.blocked:
            preset = outcome.preset_response or preset_response
            return Decision(stage, Action.BLOCK, texts, tuple(hits.values()), preset, evasions=_ordered(evasions))
        masked = {key: outcome.texts.get(key, text) for key, text in masked.items()}
    action = Action.MASK if masked != texts else Action.PASS
    return Decision(stage, action, masked, tuple(hits.values()), evasions=_ordered(evasions))


def _ordered(evasions: set[str]) -> tuple[str, ...]:
    return tuple(sorted(evasions))


def _apply_rules(policy: CompiledStage, texts: dict[str, str], hits: dict[str, Hit], evasions: set[str]) -> str | None:
    """Masks `texts` in place and records `hits` and the `evasions` their keyword matches needed. If a block rule
    fired: the first one's own preset response, or "" when it has none; else None."""
    first_block: int | None = None
    for key, text in texts.items():
        masks: list[tuple[int, int, int, str]] = []
        for found in policy.matcher.find(text):
            evasions.update(found.evasions)
            rule = policy.rules[found.rule]
            rule_id = hit_id(rule.id, found.pii_type)
            hits.setdefault(rule_id, Hit(rule_id, rule.category, Action(rule.action)))
            if rule.action == "block":
                first_block = found.rule if first_block is None else min(first_block, found.rule)
            else:
                masks.append((found.rule, found.start, found.end, rule.replacement_for(found.pii_type)))
        if masks:
            # In rule order, so that of two masks of the same span the first rule's replacement wins.
            texts[key] = apply_masks(text, [(start, end, replacement) for _, start, end, replacement in sorted(masks)])
    return None if first_block is None else policy.rules[first_block].preset_response or ""


# Keys of the texts in `inputs`: "inputs.<name>", then ".<key>" / "[<index>]" for nested values; a name that is not
# plain letters, digits, "_" and "-" is quoted as JSON, e.g. inputs["a.b"].
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _child_key(key: str, name: str) -> str:
    if _PLAIN_NAME.fullmatch(name):
        return f"{key}.{name}"
    return f"{key}[{json.dumps(name, ensure_ascii=False)}]"


def strings_in(value: Any, key: str) -> Iterator[tuple[str, str]]:
    """Every string inside `value` (Dify inputs hold strings, numbers, and lists/objects for files), with its key."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from strings_in(item, _child_key(key, str(name)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings_in(item, f"{key}[{index}]")


def with_texts(value: Any, key: str, texts: Mapping[str, str]) -> Any:
    """`value` with each string replaced by `texts[its key]`; everything else, and the shape, unchanged."""
    if isinstance(value, str):
        return texts.get(key, value)
    if isinstance(value, dict):
        return {name: with_texts(item, _child_key(key, str(name)), texts) for name, item in value.items()}
    if isinstance(value, list):
        return [with_texts(item, f"{key}[{index}]", texts) for index, item in enumerate(value)]
    return value
