"""Escapes that spell characters by their code: HTML/XML character references (`&#115;hit`, `&#x63;ocaine`,
`co&shy;caine`), percent-encoding (`%73hit`) and quoted-printable (`=73hit`). Decoding them is exact, so any
segment with one is read; a hit the text already shows as it is (an `&amp;` beside a keyword) is left to the plain
views (Decoded.original_span)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache, lru_cache

from moderation.decoders import BLOCK

Segments = Iterator[tuple[int, int, str, int]]

REACH = 64
"""Escapes at most this many characters apart are one segment, which reaches as far (at most) to the white space
before its first escape and after its last: the word an escape is in, or the phrase escapes are spread over."""


@cache
def _reach() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Characters up to white space before a position, and after one (looked for within REACH)."""
    return re.compile(r"\S*\Z"), re.compile(r"\S*")


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _means_text(char: str) -> bool:
    """An escape of a letter, digit, white space or invisible character changes what words read; one of `&`, `<`
    or `/` (`&amp;`, `%2F`) does not."""
    return char.isalnum() or char.isspace() or not char.isprintable()


def _segments(text: str, escapes: re.Pattern[str], decode: Callable[[str], str | None]) -> Segments:
    """Each group of `escapes` (each within REACH of the one before) with an escape of text (_means_text), grown to
    the white space around it within REACH, decoded by `decode` (None: not a decoding) to text with no control
    character."""
    before, after = _reach()
    read = lru_cache(maxsize=1024)(decode)  # the same escapes come again and again
    group: list[int] = []
    of_text = False

    def segment() -> Iterator[tuple[int, int, str, int]]:
        if not of_text:
            return
        first, last = group
        start = before.search(text, max(0, first - REACH), first)
        grown = after.match(text, last, min(len(text), last + REACH))
        start_at = start.start() if start else first
        end_at = grown.end() if grown else last
        decoded = read(text[start_at:end_at])
        if decoded is not None and decoded != text[start_at:end_at] and _CONTROL.search(decoded) is None:
            yield start_at, end_at, decoded, BLOCK

    for escape in escapes.finditer(text):
        if group and escape.start() - group[1] > REACH:
            yield from segment()
            group, of_text = [], False
        group = [group[0] if group else escape.start(), escape.end()]
        if not of_text:
            one = read(escape.group())
            # A byte of a longer UTF-8 character (`%C3`) may be part of a letter.
            of_text = one is None or one == "\ufffd" or (len(one) == 1 and _means_text(one))
    if group:
        yield from segment()


@cache
def _references() -> re.Pattern[str]:
    return re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)")


def _unescape_html(segment: str) -> str:
    import html  # noqa: PLC0415 - only for text with a reference

    return html.unescape(segment)


def html_references(text: str) -> Segments:
    """Numeric references (`&#115;`, `&#x73;`, the `;` optional) and named ones (`&shy;`, `&amp;`, with `;`)."""
    return _segments(text, _references(), _unescape_html)


@cache
def _percent_escapes() -> re.Pattern[str]:
    return re.compile("%[0-9A-Fa-f]{2}")


def _unquote(segment: str) -> str:
    from urllib.parse import unquote  # noqa: PLC0415 - only for text with an escape

    return unquote(segment, errors="replace")


def percent_encoding(text: str) -> Segments:
    """`%` and two hex digits, bytes read as UTF-8 (`%73hit`, `caf%C3%A9`)."""
    return _segments(text, _percent_escapes(), _unquote)


@cache
def _qp_escapes() -> re.Pattern[str]:
    return re.compile("=[0-9A-F]{2}")  # upper case only, as RFC 2045 writes them: `x=1f` is no escape


def _unquote_printable(segment: str) -> str | None:
    import binascii  # noqa: PLC0415 - only for text with an escape

    try:
        return binascii.a2b_qp(segment.encode("utf-8")).decode("utf-8")
    except (UnicodeDecodeError, binascii.Error):
        return None


def quoted_printable(text: str) -> Segments:
    """`=` and two upper-case hex digits, bytes read as UTF-8 (`=73hit`, `caf=C3=A9`); `=` ending a line joins it
    to the next (a soft line break)."""
    return _segments(text, _qp_escapes(), _unquote_printable)
