"""Precision: innocent text in every language docs/evasions.md names - Faker's locales (names, addresses, companies,
sentences; fixed seed) and hand-written tricky sentences - against a policy of realistic keywords in those languages
with every evasion on: nothing may match."""

# ruff: noqa: RUF001, RUF003 - other scripts are what these tests are about

from __future__ import annotations

from typing import Any

import pytest
from faker import Faker

from moderation.matcher import CompiledPolicy
from moderation.policy import ModerationPolicy

# The list of docs/evasions.md: language -> Faker locale.
LOCALES = {
    "en": "en_US", "es": "es_ES", "fr": "fr_FR", "de": "de_DE", "it": "it_IT", "pt": "pt_BR", "nl": "nl_NL",
    "pl": "pl_PL", "tr": "tr_TR", "ru": "ru_RU", "uk": "uk_UA", "el": "el_GR", "ar": "ar_AA", "he": "he_IL",
    "hi": "hi_IN", "th": "th_TH", "vi": "vi_VN", "id": "id_ID", "zh_CN": "zh_CN", "zh_TW": "zh_TW", "ja": "ja_JP",
    "ko": "ko_KR",
}  # fmt: skip

KEYWORDS = {
    "en": ["contraband", "cocaine", "shit", "asin", "bastard", "analima", "ignore previous instructions"],
    "es": ["cocaína", "mierda", "pendejo"],
    "fr": ["connard", "putain", "salope"],
    "de": ["scheiße", "arschloch", "mörder"],
    "it": ["stronzo", "vaffanculo"],
    "pt": ["caralho", "cocaína"],
    "nl": ["klootzak", "godverdomme"],
    "pl": ["kurwa", "narkotyki"],
    "tr": ["uyuşturucu", "orospu"],
    "ru": ["наркотики", "оружие", "сволочь"],
    "uk": ["наркотики", "зброя"],
    "el": ["ναρκωτικά", "μαλάκας"],
    "ar": ["مخدرات", "سلاح"],
    "he": ["סמים", "נשק"],
    "hi": ["हथियार", "नशीली दवाएं"],
    "th": ["ยาเสพติด", "อาวุธปืน"],
    "vi": ["ma túy", "súng đạn"],
    "id": ["narkoba", "senjata api"],
    "zh_CN": ["毒品", "枪支", "赌博"],
    "zh_TW": ["毒品", "槍枝", "賭博"],
    "ja": ["覚醒剤", "ばかやろう"],
    "ko": ["마약", "총기"],
}
WHOLE_WORDS = ["god", "ass", "cop", "poc"]  # Russian `сор` and `рос` are words, not these

TRICKY = [
    "this hit the spot",
    "it was a sin to waste it",
    "good morning, goodness me, a goody and a goddess",
    "a bass passage to assess the class",
    "В углу был сор, а на окне рос цветок.",
    "сор",  # a word alone is of its own script's language
    "Рос!",
    "ΡΟΣ",
    "Россия и Белоруссия. Прокурор рос в Ростове.",
    "Η Ελλάδα είναι μια χώρα με καλό καιρό και κόσμο.",
    "mp3, h2o, covid19, 4x4, v1.2.3, ISO 9001, 1337 and 2024-05-17",
    "Mail ana.lima@example.com, ana@lima.org or bob_a_b@example.org; call +44 20 7946 0958",
    "for i in range(10): print(i, a / b, x = a + b)",
    "if (a && b || !c) { return $x; } // a | b | c",
    "U.S.A. and e.g. and i.e. and a.m.",
    "I said: a b c! Then x 1 y 2 z 3!",  # single letters and digits beside punctuation
    "The blue sky over Müller's Straße; Goethe und Schiller",
    "Kılıçdaroğlu ve İstanbul'da ılık bir gün.",
    "東京は日本の首都です。カタカナとひらがなを書きます。",
    "我们明天去公园散步，天气很好。 我們明天去公園散步。",
    "这是食物中毒，品质问题需要调查。",  # a comma between clauses does not join `毒` and `品`
    "مرحبا بكم في مدينتنا الجميلة.",
    "नमस्ते, आप कैसे हैं? मैं ठीक हूँ।",
    "Xin chào, hôm nay trời đẹp quá.",
    "Sawasdee ครับ วันนี้อากาศดีมาก",
    "안녕하세요, 오늘 날씨가 좋네요.",
    "שלום, מה שלומך היום?",
]


def innocent_texts() -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = [("tricky", text) for text in TRICKY]
    for lang, locale in LOCALES.items():
        fake = Faker(locale)
        fake.seed_instance(8)
        for _ in range(6):
            texts += [
                (lang, fake.name()),
                (lang, fake.address()),
                (lang, fake.company()),
                (lang, fake.text(max_nb_chars=300)),
            ]
    return texts


@pytest.fixture(scope="module")
def policy() -> Any:
    rules: list[dict[str, Any]] = [
        {"id": lang, "category": "test", "action": "block", "keywords": words} for lang, words in KEYWORDS.items()
    ]
    rules.append({"id": "words", "category": "test", "action": "block", "whole_word": True, "keywords": WHOLE_WORDS})
    compiled = CompiledPolicy(ModerationPolicy.model_validate({"default": {"input": {"rules": rules}}}))
    return compiled.stage("app", "input")


def test_innocent_text_in_every_language_matches_nothing(policy: Any) -> None:
    texts = innocent_texts()
    assert len({lang for lang, _ in texts}) == len(LOCALES) + 1
    false_positives = [
        (lang, text[found.start : found.end], policy.rules[found.rule].id, found.evasions)
        for lang, text in texts
        for found in policy.matcher.find(text)
    ]
    assert false_positives == []
