"""Text as the matchers see it: `BAD`, its full-width form and b<U+200B>ad all read `bad`; with a way back.

Two views of a text:
- folded (keywords): NFKC, then case folding (then NFKC again, as Unicode's caseless matching asks), then the
  combining diacritical marks (U+0300-U+036F) of Latin, Greek and Cyrillic letters dropped: `résumé` reads `resume`;
- plain (regular expressions, PII): NFKC only, so check digits and letter case (IBAN, AWS key ids) survive.
Both drop Unicode's default-ignorable characters: zero-width ones, the soft hyphen, bidi controls, variation
selectors, tag characters, Hangul fillers and the rest of that property.

NFKC composes a character with the marks after it, so text is normalised one cluster at a time (a starter and the
marks or jamo that may combine with it); every character a cluster yields maps back to the cluster's original span.
A match `[start, end)` in a view therefore covers exactly the original characters that produced it, from its first
to its last (invisible characters inside it included, those just before or after it not).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15): characters that render as nothing
# (zero-width, bidi controls, variation selectors, tag characters, Hangul fillers ...), as inclusive ranges.
_IGNORED_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip


# ASCII text, most of what a chat carries, needs none of what follows: unicodedata, these patterns and this set are
# made on the first other text.
@cache
def _has_ignored() -> re.Pattern[str]:
    return re.compile("[" + "".join(f"{chr(first)}-{chr(last)}" for first, last in _IGNORED_RANGES) + "]")


@cache
def _ignored() -> frozenset[str]:
    return frozenset(chr(code) for first, last in _IGNORED_RANGES for code in range(first, last + 1))


# Combining diacritical marks: the accents of Latin, Greek and Cyrillic letters, and most of what "Zalgo" text piles
# on. Other scripts' marks (Japanese voicing marks, Indic vowel signs) change the letter and are kept.
@cache
def _accents() -> re.Pattern[str]:
    return re.compile("[\u0300-\u036f]")


# Characters of canonical combining class 0 that still compose with what precedes them (Hangul vowel and final
# jamo, some Indic and Tibetan vowel signs, half-width katakana voicing marks); Unicode 14-15 data.
_JOINS_PREVIOUS = frozenset(
    [chr(code) for code in range(0x1161, 0x1176)]
    + [chr(code) for code in range(0x11A8, 0x11C3)]
    + [
        chr(code)
        for code in (
            0x09BE, 0x09D7, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57,
            0x0DCF, 0x0DDF, 0x0F73, 0x0F75, 0x0F81, 0x102E, 0x1B35, 0xFF9E, 0xFF9F, 0x11127, 0x1133E, 0x11357,
            0x114B0, 0x114BA, 0x114BD, 0x115AF, 0x11930,
        )
    ]
)  # fmt: skip


class View:
    """A normalised text and, unless it equals the original position for position, where each character came from."""

    # A plain class, not a dataclass: making one costs import time, and this module is on the cold start.
    __slots__ = ("ends", "starts", "text")

    def __init__(self, text: str, starts: list[int] | None = None, ends: list[int] | None = None) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that produced `text[start:end]` (`end > start`)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=4096)
def _plain(cluster: str) -> str:
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    ignored = _ignored()
    return unicodedata.normalize("NFKC", "".join(char for char in cluster if char not in ignored))


def _is_accented_script(char: str) -> bool:
    """A letter of Latin, IPA, Greek or Cyrillic (basic and extended blocks)."""
    return char.isalpha() and (char < "\u0530" or "\u1e00" <= char <= "\u1fff")


@lru_cache(maxsize=4096)
def _folded(cluster: str) -> str:
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    folded = unicodedata.normalize("NFKC", _plain(cluster).casefold())
    decomposed = unicodedata.normalize("NFD", folded)
    if _accents().search(decomposed) is None:
        return folded
    kept: list[str] = []
    accented = False  # the last letter is one whose accents are dropped
    for char in decomposed:
        if not unicodedata.combining(char):
            accented = _is_accented_script(char)
        elif accented and "\u0300" <= char <= "\u036f":
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def _has_accents(text: str) -> bool:
    """`text` (NFKC) has a combining diacritical mark, on its own or inside a precomposed letter."""
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    if not unicodedata.is_normalized("NFD", text):
        text = unicodedata.normalize("NFD", text)
    return _accents().search(text) is not None


def _by_cluster(text: str, fold: bool) -> View:
    """A cluster is a character and the marks that follow it, with any invisible characters among those marks;
    invisible characters after its last mark are clusters of their own that yield nothing, so a match's original
    span never reaches past its last character."""
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    normalise = _folded if fold else _plain
    combining = unicodedata.combining
    ignored = _ignored()
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    length = len(text)
    start = 0
    while start < length:
        end = scan = start + 1
        if text[start] not in ignored:
            while scan < length:
                char = text[scan]
                scan += 1
                if char in _JOINS_PREVIOUS or combining(char):
                    end = scan
                elif char not in ignored:
                    break
        piece = normalise(text[start:end])
        if piece:
            pieces.append(piece)
            starts.extend([start] * len(piece))
            ends.extend([end] * len(piece))
        start = end
    return View("".join(pieces), starts, ends)


def plain_view(text: str) -> View:
    """NFKC, invisible characters dropped."""
    if text.isascii():
        return View(text)
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    if _has_ignored().search(text) is None and unicodedata.is_normalized("NFKC", text):
        return View(text)
    return _by_cluster(text, fold=False)


def folded_view(text: str) -> View:
    """NFKC, case folding and no accents on Latin, Greek or Cyrillic letters, invisible characters dropped."""
    if text.isascii():
        return View(text.lower())  # the same as casefold() for ASCII, and faster
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    if _has_ignored().search(text) is None and unicodedata.is_normalized("NFKC", text):
        folded = text.casefold()
        # Case folding never shortens a character, so equal lengths mean one character for one.
        if len(folded) == len(text) and unicodedata.is_normalized("NFKC", folded) and not _has_accents(folded):
            return View(folded)
    return _by_cluster(text, fold=True)


def fold(text: str) -> str:
    """How a keyword is compared: the folded view of it."""
    return folded_view(text).text
