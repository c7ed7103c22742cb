"""The policy a multilingual deployment would write from the merged lists, and the plain reading of the same lists.

One block rule per keyword language, whole words (`keywords-<language>`). A language written without spaces (zh, ja,
th) gets a substring rule instead, for its keywords in that script; its lists' Latin entries (pinyin, romaji such
as "bo", "sm") keep a whole-word rule of their own (`keywords-<language>-latin`): as substrings they would be found
inside most Latin words, which no deployment would accept and which would leave little text to measure.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from bench.precision.languages import SPACELESS, written_without_spaces
from bench.precision.plain_reading import PlainReading
from moderation.policy import ModerationPolicy

RULE_PREFIX = "keywords-"
LATIN_SUFFIX = "-latin"


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


def policy_document(keywords: dict[str, list[str]]) -> dict[str, Any]:
    rules = [
        {
            "id": rule.id,
            "category": "profanity",
            "action": "block",
            "keywords": rule.keywords,
            "whole_word": rule.whole_word,
        }
        for rule in keyword_rules(keywords)
    ]
    return {"default": {"input": {"preset_response": "Blocked.", "rules": rules}}}


def policy(keywords: dict[str, list[str]]) -> ModerationPolicy:
    return ModerationPolicy.model_validate(policy_document(keywords))


def plain_reading(keywords: dict[str, list[str]]) -> PlainReading:
    rules = keyword_rules(keywords)
    return PlainReading(
        whole_words=[word for rule in rules if rule.whole_word for word in rule.keywords],
        substrings=[word for rule in rules if not rule.whole_word for word in rule.keywords],
    )


def rule_language(rule_id: str) -> str:
    return rule_id.removeprefix(RULE_PREFIX).removesuffix(LATIN_SUFFIX)
