"""Text hidden in invisible characters: Unicode tag characters ("ASCII smuggling"), bytes in variation selectors,
and binary in invisible operators ("sneaky bits"). None of these has another use that strings many of them together,
and the folded views drop them all (they are default-ignorable), so whatever they decode to is read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from moderation.decoders import BLOCK
from moderation.decoders.plausible import readable, utf8_text

Segments = Iterator[tuple[int, int, str, int]]

_TAG_BASE = 0xE0000


@cache
def _tag_runs() -> re.Pattern[str]:
    return re.compile("[\U000e0000-\U000e007f]+")


@cache
def _tag_table() -> dict[int, str]:
    """Tag characters of printable ASCII -> that character; the others (language tag, cancel tag) -> nothing."""
    return {
        code: (chr(code - _TAG_BASE) if 0x20 <= code - _TAG_BASE < 0x7F else "") for code in range(0xE0000, 0xE0080)
    }


def tags(text: str) -> Segments:
    """A run of tag characters U+E0020-E007E spells ASCII (U+E0041 is `A`): `😈` + tags of `kill` reads `kill`.
    Emoji flags of regions use them too (`gbeng` for England): short codes no keyword is."""
    for run in _tag_runs().finditer(text):
        decoded = run.group().translate(_tag_table())
        if len(decoded) >= 2:
            yield run.start(), run.end(), decoded, BLOCK


# Variation selectors: VS1-16 (U+FE00-FE0F) and VS17-256 (U+E0100-E01EF).
@cache
def _selector_runs() -> re.Pattern[str]:
    return re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]{2,}")


def _selector_byte(char: str) -> int:
    code = ord(char)
    return code - 0xFE00 if code < 0x10000 else code - 0xE0100 + 16


def variation_selectors(text: str) -> Segments:
    """Two or more variation selectors in a row (one after an emoji or ideograph picks its look; two never do) carry
    bytes: U+FE00-FE0F are 0-15, U+E0100-E01EF are 16-255, read as UTF-8. Another scheme (garak's) puts a
    character's code after U+E0100 (U+E0161 is `a`): both readings are tried, each kept if it reads as text."""
    for run in _selector_runs().finditer(text):
        selectors = run.group()
        as_bytes = utf8_text(bytes(_selector_byte(char) for char in selectors))
        if as_bytes is not None:
            yield run.start(), run.end(), as_bytes, BLOCK
        if all(0xE0100 <= ord(char) < 0xE0180 for char in selectors):  # ASCII only, as garak writes it
            as_codes = "".join(chr(ord(char) - 0xE0100) for char in selectors)
            if as_codes != as_bytes and readable(as_codes):
                yield run.start(), run.end(), as_codes, BLOCK


# Sneaky bits: U+2062 (invisible times) is 0, U+2064 (invisible plus) is 1, U+200B (zero-width space) a space.
_ZERO, _ONE, _SPACE = "\u2062", "\u2064", "\u200b"
_BITS = str.maketrans({_ZERO: "0", _ONE: "1"})
_MIN_BITS = 12  # two characters


@cache
def _bit_runs() -> re.Pattern[str]:
    return re.compile(f"[{_ZERO}{_ONE}{_SPACE}]+")


MAX_WORD_BITS = 8 * 64
"""A word (bits between two zero-width spaces) longer than 64 characters is no word: not read."""

# Each character's bits as garak's probe writes them, without leading zeros (6 for `!`-`?`, 7 for `@`-`~`), or as a
# whole byte (8, a leading 0).
_WIDTHS = (7, 6, 8)  # letters first
_VALID = {
    6: frozenset(f"{code:06b}" for code in range(0x21, 0x40)),
    7: frozenset(f"{code:07b}" for code in range(0x40, 0x7F)),
    8: frozenset(f"{code:08b}" for code in range(0x20, 0x7F)),
}


def _characters(bits: str) -> str | None:
    """`bits` as printable ASCII characters (see _VALID), None if they cannot be read so. Letters (7 bits) are tried
    first; `parsable` (worked out from the end, once) keeps every choice completable."""
    length = len(bits)
    if length > MAX_WORD_BITS:
        return None
    parsable = [False] * (length + 9)
    parsable[length] = True
    six, seven, eight = _VALID[6], _VALID[7], _VALID[8]
    for position in range(length - 1, -1, -1):
        parsable[position] = (
            (parsable[position + 7] and bits[position : position + 7] in seven)
            or (parsable[position + 6] and bits[position : position + 6] in six)
            or (parsable[position + 8] and bits[position : position + 8] in eight)
        )
    if not parsable[0]:
        return None
    chars: list[str] = []
    position = 0
    while position < length:
        width = next(
            width
            for width in _WIDTHS
            if parsable[position + width] and bits[position : position + width] in _VALID[width]
        )
        chars.append(chr(int(bits[position : position + width], 2)))
        position += width
    return "".join(chars)


def sneaky_bits(text: str) -> Segments:
    """Runs of U+2062 and U+2064 (with U+200B between words) holding at least two characters of binary."""
    for run in _bit_runs().finditer(text):
        words = run.group().split(_SPACE)
        if sum(map(len, words)) < _MIN_BITS:
            continue
        read = [_characters(word.translate(_BITS)) if word else "" for word in words]
        if any(word is None for word in read):
            continue
        decoded = " ".join(word for word in read if word is not None).strip()
        if readable(decoded):
            yield run.start(), run.end(), decoded, BLOCK
