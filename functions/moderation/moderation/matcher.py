"""One stage's rules compiled for matching: every keyword of every rule in one Aho-Corasick automaton, the regular
expressions and the PII types. Built once, at policy load; `find` costs time linear in the text's length."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ahocorasick_rs import AhoCorasick

from moderation.normalize import fold, folded_view, plain_view
from moderation.pii import PiiFinder, PiiType
from moderation.user_regex import compile_regex

if TYPE_CHECKING:
    from moderation.policy import Rule
    from moderation.user_regex import UserRegex


class Found:
    """Rule number `rule` (its place in the stage) matched the original text's `[start, end)`."""

    __slots__ = ("end", "pii_type", "rule", "start")

    def __init__(self, rule: int, start: int, end: int, pii_type: PiiType | None = None) -> None:
        self.rule = rule
        self.start = start
        self.end = end
        self.pii_type = pii_type


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
        self._regexes: list[tuple[int, UserRegex]] = []
        self._pii: list[tuple[int, PiiFinder]] = []
        for index, rule in enumerate(rules):
            for keyword in rule.keywords or ():
                targets.setdefault(fold(keyword), []).append((index, rule.whole_word))
            if rule.regex is not None:
                self._regexes.append((index, compile_regex(rule.regex)))
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
