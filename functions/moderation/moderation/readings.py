"""Every reading a keyword match may need, by the name it has in a match's `evasions` (docs/evasions.md): what it
reads, the precision rule that keeps ordinary text from matching, and examples of both, which
tests/unit/test_moderation_readings.py holds the matcher to. `make moderate` explains a match's readings from here.

Data only: normalize.py, evasions.py, accents.py and matcher.py do the reading.
"""

# ruff: noqa: RUF001 - look-alike letters are what some examples are about

from __future__ import annotations

from typing import NamedTuple


class Example(NamedTuple):
    """`text` against a rule with the one keyword `keyword` (whole word or not, and the rule's `options`)."""

    keyword: str
    text: str
    whole_word: bool = True
    options: tuple[tuple[str, object], ...] = ()


class ReadingSpec(NamedTuple):
    name: str
    reads: str
    rule: str
    caught: tuple[Example, ...]
    spared: tuple[Example, ...] = ()


SHORT_KEYWORDS = (Example("no", "nooo"), Example("no", "🇳🇴"), Example("ak", "4k video"), Example("no", "ＮＯ"))
"""Keywords of one or two letters match only as written, case aside: no reading applies (docs/evasions.md)."""

READINGS: tuple[ReadingSpec, ...] = (
    ReadingSpec(
        "width",
        "full-width, mathematical and enclosed letters",
        "",
        (Example("bad", "Ｂａｄ"), Example("bad", "𝐛𝐚𝐝"), Example("bad", "🅑🅐🅓")),
    ),
    ReadingSpec("invisible", "invisible characters ignored", "", (Example("bad", "b\u200bad"),)),
    ReadingSpec(
        "bidi",
        "a right-to-left override's text, as displayed and as typed",
        "",
        (Example("bad", "say \u202edab\u202c now"),),
    ),
    ReadingSpec(
        "marks",
        "decoration: marks that compose with no letter (Zalgo), Arabic harakat and tatweel",
        "",
        (Example("contraband", "co\u0345ntraband"), Example("shit", "s\u0336h\u0336i\u0336t\u0336")),
    ),
    ReadingSpec(
        "accents",
        "an accent on a keyword letter that has none",
        "only in text written without accents (8+ Latin letters around, none accented), keywords of 4+ letters",
        (Example("shit", "you are such a shít, really"),),
        (Example("sie", "się"), Example("cok", "Çok az parametre"), Example("meme", "même")),
    ),
    ReadingSpec(
        "dotless_i",
        "a dotless ı for i",
        "only outside Turkish text (no ı, İ, ş, ğ around), keywords of 4+ letters",
        (Example("shit", "shıt"),),
        (Example("adi", "adı"), Example("siktir", "bu sıktır dedi ve kaşığı aldı")),
    ),
    ReadingSpec(
        "capitals",
        "Greek capitals without the keyword's accents",
        "",
        (Example("ναρκωτικά", "ΝΑΡΚΩΤΙΚΑ"),),
    ),
    ReadingSpec(
        "umlaut",
        "a keyword's ä, ö, ü written ae, oe, ue",
        "a keyword's own accents are never dropped otherwise",
        (Example("mörder", "Moerder"),),
        (Example("mörder", "morder"),),
    ),
    ReadingSpec(
        "transcribed",
        "a keyword's å, æ, ø written aa, ae, oe",
        "",
        (Example("hård", "haard"),),
        (Example("hård", "hard"),),
    ),
    ReadingSpec(
        "eszett",
        "ß for ss, or a keyword's ß written ss",
        "ß for ss only in German keywords (ä, ö, ü, ß) or keywords of 5+ letters",
        (Example("scheisse", "so eine Scheiße"), Example("scheiße", "Scheisse")),
        (Example("ass", "Er aß einen Apfel."),),
    ),
    ReadingSpec(
        "kana",
        "katakana for hiragana or the reverse",
        "only a whole run of one kana script",
        (Example("ばか", "お前はバカだ", whole_word=False),),
        (Example("なめ", "トーナメント", whole_word=False), Example("ノブ", "未割当のブロック", whole_word=False)),
    ),
    ReadingSpec(
        "chinese_variant",
        "Traditional for Simplified Chinese characters or the reverse",
        "",
        (Example("赌博", "賭博", whole_word=False),),
    ),
    ReadingSpec(
        "joined",
        "a phrase's words written together or joined by _ or -",
        "",
        (Example("ignore previous instructions", "ignore_previous_instructions"),),
    ),
    ReadingSpec(
        "spaces",
        "any run of white space between a phrase's words",
        "",
        (Example("ignore previous instructions", "ignore\u2028previous  instructions"),),
    ),
    ReadingSpec(
        "separated",
        "letters spelled apart",
        "single letters only, across gaps alike, keywords of 3+ letters, a whole word inside a run only beside a "
        "one-letter word, no printf placeholder",
        (Example("bad", "b.a.d"), Example("shit", "s!h!i!t"), Example("shit", "what a s h i t")),
        (Example("ass", "C L A S S"), Example("ya", "il y a"), Example("ass", "Connexion à %s (%s)")),
    ),
    ReadingSpec(
        "split",
        "a word's pieces joined by Markdown emphasis, underscores or a hyphenated line break",
        "only between letters, keywords of 3+ letters",
        (Example("shit", "sh**it"), Example("cocaine", "co-\ncaine")),
        (Example("shit", "push_it"),),
    ),
    ReadingSpec(
        "leetspeak",
        "digits and symbols for letters",
        "two real letters (or one, with one digit or in keywords of 4+ letters), keywords of 3+ letters, no number "
        "with its unit, no e-mail address's @",
        (Example("shit", "$h1t"), Example("shit", "5h17")),
        (Example("bomb", "a disk of 80MB"), Example("analima", "ana@lima.com", whole_word=False)),
    ),
    ReadingSpec(
        "repeated",
        "a letter repeated",
        "three or more for one; a doubled letter for one only in keywords of 6+ letters",
        (Example("bad", "baaaad"), Example("contraband", "conntraband")),
        (Example("god", "good"),),
    ),
    ReadingSpec(
        "transliterated",
        "a Latin spelling of a keyword in Cyrillic, Greek, Devanagari, Arabic or kana",
        "by default only spellings of 6+ letters and Arabic skeletons of 5+ (3+ with a chat digit), as whole words; "
        "a rule's transliterate: true for all",
        (Example("हथियार", "mujhe hathiyar do"), Example("مخدرات", "fi mo5adarat hon")),
        (Example("сука", "saya suka makan nasi"),),
    ),
    ReadingSpec(
        "censored",
        "letters starred out (variants.py)",
        "only with `*`, the first letter kept: the first vowel or all inner letters",
        (Example("shit", "sh*t"), Example("fuck", "f*ck you"), Example("fuck", "f**k")),
    ),
    ReadingSpec(
        "vowelless",
        "the keyword without its vowels, 4+ letters left",
        "3 letters left is opt-in (short_vowelless): `and`, `cnt`, `dvd` are words or codes",
        (Example("bitch", "btch"),),
    ),
    ReadingSpec(
        "short_vowelless",
        "the keyword without its vowels, 3 letters left (a rule's variants: [short_vowelless])",
        "opt-in: +0.18% of innocent items flagged on real text",
        (Example("fuck", "fck", options=(("variants", ["short_vowelless"]),)),),
        (Example("fuck", "fck"),),
    ),
    ReadingSpec(
        "lookalikes",
        "symbols for b and c (`|3`, `l3`, `(`), in keywords of 3+ letters",
        "`(` never first",
        (Example("bitch", "|3itch"),),
    ),
    ReadingSpec(
        "letter_pairs",
        "two letters for one: rn for m, vv for w, cl for d, ph for f (a rule's variants: [letter_pairs])",
        "opt-in: every such match is an ordinary word somewhere (`click`, `burn`)",
        (Example("murder", "rnurder", options=(("variants", ["letter_pairs"]),)),),
        (Example("dick", "click"),),
    ),
    ReadingSpec(
        "stretched",
        "a kana vowel stretched with ー, 〜 or ～ (hiragana keywords)",
        "",
        (Example("ばか", "ばーか", whole_word=False), Example("ばか", "バーカ", whole_word=False)),
    ),
    ReadingSpec(
        "rot13",
        "a Latin keyword of 6+ letters in ROT13, anywhere (decoders: whole texts where a word names the cipher)",
        "keywords of 5 letters or less: short ciphered words are words (`wrong` is ROT13 of `jebat`)",
        (Example("cocaine", "what does pbpnvar mean"),),
        (Example("jebat", "that is wrong"),),
    ),
    ReadingSpec(
        "atbash",
        "a Latin keyword of 6+ letters in Atbash, anywhere (decoders: whole texts where a word names the cipher)",
        "keywords of 5 letters or less (`bzip` is Atbash of `yark`)",
        (Example("cocaine", "buy xlxzrmv"),),
    ),
    ReadingSpec(
        "typo",
        "one letter inserted, deleted, replaced or two swapped (a rule's typos: 1)",
        "opt-in; words of 8+ letters, or 4+ in phrases of 3+ words, first and last letters kept",
        (
            Example(
                "ignore previous instructions",
                "ignroe previous instructions",
                options=(("typos", 1),),
            ),
        ),
        (Example("ignore previous instructions", "ignroe previous instructions"),),
    ),
    ReadingSpec(
        "confusable",
        "look-alike letters of other scripts",
        "a word that mixes scripts, or of one script in text of another with letters that look alike as written",
        (Example("contraband", "buy соntrаbаnd now"), Example("meth", "buy ΜΕΤΗ now")),
        (Example("cop", "сор"), Example("meth", "the word μετη is greek")),
    ),
)
"""In the order docs/evasions.md gives them."""

BY_NAME = {reading.name: reading for reading in READINGS}


def explain(name: str) -> str:
    """One line on what the reading `name` read (`name` itself if it is none of these, e.g. a decoding's)."""
    reading = BY_NAME.get(name)
    return name if reading is None else f"{name}: {reading.reads}"
