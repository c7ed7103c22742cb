# ruff: noqa: RUF001 - letters of other scripts are what this is about
"""Writes moderation/transliteration_tables.py: per letter of Cyrillic, Greek, Devanagari, Arabic and kana, the Latin
spellings people write it with, most common first. The standard romanisations come from the pinned dev packages
`anyascii` (ISC) and `cyrtranslit` (MIT: Russian, Ukrainian, Belarusian, Bulgarian); the chat conventions below (the
Arabic chat alphabet's digits, Greeklish, Russian `j` for `ж`, Hindi `ee` for `ी`) are added to them.

Run `.venv/bin/python functions/moderation/generate_transliteration_tables.py && .venv/bin/ruff format
functions/moderation/moderation/transliteration_tables.py` after changing a pin or the conventions; a test fails
while the committed tables differ from what this computes. Not part of the function package.
"""

from __future__ import annotations

import sys
import unicodedata
from importlib import metadata
from pathlib import Path

import cyrtranslit  # type: ignore[import-untyped]  # ships no type hints
from anyascii import anyascii

TABLES = Path(__file__).resolve().parent / "moderation" / "transliteration_tables.py"

# Cyrillic letters of Russian, Ukrainian, Belarusian, Bulgarian, Serbian and Macedonian (lower case).
_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўђјљњћџѓќѕ"
_CYRTRANSLIT_LANGUAGES = ("ru", "ua", "by", "bg")

# Chat spellings beyond the standard romanisations (most common first, after the standard ones).
_CYRILLIC_CHAT = {
    "в": ("w",),
    "г": ("h",),
    "е": ("ye", "je"),
    "ё": ("yo", "jo", "e"),
    "ж": ("zh", "j", "g"),
    "и": ("y",),
    "й": ("y", "i", "j"),
    "х": ("kh", "h", "x"),
    "ц": ("ts", "c", "tz"),
    "ч": ("ch", "4"),
    "ш": ("sh",),
    "щ": ("shch", "sch", "sh"),
    "ъ": ("", "'"),
    "ы": ("y", "i"),
    "ь": ("", "'"),
    "э": ("e",),
    "ю": ("yu", "u", "ju", "iu"),
    "я": ("ya", "ja", "ia"),
    "є": ("ye", "je"),
    "ї": ("yi", "ji", "i"),
}

_GREEK = "αβγδεζηθικλμνξοπρστυφχψω"
_GREEK_CHAT = {
    "β": ("b",),
    "γ": ("gh", "y"),
    "δ": ("dh",),
    "η": ("h", "e"),
    "θ": ("8", "u"),
    "ξ": ("ks", "3"),
    "υ": ("i", "u"),
    "φ": ("ph",),
    "χ": ("x", "h", "kh"),
    "ω": ("w",),
}
# Pairs of Greek letters written as one sound.
GREEK_PAIRS = {
    "ου": ("ou", "u"),
    "αι": ("ai", "e"),
    "ει": ("ei", "i"),
    "οι": ("oi", "i"),
    "αυ": ("av", "af", "au"),
    "ευ": ("ev", "ef", "eu"),
    "μπ": ("mp", "b"),
    "ντ": ("nt", "d"),
    "γγ": ("ng", "gg"),
    "γκ": ("gk", "g", "nk"),
}

# Devanagari: consonants without their inherent `a` (anyascii spells them so), vowel signs, vowels, other signs.
_DEVANAGARI = (
    "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह"  # consonants
    "ािीुूृेैोौॉॅ"  # vowel signs
    "अआइईउऊऋएऐओऔऑ"  # vowels
    "ंःँ"  # anusvara, visarga, candrabindu
)
# Chat spellings first here: Hindi chat writes `ch`, `sh`, `aa`, `ee` more than the scholarly `c`, `ś`, `ā`, `ī`.
_DEVANAGARI_CHAT = {
    "क": ("k", "q"),
    "च": ("ch", "c"),
    "छ": ("chh", "ch"),
    "ज": ("j", "z"),
    "फ": ("ph", "f"),
    "व": ("v", "w"),
    "श": ("sh", "s"),
    "ष": ("sh", "s"),
    "ा": ("a", "aa"),
    "आ": ("a", "aa"),
    "ी": ("i", "ee"),
    "ई": ("i", "ee"),
    "ू": ("u", "oo"),
    "ऊ": ("u", "oo"),
    "ृ": ("ri", "ru"),
    "ऋ": ("ri", "ru"),
    "ै": ("ai", "e"),
    "ऐ": ("ai", "e"),
    "ौ": ("au", "ou", "o"),
    "औ": ("au", "ou", "o"),
    "ॉ": ("o",),
    "ऑ": ("o",),
    "ॅ": ("e", "ai"),
    "ं": ("n", "m"),
    "ँ": ("n", ""),
    "ः": ("h", ""),
}
# A consonant with a nukta below (NFKC writes `क़` as `क` + nukta): the sound it then has.
DEVANAGARI_NUKTA = {
    "क": ("q", "k"),
    "ख": ("kh",),
    "ग": ("gh", "g"),
    "ज": ("z", "j"),
    "ड": ("d", "r"),
    "ढ": ("dh", "rh"),
    "फ": ("f", "ph"),
}

