"""The policy a multilingual deployment would write from the merged lists, and the plain reading of the same lists.

One block rule per keyword language, whole words (`keywords-<language>`). A language written without spaces (zh, ja,
th) gets a substring rule instead, for its keywords in that script; its lists' Latin entries (pinyin, romaji such
as "bo", "sm") keep a whole-word rule of their own (`keywords-<language>-latin`): as substrings they would be found
inside most Latin words, which no deployment would accept and which would leave little text to measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from bench.precision.languages import SPACELESS, written_without_spaces
from bench.precision.plain_reading import PlainReading
from moderation.policy import ModerationPolicy
from moderation.variants import MAX_TYPO_SPELLINGS, typo_count

RULE_PREFIX = "keywords-"
LATIN_SUFFIX = "-latin"
PART = "."


class KeywordRule(NamedTuple):
    language: str
    keywords: list[str]
    whole_word: bool

    @property
    def id(self) -> str:
        return f"{RULE_PREFIX}{self.language}{LATIN_SUFFIX if self.language in SPACELESS and self.whole_word else ''}"


def keyword_rules(keywords: dict[str, list[str]]) -> list[KeywordRule]:
    rules = []
    for code, words in sorted(keywords.items()):
        if code not in SPACELESS:
            rules.append(KeywordRule(code, words, whole_word=True))
            continue
        substrings = [word for word in words if written_without_spaces(word)]
        whole = [word for word in words if not written_without_spaces(word)]
        rules += [KeywordRule(code, found, not substring) for substring, found in ((True, substrings), (False, whole))]
    return [rule for rule in rules if rule.keywords]


VARIANTS_VARIABLE = "PRECISION_VARIANTS"
"""Opt-in keyword variants every rule reads, comma-separated (`short_vowelless,letter_pairs`); none if unset."""
TYPOS_VARIABLE = "PRECISION_TYPOS"
"""`1`: every whole-word rule reads typos (`typos: 1`); unset or `0`: none, as by default."""


def rule_options(environment: Mapping[str, str]) -> dict[str, Any]:
    """The opt-in options the environment asks every rule for (typos: whole-word rules only, see policy_document)."""
    options: dict[str, Any] = {}
    chosen = [name.strip() for name in environment.get(VARIANTS_VARIABLE, "").split(",") if name.strip()]
    if chosen:
        options["variants"] = chosen
    if environment.get(TYPOS_VARIABLE, "0") not in ("", "0"):
        options["typos"] = int(environment[TYPOS_VARIABLE])
    return options


def _parts(rule: KeywordRule, typos: bool) -> list[tuple[str, list[str]]]:
    """The rule's id and keywords, or with typos, in parts of at most MAX_TYPO_SPELLINGS typo spellings each (ids
    `<id>.2`, `<id>.3` ... after the first), as a policy author would split it."""
    if not typos:
        return [(rule.id, rule.keywords)]
    parts: list[list[str]] = [[]]
    for keyword in rule.keywords:
        if parts[-1] and typo_count([*parts[-1], keyword]) > MAX_TYPO_SPELLINGS:
            parts.append([])
        parts[-1].append(keyword)
    return [(rule.id if number == 1 else f"{rule.id}{PART}{number}", part) for number, part in enumerate(parts, 1)]


def policy_document(keywords: dict[str, list[str]], options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    options = options or {}
    rules = []
    for rule in keyword_rules(keywords):
        chosen = {key: value for key, value in options.items() if key != "typos" or rule.whole_word}
        rules += [
            {
                "id": rule_id,
                "category": "profanity",
                "action": "block",
                "keywords": part,
                "whole_word": rule.whole_word,
                **chosen,
            }
            for rule_id, part in _parts(rule, bool(chosen.get("typos")))
        ]
    return {"default": {"input": {"preset_response": "Blocked.", "rules": rules}}}


def policy(keywords: dict[str, list[str]], options: Mapping[str, Any] | None = None) -> ModerationPolicy:
    return ModerationPolicy.model_validate(policy_document(keywords, options))


def plain_reading(keywords: dict[str, list[str]]) -> PlainReading:
    rules = keyword_rules(keywords)
    return PlainReading(
        whole_words=[word for rule in rules if rule.whole_word for word in rule.keywords],
        substrings=[word for rule in rules if not rule.whole_word for word in rule.keywords],
    )


def rule_language(rule_id: str) -> str:
    return rule_id.removeprefix(RULE_PREFIX).split(PART)[0].removesuffix(LATIN_SUFFIX)
