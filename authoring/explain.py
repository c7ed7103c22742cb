"""Which rules of a policy match a text, and where: the moderation engine's matches, in a form a person reads.

The seam to the engine: only this module knows how a stage's matcher reports a match (rule number, span in the
original text, PII type, and the evasion forms a keyword match needed, once the engine's matches carry them as
`evasions`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from moderation.matcher import CompiledPolicy
from moderation.outcome import Stage
from moderation.policy import ModerationPolicy


class Match:
    """Rule `rule_id` matched `texts[key][start:end]` (`pii_type` for a PII rule; `evasions`: the evasion forms a
    keyword match needed, e.g. ("confusable", "separated"); `keyword`: the policy's keyword that matched, None for a
    regex or PII). A `monitored` rule's match changed nothing: `action` is what it would do once switched on."""

    __slots__ = ("action", "category", "end", "evasions", "key", "keyword", "monitored", "pii_type", "rule_id", "start")

    def __init__(
        self,
        *,
        key: str,
        start: int,
        end: int,
        rule_id: str,
        category: str,
        action: str,
        pii_type: str | None,
        evasions: tuple[str, ...] = (),
        keyword: str | None = None,
        monitored: bool = False,
    ) -> None:
        self.key = key
        self.start = start
        self.end = end
        self.rule_id = rule_id
        self.category = category
        self.action = action
        self.pii_type = pii_type
        self.evasions = evasions
        self.keyword = keyword
        self.monitored = monitored


def stage_source(policy: ModerationPolicy, app_id: str, stage: Stage) -> str:
    """Whose stage applies to `app_id`: the app's own, the default's, or none."""
    own = policy.apps.get(app_id)
    if own is not None and getattr(own, stage) is not None:
        return f"app {app_id}'s own {stage} stage"
    if getattr(policy.default, stage) is not None:
        return f"the default {stage} stage" + (f" (app {app_id} has none of its own)" if own is not None else "")
    return f"no {stage} stage (everything passes the policy's rules)"


def matches(policy: CompiledPolicy, app_id: str, stage: Stage, texts: Mapping[str, str]) -> list[Match]:
    """Every rule match in `texts` (by key: "query", "inputs.NAME", "text"), in text order then rule order."""
    chosen = policy.stage(app_id, stage)
    if chosen is None:
        return []
    found = []
    for key, text in texts.items():
        for hit in sorted(chosen.matcher.find(text), key=lambda hit: (hit.start, hit.rule, hit.end)):
            rule = chosen.rules[hit.rule]
            found.append(
                Match(
                    key=key,
                    start=hit.start,
                    end=hit.end,
                    rule_id=rule.id,
                    category=rule.category,
                    action=rule.action,
                    pii_type=hit.pii_type,
                    evasions=hit.evasions,
                    keyword=hit.keyword,
                    monitored=rule.monitor,
                )
            )
    return found


def describe(match: Match, text: str) -> str:
    """One line for a person: the rule, what it is (a monitor rule: what it would do), where in the text, what it
    covered, the keyword that matched, how it was dodged."""
    action = f"monitor: would {match.action}" if match.monitored else match.action
    what = f"{match.rule_id} ({match.category}, {action})"
    if match.pii_type is not None:
        what += f" pii type {match.pii_type}"
    covered = json.dumps(text[match.start : match.end], ensure_ascii=False)
    line = f"rule {what} at {match.key}[{match.start}:{match.end}]: {covered}"
    if match.keyword is not None:
        line += f" keyword {json.dumps(match.keyword, ensure_ascii=False)}"
    return line + (f" (evasions: {', '.join(match.evasions)})" if match.evasions else "")
