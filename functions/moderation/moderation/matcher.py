"""A policy compiled for matching: per stage, every keyword of every rule in one Aho-Corasick automaton, the regular
expressions and the PII types. Built once per policy (moderator.py compiles each policy it is given);
`StageMatcher.find` costs time linear in the text's length."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ahocorasick_rs import AhoCorasick

from moderation.normalize import fold, folded_view, plain_view
from moderation.outcome import Stage
from moderation.pii import PiiFinder, PiiType
from moderation.policy import ModerationPolicy, Rule, StagePolicy


class Found:
    """One match, as a tool may print it: rule number `rule` (its place in the stage's list) matched the original
    text's `[start, end)`; `pii_type` is the built-in type a PII rule found (else None); `evasions` names the evasion
    forms a keyword match needed (normalize.EVASION_FORMS, e.g. ("confusable", "separated"); empty for a plain
    match, a regex or PII)."""

    __slots__ = ("end", "evasions", "pii_type", "rule", "start")

    def __init__(
        self, rule: int, start: int, end: int, pii_type: PiiType | None = None, evasions: tuple[str, ...] = ()
    ) -> None:
        self.rule = rule
        self.start = start
        self.end = end
        self.pii_type = pii_type
        self.evasions = evasions

    def __repr__(self) -> str:
        return f"Found(rule={self.rule}, span=({self.start}, {self.end}), pii_type={self.pii_type}, {self.evasions})"


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _whole_word(text: str, start: int, end: int) -> bool:
    """No word character glued to either end of `text[start:end]` (an end that is not itself a word character, e.g.
    a keyword ending in "!", needs no boundary)."""
    left_glued = start > 0 and _is_word(text[start]) and _is_word(text[start - 1])
    right_glued = end < len(text) and _is_word(text[end - 1]) and _is_word(text[end])
    return not (left_glued or right_glued)


class StageMatcher:
    def __init__(self, rules: Sequence[Rule]) -> None:
        targets: dict[str, list[tuple[int, bool]]] = {}
        self._regexes: list[tuple[int, re.Pattern[str]]] = []
        self._pii: list[tuple[int, PiiFinder]] = []
        for index, rule in enumerate(rules):
            for keyword in rule.keywords or ():
                targets.setdefault(fold(keyword), []).append((index, rule.whole_word))
            if rule.regex is not None:
                self._regexes.append((index, re.compile(rule.regex, re.IGNORECASE)))
            if rule.pii:
                self._pii.append((index, PiiFinder(tuple(rule.pii))))
        self._targets = [tuple(rule_targets) for rule_targets in targets.values()]
        # Overlapping matches: a whole-word rule must see every candidate, not only the leftmost-longest one.
        self._automaton = AhoCorasick(list(targets)) if targets else None

    def find(self, text: str) -> list[Found]:
        found: list[Found] = []
        if self._automaton is not None:
            view = folded_view(text)
            folded = view.text
            for pattern, start, end in self._automaton.find_matches_as_indexes(folded, overlapping=True):
                for rule, whole_word in self._targets[pattern]:
                    if not whole_word or _whole_word(folded, start, end):
                        found.append(Found(rule, *view.original_span(start, end)))
        if self._regexes or self._pii:
            view = plain_view(text)
            for rule, regex in self._regexes:
                found.extend(
                    Found(rule, *view.original_span(*match.span()))
                    for match in regex.finditer(view.text)
                    if match.end() > match.start()
                )
            for rule, finder in self._pii:
                found.extend(
                    Found(rule, *view.original_span(start, end), pii_type)
                    for pii_type, start, end in finder.find(view.text)
                )
        return found


class CompiledStage:
    """One stage policy and its matcher."""

    __slots__ = ("matcher", "preset_response", "rules")

    def __init__(self, policy: StagePolicy) -> None:
        self.preset_response = policy.preset_response
        self.rules = policy.rules
        self.matcher = StageMatcher(policy.rules)


class CompiledPolicy:
    """A policy with every stage compiled, looked up as the policy says (an app's own stage, else the default's)."""

    __slots__ = ("_stages", "policy")

    def __init__(self, policy: ModerationPolicy) -> None:
        self.policy = policy
        stages = [policy.default, *policy.apps.values()]
        self._stages = {
            id(stage): CompiledStage(stage)
            for pair in stages
            for stage in (pair.input, pair.output)
            if stage is not None
        }

    def stage(self, app_id: str, stage: Stage) -> CompiledStage | None:
        chosen = self.policy.stage(app_id, stage)
        return None if chosen is None else self._stages[id(chosen)]
