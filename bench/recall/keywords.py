"""The keywords the recall bench blocks: the kind a Dify app would (English profanity, drug and weapon words,
prompt-injection phrases, and a few in other languages), and the policy that holds them: whole-word rules for
languages written with spaces, substring rules for Chinese and Japanese (docs/moderation-policy.md)."""

# ruff: noqa: RUF001 - keywords in other scripts are the point

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

APP_ID = "recall-bench"
UNSPACED_LANGUAGES = frozenset({"zh", "ja"})
"""Written without spaces between words: a keyword there is a substring rule, never whole_word."""


@dataclass(frozen=True)
class Keyword:
    text: str
    language: str
    rule: str

    @property
    def whole_word(self) -> bool:
        return self.language not in UNSPACED_LANGUAGES


def _keywords(rule: str, language: str, texts: str) -> list[Keyword]:
    return [Keyword(text, language, rule) for text in texts.split("|")]


KEYWORDS: tuple[Keyword, ...] = (
    *_keywords(
        "en-profanity",
        "en",
        "shit|bastard|fuck|bitch|asshole|motherfucker|cunt|dickhead|wanker|bullshit|ass",
    ),
    *_keywords(
        "en-drugs-weapons",
        "en",
        "cocaine|heroin|contraband|methamphetamine|fentanyl|explosives|pipe bomb|assault rifle|kill yourself"
        "|molotov cocktail|ghost gun|rape",
    ),
    *_keywords(
        "prompt-injection",
        "en",
        "ignore previous instructions|ignore all previous instructions|disregard the system prompt|you are now DAN"
        "|reveal your system prompt|forget your instructions|developer mode enabled|do anything now"
        "|pretend you have no restrictions|jailbreak",
    ),
    *_keywords("ru", "ru", "кокаин|героин|сука|убей себя|игнорируй предыдущие инструкции"),
    *_keywords("de", "de", "Scheiße|Arschloch|Kokain|Mörder|ignoriere alle vorherigen Anweisungen"),
    *_keywords("es", "es", "cocaína|mierda|hijo de puta|ignora las instrucciones anteriores"),
    *_keywords("fr", "fr", "putain|connard|cocaïne|ignore les instructions précédentes"),
    *_keywords("tr", "tr", "kokain|orospu|siktir|silahlı saldırı|önceki talimatları yok say"),
    *_keywords("zh", "zh", "可卡因|海洛因|炸弹|忽略之前的所有指令"),
    *_keywords("ja", "ja", "覚醒剤|死ね|爆弾|以前の指示をすべて無視"),
    *_keywords("hi", "hi", "हथियार|कोकीन|पिछले निर्देशों को अनदेखा करें"),
    *_keywords("ar", "ar", "مخدرات|كوكايين|تجاهل التعليمات السابقة"),
)


def policy(keywords: tuple[Keyword, ...] = KEYWORDS) -> dict[str, Any]:
    """A policy (as its JSON would be) with one block rule per rule id of `keywords`, on the input stage of APP_ID."""
    rules: dict[str, dict[str, Any]] = {}
    for keyword in keywords:
        rule = rules.setdefault(
            keyword.rule,
            {"id": keyword.rule, "category": "recall", "action": "block", "keywords": []},
        )
        if keyword.whole_word:
            rule["whole_word"] = True
        rule["keywords"].append(keyword.text)
    return {"apps": {APP_ID: {"input": {"rules": list(rules.values())}}}}
