"""When a written letter may stand for a keyword's letter that the folded view made equal to it: accents, Turkish i,
German sharp s. The folded view drops accents (`się` reads `sie`), so every keyword match is checked here, letter
by letter against the original text, before it counts:

- a letter written as the keyword writes it (after case folding and NFC) matches: `Mörder` for `mörder`;
- decoration matches: marks that compose with nothing (Zalgo's `b̸̢`, `co\u0345ntraband`) and Arabic harakat;
- a keyword's accent is kept: `öl` does not match `ol`, `hård` not `hard`, `mörder` not `morder` (the language's
  standard substitutes are spellings of their own, see matcher.py: `moerder`, `haard`); Greek capitals, written
  without accents by convention, are the exception (`ΝΑΡΚΩΤΙΚΑ` for `ναρκωτικά`);
- an accent in the text on a keyword letter that has none is that language's spelling of another word (`się` is not
  `sie`, `çok` not `cok`, `même` not `meme`) unless the text around is written without accents, so that the accent
  decorates the word (`you are a shít`: `accent_decorates` decides), and the keyword has MIN_ACCENTED letters;
- a kana keyword matches the other kana script's spelling where that is a whole run of one script (`kana_run`);
- the dotless `ı` is a letter of its own (Turkish `adı` is not `adi`), which stands for `i` only outside Turkish
  text, in keywords of MIN_ACCENTED letters (`shıt`, `ignore prevıous instructions`: `dotless_decorates`); only the
  capital `I` may stand for a keyword's `ı` (Turkish `KILIÇ` is `kılıç`);
- `ß` stands for the `ss` of a German keyword (one with `ä`, `ö`, `ü` or `ß`), or of any keyword of LONG_ESZETT
  letters or more (`Scheiße` for `scheisse`), not for the `ss` of a short keyword of another language (`aß` is not
  `ass`); a keyword's `ß` may be written `ss`.
"""

# ruff: noqa: RUF001, RUF002, RUF003 - accented letters are what this module is about

from __future__ import annotations

import re
from functools import cache, lru_cache

from moderation.normalize import DROPPED_MARKS, has_ignored, ignored_characters

SAME, DECORATED, ACCENTED, ESZETT, CAPITALS, KANA, DOTLESS, LOOSE, REFUSED = range(9)
"""How a written letter stands for a keyword's letter: as it is, with decoration, with an accent the keyword letter
lacks (allowed only where accents decorate: accent_decorates), with `ß` for `ss` or the reverse, as a Greek capital
without the keyword letter's accent, in the other kana script (allowed only for whole runs: kana_run), as a dotless
`ı` for `i` (allowed only outside Turkish text: dotless_decorates), as a look-alike only in another case (the small
Greek `μ` for `m`, whose capital `Μ` looks like `M`: allowed only in a word that mixes scripts), or not at all."""

MIN_ACCENTED = 4
"""Letters a keyword needs before an accent in the text may decorate it: the short ones are other languages' words
(`cok` is Turkish `çok`, `sie` Polish `się`, `jiz` Czech `již`, `bar` Gaelic `bàr`)."""

LONG_ESZETT = 5
"""Letters from which any keyword's `ss` may be written `ß`."""

CONTEXT_WINDOW = 200
"""Characters either side of a word that say whether its text is written with accents."""

MIN_CONTEXT_LETTERS = 8
"""Latin letters the text around a word needs before it can say that accents decorate the word."""

_CAPITAL_I = ("I", "ɪ")  # and the small capital: either may be Turkish `ı` in capitals
_DOTLESS_I = "ı"


@cache
def _dropped() -> re.Pattern[str]:
    return re.compile(f"[{DROPPED_MARKS}]")


