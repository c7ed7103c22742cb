"""Letters read another way: ROT13, Atbash, reversed text (`eniacoc`) and upside-down letters (`ʇıɥs`).

ROT13, Atbash and reversal turn any letters into other letters, and ordinary words into keywords by chance (`wrong`
is ROT13 `jebat`, German `Regen` reversed is a slur): they are read only when the text names them (`rot13`,
`atbash`, `reverse`, `backwards`, `decode` ...), and then over the whole text, each character in its place, so a hit
spans only its own letters. Upside-down letters are their own sign (`ʇ`, `ɥ`, `ǝ` are no letters of a language's
ordinary text): a run with two or more of them is read, turned back and right to left."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from moderation.decoders import ALIGNED, MIRRORED

Segments = Iterator[tuple[int, int, str, int]]

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_ROT13 = str.maketrans(
    _ALPHABET + _ALPHABET.upper(), _ALPHABET[13:] + _ALPHABET[:13] + (_ALPHABET[13:] + _ALPHABET[:13]).upper()
)
_ATBASH = str.maketrans(_ALPHABET + _ALPHABET.upper(), _ALPHABET[::-1] + _ALPHABET[::-1].upper())

_DECODE = r"decod|decipher|\bcipher|\bencipher"


@cache
def _named(names: str) -> re.Pattern[str]:
    return re.compile(f"{names}|{_DECODE}", re.IGNORECASE)


def rot13(text: str) -> Segments:
    """Named `rot13`, `rot-13`, `rot 13`, `caesar`, or any `decode`/`cipher`."""
    if _named(r"\brot[\s_-]?13|caesar").search(text):
        yield 0, len(text), text.translate(_ROT13), ALIGNED


def atbash(text: str) -> Segments:
    """Named `atbash`, or any `decode`/`cipher`."""
    if _named("atbash").search(text):
        yield 0, len(text), text.translate(_ATBASH), ALIGNED


def reversed_text(text: str) -> Segments:
    """Named `reverse`, `reversed`, `backwards`, `mirror`, or any `decode`/`cipher`: the whole text right to left."""
    if _named(r"revers|backward|mirror").search(text):
        yield 0, len(text), text[::-1], MIRRORED


# Upside-down letters (as "flip text" generators write them) -> the letter; ASCII letters that are others turned
# (`p` is `d`, `n` is `u`) -> that letter; the rest stays.
_TURNED_PAIRS = (
    "ɐa qb ɔc pd ǝe ɟf ƃg ᵷg ɥh ıi ᴉi ɾj ʞk ꞁl ɯm un dp bq ɹr ʇt nu ʌv ʍw ʎy "
    "∀A ᗺB ƆC ᗡD ƎE ℲF ⅁G פG ſJ ꓘK ˥L WM ԀP ꓤR ꓕT ∩U ɅV ΛV MW ⅄Y ¡! ¿?"
).split()
_TURNED = str.maketrans({pair[0]: pair[1] for pair in _TURNED_PAIRS})
_SIGNS = "".join(pair[0] for pair in _TURNED_PAIRS if not pair[0].isascii())
"""The upside-down letters that are no ASCII letter: a run needs two of them."""


@cache
def _upside_down() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A sign, and the runs (letters, digits, spaces, apostrophes) upside-down text is written in."""
    return re.compile(f"[{_SIGNS}]"), re.compile(f"[{_SIGNS}A-Za-z0-9 '.,!?¡¿]++")


def upside_down(text: str) -> Segments:
    """A run of letters, digits and spaces with two or more upside-down letters (`ʇıɥs`, `ǝuıɐɔoɔ`)."""
    sign, runs = _upside_down()
    if text.isascii() or sign.search(text) is None:
        return
    for run in runs.finditer(text):
        letters = run.group()
        if len(sign.findall(letters)) >= 2:
            start = run.start() + len(letters) - len(letters.lstrip())
            end = run.start() + len(letters.rstrip())
            yield start, end, text[start:end].translate(_TURNED)[::-1], MIRRORED
