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
    """Which keywords of a rule match a span: the rule's list is cut into chunks of CHUNK keywords, each compiled once
    (on first need) and asked whether it matches the same span; in a chunk that does, each keyword on its own."""

    CHUNK = 32

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = rules
        self._matchers: dict[tuple[int, int, int], StageMatcher] = {}

    def keywords(self, rule: int, text: str, start: int, end: int) -> tuple[str, ...]:
        count = len(self._rules[rule].keywords or ())
        found = []
        for low in range(0, count, self.CHUNK):
            high = min(low + self.CHUNK, count)
            if self._matches(rule, (low, high), text, (start, end)):
                found += [
                    (self._rules[rule].keywords or [])[one]
                    for one in range(low, high)
                    if self._matches(rule, (one, one + 1), text, (start, end))
                ]
        return tuple(sorted(found))

    def _matches(self, rule: int, part: tuple[int, int], text: str, span: tuple[int, int]) -> bool:
        matcher = self._matchers.get((rule, *part))
        if matcher is None:
            whole = self._rules[rule]
            keywords = (whole.keywords or [])[part[0] : part[1]]
            one = Rule(
                id=whole.id, category=whole.category, action="block", keywords=keywords, whole_word=whole.whole_word
            )
            matcher = self._matchers[(rule, *part)] = StageMatcher([one])
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