@lru_cache(maxsize=4096)
def letter(cluster: str) -> tuple[str, bool]:
    """The letter `cluster` writes (case-folded, with the accents that compose with it into one character), and
    whether marks that compose with nothing decorated it (they are left out of the letter)."""
    import unicodedata  # noqa: PLC0415 - only for text that is not ASCII

    if cluster.isascii():
        return cluster.lower(), False
    if cluster == "İ":  # Turkish capital dotted i: the dot is the letter's own
        return "i", False
    if has_ignored(cluster):
        ignored = ignored_characters()
        cluster = "".join(char for char in cluster if char not in ignored)
    # Decoration goes before case folding too: U+0345 would fold to a letter (iota).
    composed = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", cluster))
    kept = _dropped().sub("", composed)
    folded = unicodedata.normalize("NFC", kept.casefold())
    return _dropped().sub("", folded), kept != composed


@lru_cache(maxsize=4096)
def _base(written: str) -> str:
    """`written` (a letter) without its accents: `é` -> `e`, `ı` -> `i`."""
    import unicodedata  # noqa: PLC0415 - only for text that is not ASCII

    if written == _DOTLESS_I:
        return "i"
    decomposed = unicodedata.normalize("NFD", written)
    return _dropped().sub("", decomposed) or written


@cache
def _as_written() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Each letter as written -> the letters (case folded) it imitates in that case; and the Latin letters that
    imitate a basic one, which the folded view reads as that letter (small capitals, `ɑ`)."""
    from moderation import evasion_tables  # noqa: PLC0415 - only for text that is not ASCII

    # A look-alike of a Latin look-alike (Cyrillic `в` of the small capital `ʙ`) imitates that one's letter (`b`).
    latin_letter = dict(zip(evasion_tables.LATIN_LOOKALIKE_FROM, evasion_tables.LATIN_LOOKALIKE_TO, strict=True))
    imitated: dict[str, set[str]] = {}
    for written, letter_ in zip(evasion_tables.AS_WRITTEN_FROM, evasion_tables.AS_WRITTEN_TO, strict=True):
        imitated.setdefault(written, set()).update({letter_, latin_letter.get(letter_, letter_)})
    latin = frozenset(latin_letter) | {_DOTLESS_I.upper(), *_CAPITAL_I}
    return {written: frozenset(letters) for written, letters in imitated.items()}, latin


def _look_alike(written: str, wanted: str) -> int:
    """A letter of another script (or a leet symbol) stands for the keyword's letter `wanted`: SAME for a look-alike
    in the case it is written (the capital `Μ` looks like `M`), LOOSE for one only in another case (the small `μ`: a
    Greek `μετη` is no `meth`, a mixed `μeth` is). Leet symbols and Latin look-alikes are judged by the evasion
    checks."""
    imitated, latin = _as_written()
    char = written[0]
    if char.isascii() and not char.isalpha():
        return SAME  # a leet symbol
    if char in latin or char.casefold() in latin:
        return SAME
    if char not in imitated and char.casefold() not in imitated and char.upper() not in imitated:
        return SAME  # no look-alike: another form the folded view reads (kana, compatibility forms)
    target = letter(wanted)[0]
    return SAME if target in imitated.get(char, ()) else LOOSE


@lru_cache(maxsize=8192)
def compare(written: str, keyword: str) -> int:
    """How the text's cluster `written` stands for the keyword's cluster `keyword` (both the original characters of
    one folded letter): one of SAME ... REFUSED above."""
    if written == keyword or (written.isascii() and keyword.isascii()):
        return SAME
    text, decorated = letter(written)
    wanted, _ = letter(keyword)
    # A decorated letter is decorated whole: Zalgo's marks that compose (`ș̈́ͣ`) are no accent of a language.
    if text == wanted or (decorated and len(text) == len(wanted) == 1 and _base(text) == _base(wanted)):
        return DECORATED if decorated else SAME
    if _DOTLESS_I in (text, wanted) or "ss" in (text, wanted):
        return _two_letters(written, text, wanted)
    if len(text) != 1 or len(wanted) != 1:
        return SAME  # a ligature or other compatibility form (`ﬁ`): the folded view read it
    if _base(text) != _base(wanted):
        return KANA if _other_kana(text, wanted) else _look_alike(written, wanted)
    return _accents(written, text, wanted)


def _other_kana(text: str, wanted: str) -> bool:
    """`text` is the other kana script's spelling of `wanted` (katakana `バ` for hiragana `ば` or the reverse)."""
    return _kana_script(text) not in (None, _kana_script(wanted)) and _kana_script(wanted) is not None


