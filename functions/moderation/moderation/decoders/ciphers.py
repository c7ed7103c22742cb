# ruff: noqa: RUF001, RUF002 - upside-down letters are what this module reads
"""Letters read another way: ROT13, Atbash, reversed text (`eniacoc`) and upside-down letters (`ʇıɥs`).

ROT13, Atbash and reversal turn any letters into other letters, and ordinary words into keywords by chance (`wrong`
is ROT13 `jebat`, German `Regen` reversed is a slur): they are read only where the text names them (`rot13`,
`atbash`, `reverse`, `backwards`, `decode` ...): REACH characters either side, each character in its place, so a hit
spans only its own letters. Upside-down letters are their own sign (`ʇ`, `ɥ`, `ǝ` are no letters of a language's
ordinary text): a run with two or more of them is read, turned back and right to left."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

from moderation.decoders import ALIGNED, MIRRORED
from moderation.decoders.scan import Words
from moderation.variants import ATBASH, ROT13

Segments = Iterator[tuple[int, int, str, int]]


REACH = 1_000
"""Characters either side of a word naming a cipher that are read deciphered."""
MAX_READ = 10_000
"""Characters of one text read deciphered at most, per cipher: a text naming ciphers all over costs a bounded pass."""

_GENERIC = ("decod", "decipher", "cipher")
_NAMES = {
    "rot13": ("rot13", "rot-13", "rot 13", "rot_13", "caesar", *_GENERIC),
    "atbash": ("atbash", *_GENERIC),
    "reversed": ("revers", "backward", "mirror", *_GENERIC),
}
_NAMING = Words(tuple(dict.fromkeys(word for words in _NAMES.values() for word in words)))


@lru_cache(maxsize=1)  # the three ciphers ask about the same text one after another
def _namings(text: str) -> list[tuple[str, int, int]]:
    """Each word in `text` naming a cipher: (the word, start, end)."""
    return [(_NAMING.words[number], start, end) for number, start, end in _NAMING.find(text)]


def _windows(text: str, cipher: str) -> Iterator[tuple[int, int]]:
    """The stretches within REACH of a word naming `cipher` (or `decode`, `cipher`), joined where they overlap, the
    first MAX_READ characters of them."""
    window: list[int] = []
    budget = MAX_READ
    for word, name_start, name_end in _namings(text):
        if word not in _NAMES[cipher]:
            continue
        start, end = max(0, name_start - REACH), min(len(text), name_end + REACH)
        if window and start <= window[1]:
            window[1] = end
            continue
        if window:
            yield window[0], window[1]
            budget -= window[1] - window[0]
        if budget <= 0:
            return
        window = [start, end]
    if window:
        yield window[0], min(window[1], window[0] + budget)


def rot13(text: str) -> Segments:
    """Named `rot13`, `rot-13`, `rot 13`, `caesar`, or any `decode`/`cipher`."""
    for start, end in _windows(text, "rot13"):
        yield start, end, text[start:end].translate(ROT13), ALIGNED


def atbash(text: str) -> Segments:
    """Named `atbash`, or any `decode`/`cipher`."""
    for start, end in _windows(text, "atbash"):
        yield start, end, text[start:end].translate(ATBASH), ALIGNED


def reversed_text(text: str) -> Segments:
    """Named `reverse`, `reversed`, `backwards`, `mirror`, or any `decode`/`cipher`: right to left."""
    for start, end in _windows(text, "reversed"):
        yield start, end, text[start:end][::-1], MIRRORED


# Upside-down letters (as "flip text" generators write them) -> the letter; ASCII letters that are others turned
# (`p` is `d`, `n` is `u`) -> that letter; the rest stays.
_TURNED_PAIRS = (  # noqa: SIM905 - a table reads better in rows
    "ɐa qb ɔc pd ǝe ɟf ƃg ᵷg ɥh ıi ᴉi ɾj ʞk ꞁl ɯm un dp bq ɹr ʇt nu ʌv ʍw ʎy ∀A ᗺB ƆC ᗡD ƎE ℲF ⅁G פG ſJ "
    "ꓘK ˥L WM ԀP ꓤR ꓕT ∩U ɅV ΛV MW ⅄Y ¡! ¿?"
).split()
_TURNED = str.maketrans({pair[0]: pair[1] for pair in _TURNED_PAIRS})
_SIGNS = "".join(pair[0] for pair in _TURNED_PAIRS if not pair[0].isascii() and pair[0] not in "ıפſΛ¡¿")
"""The upside-down letters that are no letter of a language's ordinary text (not Turkish `ı`, Hebrew `פ`, Greek
`Λ`, Spanish `¡`): a run needs two different ones."""


@cache
def _upside_down() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A sign, and the runs (letters, digits, spaces, apostrophes) upside-down text is written in."""
    turned = "".join(pair[0] for pair in _TURNED_PAIRS if not pair[0].isascii())
    return re.compile(f"[{_SIGNS}]"), re.compile(f"[{turned}A-Za-z0-9 '.,!?]++")


def upside_down(text: str) -> Segments:
    """A run of letters, digits and spaces with two different upside-down letters (`ʇıɥs`, `ǝuıɐɔoɔ`)."""
    sign, runs = _upside_down()
    if text.isascii() or sign.search(text) is None:
        return
    for run in runs.finditer(text):
        letters = run.group()
        if len(set(sign.findall(letters))) >= 2:
            start = run.start() + len(letters) - len(letters.lstrip())
            end = run.start() + len(letters.rstrip())
            yield start, end, text[start:end].translate(_TURNED)[::-1], MIRRORED