# Arabic, Persian and Urdu letters as the Arabic chat alphabet and Roman Urdu write them, vowels left out: short vowels
# are not written in Arabic script, so a Latin spelling is matched by its consonants (see moderation/transliterate.py).
# `""` first where the letter is mostly a vowel or silent (alef, final ta marbuta); the digits are the chat alphabet's.
ARABIC_CONSONANTS = {
    "ا": ("",),
    "آ": ("", "2"),
    "أ": ("", "2"),
    "إ": ("", "2"),
    "ء": ("", "2"),
    "ئ": ("", "2", "y"),
    "ؤ": ("", "2", "w"),
    "ب": ("b",),
    "ت": ("t",),
    "ث": ("th", "s", "t"),
    "ج": ("j", "g", "dj"),
    "ح": ("7", "h"),
    "خ": ("5", "kh", "x", "7'"),
    "د": ("d",),
    "ذ": ("th", "z", "dh", "d"),
    "ر": ("r",),
    "ز": ("z",),
    "س": ("s",),
    "ش": ("sh", "ch"),
    "ص": ("s", "9"),
    "ض": ("d", "dh", "9'"),
    "ط": ("t", "6"),
    "ظ": ("z", "dh", "th", "6'"),
    "ع": ("3", ""),
    "غ": ("gh", "3'", "8"),
    "ف": ("f",),
    "ق": ("q", "2", "9", "k", "g"),
    "ك": ("k",),
    "ل": ("l",),
    "م": ("m",),
    "ن": ("n",),
    "ه": ("h", ""),
    "و": ("w", ""),
    "ي": ("y", ""),
    "ى": ("",),
    "ة": ("", "h", "t"),
    "پ": ("p",),
    "چ": ("ch",),
    "ژ": ("zh", "j"),
    "گ": ("g",),
    "ک": ("k",),
    "ی": ("y", ""),
    "ٹ": ("t",),
    "ڈ": ("d",),
    "ڑ": ("r", "d"),
    "ں": ("n", ""),
    "ھ": ("h", ""),
    "ہ": ("h", ""),
    "ۃ": ("", "t", "h"),
    "ے": ("", "y"),
}

# Kana (katakana is folded to hiragana first): Hepburn as anyascii gives it, then Kunrei/Nihon-shiki spellings.
_KANA = "".join(chr(code) for code in range(0x3041, 0x3095))
_KANA_CHAT = {
    "し": ("si",),
    "ち": ("ti",),
    "つ": ("tu",),
    "ふ": ("hu",),
    "じ": ("zi",),
    "ぢ": ("di",),
    "づ": ("du",),
    "を": ("wo",),
    "ん": ("m",),
}


def _merged(*spellings: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(spelling for group in spellings for spelling in group))


def _standard(char: str) -> str:
    return anyascii(char).lower().replace("`", "")


def cyrillic() -> dict[str, tuple[str, ...]]:
    table = {}
    for char in _CYRILLIC:
        others = [cyrtranslit.to_latin(char, language).lower() for language in _CYRTRANSLIT_LANGUAGES]
        standard = [
            _standard(char).replace("'", ""),
            *(other for other in others if other.isascii() and "'" not in other),
        ]
        table[char] = _merged(standard[:1], _CYRILLIC_CHAT.get(char, ()), standard[1:])
    return table


def greek() -> dict[str, tuple[str, ...]]:
    return {char: _merged([_standard(char)], _GREEK_CHAT.get(char, ())) for char in _GREEK}


def devanagari() -> dict[str, tuple[str, ...]]:
    return {char: _merged(_DEVANAGARI_CHAT.get(char, ()), [_standard(char)]) for char in _DEVANAGARI}


def kana() -> dict[str, tuple[str, ...]]:
    return {char: _merged([_standard(char)], _KANA_CHAT.get(char, ())) for char in _KANA}


def _table(name: str, comment: str, table: dict[str, tuple[str, ...]]) -> str:
    unfolded = [char for char in table if unicodedata.normalize("NFKC", char) != char]
    if unfolded:  # keywords are compared folded: such a letter would never be looked up
        raise ValueError(f"{name}: not in NFKC: {unfolded}")
    body = "".join(f"    {char!r}: {spellings!r},\n" for char, spellings in table.items())
    return f"# {comment}\n{name}: dict[str, tuple[str, ...]] = {{\n{body}}}\n"


def render() -> str:
    anyascii_version, cyrtranslit_version = metadata.version("anyascii"), metadata.version("cyrtranslit")
    return "".join(
        [
            "# ruff: noqa: RUF001 - letters of other scripts are what these tables are about\n\n"
            '"""Generated by functions/moderation/generate_transliteration_tables.py: do not edit.\n\n'
            f"Standard romanisations from PyPI anyascii=={anyascii_version} and cyrtranslit=={cyrtranslit_version}, "
            "then chat spellings.\nEach letter (folded: lower case, katakana as hiragana) -> its Latin spellings, "
            'most common first.\n"""\n\n',
            f'SOURCES = "anyascii {anyascii_version}, cyrtranslit {cyrtranslit_version}"\n\n',
            _table("CYRILLIC", "Russian, Ukrainian, Belarusian, Bulgarian, Serbian, Macedonian.", cyrillic()),
            _table("GREEK", "Greek letters (final sigma folds to sigma).", greek()),
            _table("GREEK_PAIRS", "Two Greek letters written as one sound.", GREEK_PAIRS),
            _table("DEVANAGARI", "Consonants without their inherent a, vowel signs, vowels, signs.", devanagari()),
            _table("DEVANAGARI_NUKTA", "A consonant followed by a nukta.", DEVANAGARI_NUKTA),
            _table(
                "ARABIC_CONSONANTS",
                "Arabic, Persian and Urdu letters in the chat alphabet, vowels left out.",
                ARABIC_CONSONANTS,
            ),
            _table(
                "KANA", "Hiragana (small ya/yu/yo and small tsu are combined in moderation/transliterate.py).", kana()
            ),
        ]
    )


def main() -> int:
    TABLES.write_text(render(), encoding="utf-8")
    print(f"wrote {TABLES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
