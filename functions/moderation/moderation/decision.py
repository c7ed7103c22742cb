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
from moderation.outcome import Action, Hit, Match, Stage, apply_masks

if TYPE_CHECKING:
    from moderation.outcome import Detector


class Decision:
    """What was decided for one request's stage. `texts` are the checked texts by key, masked when `action` is MASK;
    `preset_response` is what Dify shows instead when `action` is BLOCK."""

    __slots__ = ("action", "evasions", "hits", "matches", "monitored", "preset_response", "stage", "texts")

    def __init__(
        self,
        stage: Stage,
        action: Action,
        texts: Mapping[str, str],
        hits: tuple[Hit, ...] = (),
        preset_response: str = "",
        *,
        evasions: tuple[str, ...] = (),
        monitored: tuple[Hit, ...] = (),
        matches: tuple[Match, ...] = (),
    ) -> None:
        self.stage = stage
        self.action = action
        self.texts = texts
        self.hits = hits
        self.preset_response = preset_response
        self.evasions = evasions
        """The evasion forms the deciding keyword matches needed, sorted, e.g. ("confusable", "separated")."""
        self.monitored = monitored
        """The hits of monitor rules: they changed nothing (their would-be action is each hit's `action`)."""
        self.matches = matches
        """Where the policy's rules, deciding or monitoring, matched (detectors report no places)."""

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
    found = _Found()
    masked = dict(texts)
    preset_response = DEFAULT_PRESET_RESPONSES[stage]
    if policy is not None:
        preset_response = policy.preset_response or preset_response
        blocked_with = _apply_rules(policy, masked, found)
        if blocked_with is not None:
            return found.decision(stage, Action.BLOCK, texts, blocked_with or preset_response)
    for detector in detectors:
        outcome = detector.check(stage, masked)
        for hit in outcome.hits:
            found.hits.setdefault(hit.rule_id, hit)
        if outcome.blocked:
            return found.decision(stage, Action.BLOCK, texts, outcome.preset_response or preset_response)
        masked = {key: outcome.texts.get(key, text) for key, text in masked.items()}
    return found.decision(stage, Action.MASK if masked != texts else Action.PASS, masked)


class _Found:
    """What one stage's rules and detectors found so far: the deciding hits by id, the monitor rules' hits, the
    deciding matches' evasion forms, and every rule match's place."""

    __slots__ = ("evasions", "hits", "matches", "monitored")

    def __init__(self) -> None:
        self.hits: dict[str, Hit] = {}
        self.monitored: dict[str, Hit] = {}
        self.evasions: set[str] = set()
        self.matches: list[Match] = []

    def decision(self, stage: Stage, action: Action, texts: Mapping[str, str], preset_response: str = "") -> Decision:
        return Decision(
            stage,
            action,
            texts,
            tuple(self.hits.values()),
            preset_response,
            evasions=tuple(sorted(self.evasions)),
            monitored=tuple(self.monitored.values()),
            matches=tuple(self.matches),
        )


def _apply_rules(policy: CompiledStage, texts: dict[str, str], found: _Found) -> str | None:
    """Masks `texts` in place and records what the rules `found`; a monitor rule's matches change nothing. If a
    block rule fired: the first one's own preset response, or "" when it has none; else None."""
    first_block: int | None = None
    for key, text in texts.items():
        masks: list[tuple[int, int, int, str]] = []
        for match in policy.matcher.find(text):
            rule = policy.rules[match.rule]
            rule_id = hit_id(rule.id, match.pii_type)
            hits = found.monitored if rule.monitor else found.hits
            hit = hits.setdefault(rule_id, Hit(rule_id, rule.category, Action(rule.action)))
            found.matches.append(
                Match(
                    key,
                    match.start,
                    match.end,
                    hit,
                    monitored=rule.monitor,
                    keyword=match.keyword,
                    evasions=match.evasions,
                )
            )
            if rule.monitor:
                continue
            found.evasions.update(match.evasions)
            if rule.action == "block":
                first_block = match.rule if first_block is None else min(first_block, match.rule)
            else:
                masks.append((match.rule, match.start, match.end, rule.replacement_for(match.pii_type)))
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