def _two_letters(written: str, text: str, wanted: str) -> int:
    """`ı` and `i` are two letters: the capital `I` may be either, and `ı` stands for a keyword's `i` as an accent
    would, where accents decorate (`prevıous` in English text); `ß` (folded `ss`) may stand for one `s` of a
    keyword's `ss`, and the reverse."""
    if _DOTLESS_I in (text, wanted):
        if wanted == _DOTLESS_I:
            return SAME if written in _CAPITAL_I else REFUSED
        return DOTLESS if text == _DOTLESS_I and wanted == "i" else REFUSED
    return ESZETT if {text, wanted} == {"ss", "s"} else REFUSED


def _accents(written: str, text: str, wanted: str) -> int:
    """The letter `text` (of the cluster `written`) for the keyword's `wanted`, the same letter with other accents."""
    base = _base(text)
    if wanted == base:
        return ACCENTED if text != base else SAME
    greek_capital = written.isupper() and "\u0370" <= written[0] <= "\u03ff"
    return CAPITALS if text == base and greek_capital else REFUSED  # Greek capitals are written without accents


def _kana_script(char: str) -> str | None:
    if "\u3041" <= char <= "\u309f":
        return "hiragana"
    if "\u30a0" <= char <= "\u30ff" or "\uff66" <= char <= "\uff9f":
        return "katakana"
    return None


def kana_run(text: str, start: int, end: int) -> bool:
    """The kana of `text[start:end]` (a match written in the other kana script than its keyword) are a whole run of
    one script: not kana of two scripts (`のブ` in `のブロック` is a particle and a word), nor part of a longer run of
    its script (`ナメ` in `トーナメント`): short kana keywords lie inside other words of the other script. The prolonged
    sound mark `ー` belongs to either."""
    scripts = {_kana_script(char) for char in text[start:end] if char != "ー"} - {None}
    if len(scripts) != 1:
        return len(scripts) == 0
    (script,) = scripts

    def same(char: str) -> bool:
        return char == "ー" or _kana_script(char) == script

    return not ((start > 0 and same(text[start - 1])) or (end < len(text) and same(text[end])))


def german(keyword: str) -> bool:
    """The keyword is German by its letters (`ä`, `ö`, `ü`, `ß`), or long enough that `ß` for its `ss` is no other
    word (LONG_ESZETT)."""
    return any(char in "äöüßẞ" for char in keyword.lower()) or len(keyword.replace(" ", "")) >= LONG_ESZETT


@cache
def _latin_letter() -> re.Pattern[str]:
    return re.compile(r"[a-zA-Z\u00c0-\u024f\u1e00-\u1eff]")


def accent_decorates(text: str, word: tuple[int, int]) -> bool:
    """An accent in the word `text[word]` (the original text) decorates it: the text around is written in
    Latin letters without accents, at least MIN_CONTEXT_LETTERS of them, so its language does not use them
    (`you are a shít`). With fewer letters around, or an accented letter among them, the accent is the word's
    spelling (`się`, `Er hat es gemacht, çok`)."""
    letters = _latin_letter().findall(_around(text, *word))
    return len(letters) >= MIN_CONTEXT_LETTERS and all(char.isascii() for char in letters)


@cache
def _turkish() -> re.Pattern[str]:
    return re.compile("[ıİşŞğĞ]")


def dotless_decorates(text: str, start: int, end: int) -> bool:
    """The dotless `ı` of the match `text[start:end]` stand for `i`: no letter of Turkish's own (`ı`, `İ`, `ş`, `ğ`)
    within CONTEXT_WINDOW characters around it (`shıt` alone, `please ignore prevıous ınstructıons`; not `Benim adı
    Ali ve senin adın ne`)."""
    return _turkish().search(_around(text, start, end)) is None


def _around(text: str, start: int, end: int) -> str:
    """The text within CONTEXT_WINDOW characters before and after `text[start:end]`, a space between."""
    return text[max(0, start - CONTEXT_WINDOW) : start] + " " + text[end : end + CONTEXT_WINDOW]
