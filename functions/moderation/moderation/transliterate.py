"""Keywords in other alphabets, as people write them in Latin letters (docs/evasions.md#other-alphabets).

A keyword in Cyrillic, Greek, Devanagari or kana gets a few whole-word Latin spellings (`блять`: `blyat`, `bljat`,
`blyat'` ...), which the keyword automaton matches like the keyword itself; an Arabic keyword gets consonant
skeletons (`مخدرات`: `m5drt`, `mkhdrt` ...), since Arabic leaves short vowels unwritten and the Latin spelling has
them: a Latin word matches if it is a skeleton with vowels between its letters (`mo5adarat`). Both come from the
letter tables in transliteration_tables.py (generated at development time), read only for such a keyword.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from ahocorasick_rs import AhoCorasick

# Spellings per keyword, the cheapest first (see _spellings): enough for the usual variants, few enough that a
# 10,000-keyword policy compiles fast and stays precise.
MAX_SPELLINGS = 8
# Skeletons per Arabic keyword: more, since its letters have more chat spellings (`ق`: q, 2, 9, k, g) and the
# skeletons are short.
MAX_SKELETONS = 16
_MAX_COST = 4  # the dearest spelling made (see _spellings): enough to fill MAX_SKELETONS for an Arabic keyword
# The precise spellings, matched by default: Latin spellings of at least DEFAULT_MIN_LENGTH letters (shorter romanised
# words are often words of other languages: `suka` is Indonesian, `land` English), and skeletons of at least
# DEFAULT_MIN_SKELETON characters with a digit of the chat alphabet (`sl7`) or DEFAULT_LONG_SKELETON without (letters
# alone are often other words: `hmr` is `humor`, `mrt` `merit`). Rules with `"transliterate": true` match every
# spelling. Measured in docs/evasions.md#other-alphabets.
DEFAULT_MIN_LENGTH = 6
DEFAULT_MIN_SKELETON = 3
DEFAULT_LONG_SKELETON = 5
# Even then: no spelling of fewer than 3 letters, no skeleton of fewer than 3 characters (2 with a digit): `لا` would
# be `l`, any word of one consonant (`le`, `la`), and two letters are still most short words (`ks`: `kiss`, `case`).
MIN_LENGTH = 3

TRANSLITERATED = ("transliterated",)  # the evasion form a match of these spellings names

Unit = tuple[str, ...]  # the spellings of one letter or syllable, most common first

_VIRAMA, _NUKTA = "\u094d", "\u093c"
_DEVANAGARI_SIGNS = "\u0901\u0902\u0903"  # candrabindu, anusvara, visarga: the inherent a before them is spoken
_KANA_LONG = "\u30fc"  # the prolonged sound mark: the vowel before it, long
_KANA_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o"}
_KANA_SMALL_VOWELS = {"ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o"}
# A vowel written twice or a long o/e (`おう`, `えい`): the second is written, left out or (for o) as h.
_KANA_LONG_VOWEL = {("o", "う"): ("u", "", "o", "h"), ("e", "い"): ("i", "")}
VOWELS = "aeiou'"
_VOWELS_DELETED = str.maketrans("", "", VOWELS)


def latin_spellings(keyword: str, *, every: bool) -> list[str]:
    """The Latin spellings of a folded keyword in Cyrillic, Greek, Devanagari or kana (other characters, such as
    spaces, digits or Latin letters, stay as they are), most common first, at most MAX_SPELLINGS; none if it has a
    letter these scripts do not spell (kanji, Thai) or no letter of theirs at all. Unless `every`, only those of
    DEFAULT_MIN_LENGTH letters or more; never those of fewer than MIN_LENGTH."""
    units = _units(keyword) if _spelled_scripts().search(keyword) else None
    if units is None:
        return []
    least = MIN_LENGTH if every else DEFAULT_MIN_LENGTH
    return [spelling for spelling in _spellings(units, MAX_SPELLINGS) if _letters(spelling) >= least]


def arabic_skeletons(keyword: str, *, every: bool) -> list[str]:
    """The consonant skeletons of a folded Arabic keyword (vowels and apostrophes left out, as `skeleton` leaves them
    out of text), at most MAX_SKELETONS; none unless it is all Arabic letters and spaces, and none with a word of
    vowels only (`أيها الوغد` would be ` lwghd`, matching `a laghad`: a word of vowels only is any short word).
    Unless `every`, only the precise ones (see DEFAULT_LONG_SKELETON); never the shortest (see MIN_LENGTH)."""
    if _arabic().search(keyword) is None:
        return []
    table = _tables().ARABIC_CONSONANTS
    units: list[Unit] = []
    for char in keyword:
        if char in table:
            units.append(table[char])
        elif char == " ":
            units.append((" ",))
        else:
            return []
    skeletons = (bare.translate(_VOWELS_DELETED) for bare in _spellings(units, MAX_SKELETONS))
    return [
        bare
        for bare in dict.fromkeys(skeletons)
        if all(any(char.isalpha() for char in word) for word in bare.split(" ")) and _long_enough(bare, every=every)
    ]


def _long_enough(bare: str, *, every: bool) -> bool:
    """Long enough to match (see DEFAULT_LONG_SKELETON, MIN_LENGTH)."""
    letters, digit = _letters(bare), any(char.isdigit() for char in bare)
    if every:
        return letters >= MIN_LENGTH or (digit and letters >= MIN_LENGTH - 1)
    return letters >= DEFAULT_LONG_SKELETON or (digit and letters >= DEFAULT_MIN_SKELETON)


def _letters(spelling: str) -> int:
    return len(spelling) - spelling.count(" ") - spelling.count("'")


def skeleton(text: str) -> str:
    """`text` without vowels and apostrophes, a doubled letter once (Arabic's shadda is not written: `kuss` is `ks`)."""
    return _doubled_letters().sub(r"\1", text).translate(_VOWELS_DELETED)


@cache
def _doubled_letters() -> re.Pattern[str]:
    return re.compile(f"([^{VOWELS}\\W])\\1+")


# The tables are read only for a keyword with a letter of these blocks: Greek, Cyrillic, Devanagari, hiragana and the
# prolonged sound mark (katakana is folded to hiragana), or Arabic.
@cache
def _spelled_scripts() -> re.Pattern[str]:
    return re.compile("[\u0370-\u03ff\u0400-\u04ff\u0900-\u097f\u3041-\u309f\u30fc]")


@cache
def _arabic() -> re.Pattern[str]:
    return re.compile("[\u0600-\u06ff]")


@cache
def _tables():  # type: ignore[no-untyped-def]  # the generated module
    from moderation import transliteration_tables  # noqa: PLC0415 - only for keywords of these scripts

    return transliteration_tables


def _spellings(units: list[Unit], limit: int) -> list[str]:
    """The most common spelling, then the others by cost (a unit's second spelling costs 1, its third 2 ...: `shluha`
    before `shljuha`), up to `limit`."""
    primary = [unit[0] for unit in units]
    spellings = {"".join(primary): None}
    varied = [place for place, unit in enumerate(units) if len(unit) > 1]
    for cost in range(1, _MAX_COST + 1):
        for changes in _changes(units, varied, cost, 0):
            parts = primary.copy()
            for place, rank in changes:
                parts[place] = units[place][rank]
            spellings["".join(parts)] = None
            if len(spellings) >= limit:
                return list(spellings)
    return list(spellings)


def _changes(units: list[Unit], varied: list[int], cost: int, after: int) -> Iterator[list[tuple[int, int]]]:
    """Each choice of other spellings (place, rank) among `varied[after:]` whose ranks add up to `cost`."""
    if cost == 0:
        yield []
        return
    for index in range(after, len(varied)):
        place = varied[index]
        for rank in range(1, min(cost, len(units[place]) - 1) + 1):
            for rest in _changes(units, varied, cost - rank, index + 1):
                yield [(place, rank), *rest]


def _units(keyword: str) -> list[Unit] | None:
    tables = _tables()
    units: list[Unit] = []
    spelled = False
    index = 0
    while index < len(keyword):
        char = keyword[index]
        if char in tables.CYRILLIC:
            units.append(tables.CYRILLIC[char])
            index += 1
        elif keyword[index : index + 2] in tables.GREEK_PAIRS:
            units.append(tables.GREEK_PAIRS[keyword[index : index + 2]])
            index += 2
        elif char in tables.GREEK:
            units.append(tables.GREEK[char])
            index += 1
        elif "\u0900" <= char <= "\u097f":
            index = _devanagari(keyword, index, units)
        elif "\u3041" <= char <= "\u3096" or char == _KANA_LONG:
            index = _kana(keyword, index, units)
        elif char.isascii():
            units.append((char,))
            index += 1
            continue
        else:
            return None
        if index < 0:
            return None
        spelled = True
    return units if spelled else None


def _devanagari(keyword: str, index: int, units: list[Unit]) -> int:
    """Appends the units of the syllable at `index` (a consonant with its vowel, or a vowel or sign); returns where
    the next starts, or -1 for a character the tables do not spell. A consonant without a vowel sign or virama has
    the inherent `a` (see _inherent_a)."""
    table = _tables().DEVANAGARI
    char = keyword[index]
    if char in (_VIRAMA, _NUKTA):
        return index + 1
    if char not in table:
        return -1
    if "\u0915" <= char <= "\u0939":
        return _consonant(keyword, index, units)
    units.append(table[char])  # a vowel, vowel sign or sign
    return index + 1


def _consonant(keyword: str, index: int, units: list[Unit]) -> int:
    table = _tables().DEVANAGARI
    char = keyword[index]
    consonant = table[char]
    index += 1
    following = keyword[index : index + 1]
    if following == _NUKTA:
        consonant = _tables().DEVANAGARI_NUKTA.get(char, consonant)
        index += 1
        following = keyword[index : index + 1]
    units.append(consonant)
    if following == _VIRAMA:
        return index + 1
    if following and following in table and not ("\u0915" <= following <= "\u0939"):
        if following in _DEVANAGARI_SIGNS or "\u0905" <= following <= "\u0914":
            units.append(("a",))  # the inherent a, then the sign (or a vowel of its own)
            return index
        units.append(table[following])  # a vowel sign
        return index + 1
    units.append(_inherent_a(keyword, index))
    return index


def _inherent_a(keyword: str, index: int) -> Unit:
    """The inherent a of the consonant before `index`, by Hindi's schwa deletion: kept in a word's first syllable,
    usually dropped at its end and before a consonant with a vowel sign (`भेनचोद`: `bhenchod`, but `ज़हर`: `zahar`);
    where dropped, the spelling with it comes too."""
    start = index - 1 - (keyword[index - 1] == _NUKTA)
    first = start == 0 or not ("\u0900" <= keyword[start - 1] <= "\u097f")
    following = keyword[index : index + 1]
    if not ("\u0900" <= following <= "\u097f"):
        return ("a",) if first else ("", "a")
    after_next = keyword[index + 1 : index + 3].replace(_NUKTA, "")[:1]
    next_vowelled = (
        after_next != _VIRAMA and "\u0900" <= after_next <= "\u097f" and not "\u0915" <= after_next <= "\u0939"
    )
    return ("", "a") if next_vowelled and not first else ("a",)


def _kana(keyword: str, index: int, units: list[Unit]) -> int:
    """Appends the unit of the kana syllable at `index` (with a small ya/yu/yo or vowel after it: `きゃ` kya, `しゃ`
    sha/sya; after a small tsu, its consonant doubled: `っか` kka, `っち` tchi); returns where the next starts."""
    table = _tables().KANA
    char = keyword[index]
    vowel = units[-1][0][-1:] if units and units[-1][0] else ""
    if char == _KANA_LONG:
        units.append(("", vowel) if vowel and vowel in "aeiou" else ("",))
        return index + 1
    if char == "っ":
        following = keyword[index + 1 : index + 2]
        if following and following in table:
            index = _kana(keyword, index + 1, units)
            units[-1] = tuple(dict.fromkeys(_doubled(spelling) for spelling in units[-1]))
            return index
        units.append(("",))
        return index + 1
    return _syllable(keyword, index, units, vowel) if char in table else -1


def _syllable(keyword: str, index: int, units: list[Unit], vowel: str) -> int:
    """A kana and the small ya/yu/yo or vowel after it; a vowel after the same vowel (or `う` after o) may be long."""
    char = keyword[index]
    spellings = _tables().KANA[char]
    following = keyword[index + 1 : index + 2]
    if following in _KANA_SMALL_Y and spellings[0].endswith("i") and len(spellings[0]) > 1:
        small = _KANA_SMALL_Y[following]
        units.append(tuple(dict.fromkeys(_with_small_y(spelling[:-1], small) for spelling in spellings)))
        return index + 2
    if following in _KANA_SMALL_VOWELS and len(spellings[0]) > 1:
        units.append((spellings[0][:-1] + _KANA_SMALL_VOWELS[following],))
        return index + 2
    if (vowel, char) in _KANA_LONG_VOWEL:
        units.append(_KANA_LONG_VOWEL[vowel, char])
    elif len(spellings[0]) == 1 and spellings[0] == vowel:  # the same vowel twice: `ああ`, `いい`
        units.append((vowel, ""))
    else:
        units.append(spellings)
    return index + 1


def _with_small_y(stem: str, vowel: str) -> str:
    return stem + vowel if stem.endswith(("sh", "ch", "j")) else stem + "y" + vowel


def _doubled(spelling: str) -> str:
    if spelling.startswith("ch"):
        return "t" + spelling
    return spelling[0] + spelling if spelling[:1] not in ("", *"aeiou") else spelling


class Skeletons:
    """Finds Latin words that are one of the skeletons with vowels (a, e, i, o, u, apostrophes: at most two together)
    between, before or after its letters, and at least one vowel: `sila7` and `sla7` are `sl7`, `slh` is no word."""

    __slots__ = ("_automaton",)

    def __init__(self, skeletons: list[str]) -> None:
        self._automaton = AhoCorasick(skeletons)

    def find(self, folded: str) -> Iterator[tuple[int, int, int]]:
        """(skeleton number, start, end) of each such whole word in a folded text."""
        bare = skeleton(folded)
        kept: list[int] | None = None  # where each character of `bare` is in `folded`, made on the first match
        for number, start, end in self._automaton.find_matches_as_indexes(bare, overlapping=True):
            if (start > 0 and bare[start - 1].isalnum()) or (end < len(bare) and bare[end].isalnum()):
                continue
            if kept is None:
                kept = [
                    place
                    for place, char in enumerate(folded)
                    if char not in VOWELS and not (place > 0 and char == folded[place - 1] and char.isalnum())
                ]
            first, last = kept[start], kept[end - 1] + 1
            while last < len(folded) and (folded[last] in VOWELS or folded[last] == folded[last - 1]):
                last += 1
            while first > 0 and folded[first - 1] in VOWELS:
                first -= 1
            if _vowelled(folded[first:last]):
                yield number, first, last


def _vowelled(word: str) -> bool:
    """`word` has a vowel and no more than two together (a word with none is an abbreviation: `mrt`)."""
    runs = _vowel_runs().findall(word)
    return bool(runs) and all(len(run) <= 2 for run in runs)


@cache
def _vowel_runs() -> re.Pattern[str]:
    return re.compile(f"[{VOWELS}]+")
