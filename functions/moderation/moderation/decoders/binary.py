"""Bytes written in a text alphabet: base64 (standard and URL-safe), base32, base16 (hex) and ascii85 (Adobe's and
RFC 1924's, as Python's base64 module writes them). Each is looked for in *tokens*: runs of 8 or more printable
ASCII characters that are not a word of prose (an optional capital, lower-case letters, punctuation after),
as written or with quotes and brackets around them dropped. A token is decoded if it is in the encoding's alphabet,
with its length and padding, and the bytes are UTF-8 text that reads as text (plausible.readable): an ordinary
word, a hash or a number decodes to bytes that do not (and a token with no letter, a number or a date, is not
tried: the encodings of text all have letters)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from moderation.decoders import BLOCK, scan
from moderation.decoders.plausible import utf8_text

Segments = Iterator[tuple[int, int, str, int]]

MIN_LENGTH = 8
"""Characters a token needs: base64 of four characters (`c2hpdA==`), hex of four bytes."""


_RUNS = re.compile("[!-~]{8,}")
_RUN_AFTER_ANOTHER = re.compile("[^!-~]([!-~]{8,})")


def _runs(text: str) -> list[str]:
    """`_RUNS.findall(text)`. Each run but one starting the text follows a character outside the runs' set: looked
    for from there, the engine skips to such characters (a fast scan for a character set), where _RUNS is tried at
    every character of every word (a third less time on prose)."""
    first = _RUNS.match(text)
    found = _RUN_AFTER_ANOTHER.findall(text)
    return found if first is None else [first.group(), *found]


_AFTER_WORDS = "-'.,;:!?)\""


def _prose_word(run: str) -> bool:
    """A word of prose: an optional capital, lower-case letters, punctuation after (no token)."""
    word = run.rstrip(_AFTER_WORDS)
    return word.isalpha() and word[1:].islower()


_LETTER = re.compile("[A-Za-z]")
_AROUND = "\"'`()[]{}<>,.;:!?"


@lru_cache(maxsize=1)  # every decoder of this module reads the same text's tokens, one after another
def tokens(text: str) -> tuple[tuple[tuple[int, int, str], ...], ...]:
    """The text's tokens, each as its variants: (start, end, the token) as written, then without the quotes,
    brackets or sentence punctuation around it (ascii85 ends in such characters, base64 in prose is followed by
    them). Tokens with no letter (numbers, dates) are left out: the encodings of text all have letters.

    The runs come as strings (findall makes no match objects), prose words are dropped by str methods, and only the
    few left are placed in the text: per run, Python does next to nothing."""
    runs = [run for run in _runs(text) if not _prose_word(run) and _LETTER.search(run) is not None]
    found = []
    position = 0
    for token in runs:
        start = _run_start(text, token, position)
        position = start + len(token)
        variants = [(start, position, token)]
        stripped = token.strip(_AROUND)
        if stripped != token and len(stripped) >= MIN_LENGTH:
            stripped_start = start + token.find(stripped)
            variants.append((stripped_start, stripped_start + len(stripped), stripped))
        found.append(tuple(variants))
    return tuple(found)


def _printable_ascii(char: str) -> bool:
    return "!" <= char <= "~"


def _run_start(text: str, run: str, position: int) -> int:
    """Where `run` (a maximal run of printable ASCII) stands at or after `position`."""
    start = text.find(run, position)
    while (start > 0 and _printable_ascii(text[start - 1])) or (
        start + len(run) < len(text) and _printable_ascii(text[start + len(run)])
    ):
        start = text.find(run, start + 1)
    return start


def _decoded_tokens(text: str, decode: Callable[[str], bytes | None]) -> Segments:
    """The first variant of each token that `decode` reads as text."""
    for variants in tokens(text):
        for start, end, token in variants:
            data = decode(token)
            decoded = None if data is None else utf8_text(data)
            if decoded is not None:
                yield start, end, decoded, BLOCK
                break


_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2}")


def _base64(token: str) -> bytes | None:
    import base64  # noqa: PLC0415 - only for text with a token
    import binascii  # noqa: PLC0415

    if not _BASE64.fullmatch(token) or len(token) % 4 == 1 or ("=" in token and len(token) % 4):
        return None
    padded = token + "=" * (-len(token) % 4)
    try:
        return base64.b64decode(padded.translate(_URL_SAFE), validate=True)
    except binascii.Error:
        return None


_URL_SAFE = str.maketrans("-_", "+/")


def base64_text(text: str) -> Segments:
    """Standard and URL-safe alphabets, padded or not (`Y29jYWluZQ==`, `Y29jYWluZQ`)."""
    return _decoded_tokens(text, _base64)


_BASE32 = re.compile("[A-Z2-7]+={0,6}")
_BASE32_SIGN = re.compile("[2-7=]")


def _base32(token: str) -> bytes | None:
    import base64  # noqa: PLC0415
    import binascii  # noqa: PLC0415

    if not _BASE32.fullmatch(token) or ("=" in token and len(token) % 8) or not _BASE32_SIGN.search(token):
        return None
    try:
        return base64.b32decode(token + "=" * (-len(token) % 8))
    except binascii.Error:
        return None


def base32_text(text: str) -> Segments:
    """Upper case A-Z and 2-7, padded with `=` or not (`MNXWGYLJNZSQ====`), with a digit or padding: a word in
    capitals (`NETWORKS`) is none."""
    return _decoded_tokens(text, _base32)


_HEX = re.compile(r"(?:0x)?([0-9a-f]+|[0-9A-F]+)")


_HEX_NAMES = frozenset(("hex", "base16", "base 16", "decod"))
_DIGIT_RUNS = re.compile(r"(?<![!-~])(?:0x)?([0-9]{8,})(?![!-~])")


def _base16(token: str) -> bytes | None:
    match = _HEX.fullmatch(token)
    if match is None or len(match.group(1)) % 2 or match.group(1).isdigit():
        return None
    return bytes.fromhex(match.group(1))


def base16_text(text: str) -> Segments:
    """Hex digits of one case, an even number of them (`636f6361696e65`, `0x...`), with at least one letter unless
    the text names hex (`hex`, `base16`, `decode`): a run of digits alone is a number (a phone number, an id)."""
    yield from _decoded_tokens(text, _base16)
    if not _HEX_NAMES.isdisjoint(_names_in(text)):
        for digits in _DIGIT_RUNS.finditer(text):  # tokens() leaves them out
            decoded = utf8_text(bytes.fromhex(digits.group(1))) if len(digits.group(1)) % 2 == 0 else None
            if decoded is not None:
                yield digits.start(), digits.end(), decoded, BLOCK


# Text decodes to bytes below 0x80 first in each group of four: the group's first character is at most the 42nd of
# the alphabet (`J` in Adobe's, `f` in RFC 1924's), a test that skips decoding most tokens.
_A85_FIRSTS = frozenset(chr(code) for code in range(ord("!"), ord("J") + 1)) | {"z"}
_B85_FIRSTS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")


def _ascii85(token: str) -> bytes | None:
    """Adobe's reading if it is text, else RFC 1924's (both alphabets hold most tokens)."""
    import base64  # noqa: PLC0415

    body = token[2:-2] if token.startswith("<~") and token.endswith("~>") else token
    firsts = set(body[::5])
    for decode, allowed in ((base64.a85decode, _A85_FIRSTS), (base64.b85decode, _B85_FIRSTS)):
        if not firsts <= allowed or len(token) % 5 == 1:
            continue
        try:
            data = base64.a85decode(token, adobe=True) if token.startswith("<~") else decode(token)
        except ValueError:
            continue
        if utf8_text(data) is not None:
            return data
    return None


_ASCII85_NAMES = frozenset(("ascii85", "ascii 85", "base85", "base 85", "a85", "b85", "decod"))
_NAMES = scan.Names(tuple(sorted(_HEX_NAMES | _ASCII85_NAMES)))


@lru_cache(maxsize=1)  # base16 and ascii85 ask about the same text one after another
def _names_in(text: str) -> frozenset[str]:
    """The words naming an encoding in `text`: one pass for both decoders' words."""
    return _NAMES.found(text)


_SHORT_TOKENS = re.compile(r"(?<![!-~])[!-~]{5,7}(?![!-~])")


def ascii85_text(text: str) -> Segments:
    """Adobe's ascii85 (`!`-`u`, `z`; `<~ ~>` around it or not), else RFC 1924's base85 (git's alphabet). Tokens
    of 5-7 characters (one word of 4-5 letters) too where the text names it (`ascii85`, `base85`, `decode`)."""
    yield from _decoded_tokens(text, _ascii85)
    if not _ASCII85_NAMES.isdisjoint(_names_in(text)):
        for short in _SHORT_TOKENS.finditer(text):
            data = _ascii85(short.group())
            decoded = None if data is None else utf8_text(data)
            if decoded is not None:
                yield short.start(), short.end(), decoded, BLOCK
