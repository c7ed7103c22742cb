"""What the project's matcher flags in text that plain reading finds clean, and which keywords it matched."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from bench.precision.corpus import rule_language
from bench.precision.plain_reading import PlainReading
from bench.precision.texts import Item
from moderation.matcher import StageMatcher
from moderation.policy import Rule

CHINESE_VARIANT = ("chinese_variant",)


class Flag(NamedTuple):
    """One match in an item plain reading finds clean: a false positive, unless its only cause is chinese_variant."""

    item: Item
    keyword_language: str
    keywords: tuple[str, ...]
    matched: str
    evasions: tuple[str, ...]


class KeywordFinder:
    """Which keywords of a rule match a span: the rule's list is halved until single keywords are left, each half
    compiled once (on first need) and asked again whether it matches the same span."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = rules
        self._matchers: dict[tuple[int, int, int], StageMatcher] = {}

    def keywords(self, rule: int, text: str, start: int, end: int) -> tuple[str, ...]:
        words = self._rules[rule].keywords or []
        found = []
        parts = [(0, len(words))]
        while parts:
            low, high = parts.pop()
            if not self._matches(rule, low, high, text, (start, end)):
                continue
            if high - low == 1:
                found.append(words[low])
            else:
                middle = (low + high) // 2
                parts += [(middle, high), (low, middle)]
        return tuple(sorted(found))

    def _matches(self, rule: int, low: int, high: int, text: str, span: tuple[int, int]) -> bool:
        matcher = self._matchers.get((rule, low, high))
        if matcher is None:
            whole = self._rules[rule]
            part = whole.model_copy(update={"keywords": (whole.keywords or [])[low:high]})  # its options too
            matcher = self._matchers[(rule, low, high)] = StageMatcher([part])
        return any((found.start, found.end) == span for found in matcher.find(text))


class Checker:
    """Plain reading first (items it flags are left out), then the project's matcher on what is left."""

    def __init__(self, rules: Sequence[Rule], plain: PlainReading) -> None:
        self.rules = rules
        self.plain = plain
        self.matcher = StageMatcher(rules)
        self.finder = KeywordFinder(rules)

    def check(self, item: Item) -> list[Flag] | None:
        """None if plain reading finds a keyword (the item is left out), else the matcher's flags (maybe none)."""
        if self.plain.find(item.text) is not None:
            return None
        return [
            Flag(
                item,
                rule_language(self.rules[found.rule].id),
                self.finder.keywords(found.rule, item.text, found.start, found.end),
                item.text[found.start : found.end],
                found.evasions,
            )
            for found in sorted(self.matcher.find(item.text), key=lambda found: (found.start, found.end, found.rule))
        ]


def false_positives(flags: Sequence[Flag]) -> list[Flag]:
    """The flags that count: all but those whose only cause is a Traditional/Simplified Chinese variant."""
    return [flag for flag in flags if flag.evasions != CHINESE_VARIANT]
