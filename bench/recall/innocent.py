"""The innocent side: real text that holds none of the keywords, though some of it holds their letters.

- Faker's sentences, addresses, names, companies and jobs in 18 locales (fixed seed), and strings that look encoded
  and are not (hashes, UUIDs, URLs, tokens, base64 of random bytes);
- wordfreq's words that contain a keyword by chance (`class`, `assess`, `therapeutic`, `heroine`, Turkish `eksiktir`),
  each alone and in a sentence, and a few place names (`Scunthorpe`, `Shitterton`). A word is not there by chance when
  it is the keyword inflected (`shits`, `кокаина`, Arabic `المخدرات` with its article) or compounded with another word
  (`bullshit`, `Serienmörder`): those are the keyword, and a miss on them is a recall question, not a precision one.

Every text is checked to hold no keyword literally (as a whole word for whole-word keywords), so a match on it is a
false positive."""

# ruff: noqa: RUF001 - other scripts are the point

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterable, Iterator

from faker import Faker
from wordfreq import top_n_list

from bench.recall.cases import InnocentText
from bench.recall.keywords import Keyword

FAKER_LOCALES = (
    "en_US", "en_GB", "de_DE", "es_ES", "fr_FR", "it_IT", "pt_BR", "nl_NL", "pl_PL", "ru_RU", "uk_UA", "tr_TR",
    "ar_AA", "hi_IN", "zh_CN", "zh_TW", "ja_JP", "ko_KR",
)  # fmt: skip
TEXTS_PER_LOCALE = 200
TECHNICAL_TEXTS = 320
WORDFREQ_WORDS = 50_000
"""How many of a language's most frequent words are searched for keywords by chance."""
WORDS_PER_KEYWORD = 60
"""At most this many chance words per keyword (the most frequent): `ass` alone is in 313, and would drown the rest."""
SEED = 7
WORD_SENTENCES = ("{x}", "please tell me about {x}")
PLACES = ("Scunthorpe", "Shitterton", "Bastardo", "Assen", "Penistone", "Clitheroe", "Middlesex")

# Endings that inflect a word, and clitics written onto it, per language (the keyword with one is still the keyword).
_ENDINGS = {
    "en": ("s", "es", "ed", "d", "ing", "in", "er", "ers", "y", "ie", "ies", "ier", "iest", "ty", "ery", "'s"),
    "de": ("s", "n", "e", "en", "er", "es", "in", "innen", "ische", "ischen", "isch"),
    "es": ("s", "es"),
    "fr": ("s", "es"),
    "ru": ("а", "у", "ом", "е", "ы", "ов", "ам", "ами", "ах"),
    "tr": ("lar", "ler", "un", "ün", "ın", "in", "nun", "nin", "su", "sı", "si", "sü", "ip", "ıp", "a", "e", "ı", "i"),
    "hi": ("ों", "े", "ो"),
}
_CLITICS = {"ar": ("ال", "بال", "وال", "لل", "فال", "كال", "ب", "و", "ل", "ف", "ك")}
_COMPOUND_PART = 4
"""A word of the language this long or longer beside the keyword makes a compound (`bull` + `shit`)."""
NOT_BY_CHANCE = frozenset(
    {
        "dipshit", "batshit", "shite", "shittiest", "bullshitting", "motherfucker", "motherfuckers", "motherfucking",
        "motherfuckin", "fucken", "hassiktir", "bescheissen", "scheissegal", "klugscheisser", "हथियारबंद",
    }
)  # fmt: skip
"""Compounds and variants the rules above do not see: profanity all the same."""


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def holds_literally(text: str, keyword: Keyword) -> bool:
    """`keyword` as it is written (whole word where the rule wants one), in `text` as it is written."""
    folded, target = fold(text), fold(keyword.text)
    if not keyword.whole_word:
        return target in folded
    return re.search(rf"(?<!\w){re.escape(target)}(?!\w)", folded) is not None


def _faker_texts() -> Iterator[InnocentText]:
    for locale in FAKER_LOCALES:
        fake = Faker(locale)
        fake.seed_instance(SEED)
        makers = (
            fake.sentence,
            fake.address,
            lambda fake=fake: f"{fake.name()}, {fake.job()}, {fake.company()}",
            lambda fake=fake: fake.text(max_nb_chars=160),
        )
        for n in range(TEXTS_PER_LOCALE):
            yield InnocentText(f"faker:{locale}", makers[n % len(makers)]().replace("\n", ", "))


def _technical_texts() -> Iterator[InnocentText]:
    """Strings that look encoded and are not: hashes, UUIDs, URLs, tokens, base64 of random bytes, IBANs; what a
    decoder must leave alone."""
    fake = Faker("en_US")
    fake.seed_instance(SEED)
    makers = (
        fake.md5, fake.sha1, fake.sha256, fake.uuid4, fake.url, fake.uri, fake.user_agent, fake.file_path,
        lambda: fake.password(length=24), fake.ipv6, fake.mac_address, fake.ean13, fake.iban, fake.hex_color,
        lambda: base64.b64encode(fake.binary(length=24)).decode(), lambda: fake.binary(length=12).hex(),
    )  # fmt: skip
    for n in range(TECHNICAL_TEXTS):
        yield InnocentText("faker:technical", f"my reference is {makers[n % len(makers)]()}")


def _by_chance(word: str, keyword: str, language: str, words: set[str]) -> bool:
    """`word` holds `keyword` (both folded) but is neither it inflected nor it compounded with a word of `words`."""
    at = word.find(keyword)
    before, after = word[:at], word[at + len(keyword) :]
    if word in NOT_BY_CHANCE or (not before and after in _ENDINGS.get(language, ())):
        return False
    if not after and before in _CLITICS.get(language, ()):
        return False
    part = after if not before else before if not after else ""
    return not (len(part) >= _COMPOUND_PART and part in words)


def chance_words(keywords: Iterable[Keyword]) -> Iterator[tuple[Keyword, str]]:
    """wordfreq's words that hold a one-word, whole-word keyword by chance, most frequent first."""
    lists: dict[str, list[str]] = {}
    vocabularies: dict[str, set[str]] = {}
    for keyword in keywords:
        target = fold(keyword.text)
        if not keyword.whole_word or " " in target:
            continue
        if keyword.language not in lists:
            lists[keyword.language] = top_n_list(keyword.language, WORDFREQ_WORDS)
            vocabularies[keyword.language] = set(lists[keyword.language])
        words, vocabulary = lists[keyword.language], vocabularies[keyword.language]
        chosen = [
            word
            for word in words
            if target in word and word != target and _by_chance(word, target, keyword.language, vocabulary)
        ]
        for word in chosen[:WORDS_PER_KEYWORD]:
            yield keyword, word


def texts(keywords: tuple[Keyword, ...], sentences: Iterable[str]) -> Iterator[InnocentText]:
    """Every innocent text, with the ones that hold a keyword literally left out; `sentences` are those the cases
    embed their mutations in, each here with a harmless word instead."""
    candidates = [
        *(InnocentText("sentence", sentence.replace("{x}", "the weather")) for sentence in dict.fromkeys(sentences)),
        *_faker_texts(),
        *_technical_texts(),
        *(InnocentText(f"wordfreq:{keyword.text}", s.replace("{x}", w)) for keyword, w in chance_words(keywords)
          for s in WORD_SENTENCES),
        *(InnocentText("place", s.replace("{x}", place)) for place in PLACES for s in WORD_SENTENCES),
    ]  # fmt: skip
    for candidate in candidates:
        if not any(holds_literally(candidate.text, keyword) for keyword in keywords):
            yield candidate
