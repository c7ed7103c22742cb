"""Text as the matchers see it: `BAD`, its full-width form and b<U+200B>ad all read `bad`; with a way back.

Two views of a text:
- folded (keywords): NFKC, then case folding (then NFKC again, as Unicode's caseless matching asks);
- plain (regular expressions, PII): NFKC only, so check digits and letter case (IBAN, AWS key ids) survive.
Both drop invisible characters: zero-width (U+200B-U+200D, U+2060, U+FEFF), the soft hyphen, the combining grapheme
joiner, invisible operators, variation selectors, and bidi controls (U+200E/F, U+202A-U+202E, U+2066-U+2069, U+061C).

NFKC composes a character with the marks after it, so text is normalised one cluster at a time (a starter and the
marks or jamo that may combine with it); every character a cluster yields maps back to the cluster's whole original
span. A match `[start, end)` in a view therefore covers exactly the original characters that produced it.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

_IGNORED = (
    "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
    + "".join(chr(code) for code in range(0xFE00, 0xFE10))
)
_IGNORED_SET = frozenset(_IGNORED)


# ASCII text, most of what a chat carries, needs neither: unicodedata and this pattern load on the first other text.
@cache
def _has_ignored() -> re.Pattern[str]:
    return re.compile(f"[{_IGNORED}]")


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

    return unicodedata.normalize("NFKC", "".join(char for char in cluster if char not in _IGNORED_SET))


@lru_cache(maxsize=4096)
def _folded(cluster: str) -> str:
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    return unicodedata.normalize("NFKC", _plain(cluster).casefold())


def _by_cluster(text: str, fold: bool) -> View:
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    normalise = _folded if fold else _plain
    combining = unicodedata.combining
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    length = len(text)
    start = 0
    while start < length:
        end = start + 1
        while end < length and ((char := text[end]) in _IGNORED_SET or char in _JOINS_PREVIOUS or combining(char)):
            end += 1
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
    """NFKC and case folding, invisible characters dropped."""
    if text.isascii():
        return View(text.lower())  # the same as casefold() for ASCII, and faster
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    if _has_ignored().search(text) is None and unicodedata.is_normalized("NFKC", text):
        folded = text.casefold()
        # Case folding never shortens a character, so equal lengths mean one character for one.
        if len(folded) == len(text) and unicodedata.is_normalized("NFKC", folded):
            return View(folded)
    return _by_cluster(text, fold=True)


def fold(text: str) -> str:
    """How a keyword is compared: the folded view of it."""
    return folded_view(text).text
