"""Language codes of keyword lists and of texts, mapped to one code per language (`pt_BR`, `pt-PT` -> `pt`)."""

from __future__ import annotations

import re
import unicodedata

# The same language under another code, as the sources spell it.
_ALIASES = {"nb": "no", "tl": "fil", "iw": "he", "in": "id", "ji": "yi"}

# Written without spaces between words: their keywords are substrings, not whole words.
SPACELESS = frozenset({"zh", "ja", "th", "lo", "km", "my"})
# Those scripts, by the first word of a character's Unicode name.
_SPACELESS_SCRIPTS = {
    "CJK": "han",
    "IDEOGRAPHIC": "han",
    "HIRAGANA": "kana",
    "KATAKANA": "kana",
    "KATAKANA-HIRAGANA": "kana",
    "HANGUL": "hangul",
    "THAI": "thai",
    "LAO": "lao",
    "KHMER": "khmer",
    "MYANMAR": "myanmar",
}
SPACED = "spaced"


def language(code: str) -> str:
    """The language of a locale or list code: `zh_TW`, `sr@latin`, `fr-CA-u-sd-caqc`, `de.UTF-8` -> `zh`, `sr`, ...;
    the script or region is dropped, since a text is checked against every language's rule anyway."""
    base = re.split(r"[@._-]", code, maxsplit=1)[0].lower()
    return _ALIASES.get(base, base)


def script_group(character: str) -> str:
    """The script written without spaces that `character` belongs to (han, kana, hangul, thai, ...), else SPACED."""
    return _SPACELESS_SCRIPTS.get(unicodedata.name(character, "").split(" ")[0], SPACED)


def written_without_spaces(keyword: str) -> bool:
    """Whether a keyword has a letter of a script written without spaces (not the pinyin or romaji in zh, ja lists)."""
    return any(script_group(character) != SPACED for character in keyword)
