"""Decoded views: text a language model reads that people do not see, or see encoded (Unicode tag characters,
variation selectors, invisible-operator binary, HTML references, percent escapes, base64 and kin, ROT13, Morse,
Braille, NATO spelling, Ecoji, reversed and upside-down text).

Each decoder is a small unit (registry.py lists them all, in one tuple; docs/evasions.md, "Decoded text", has the
table) whose `find(text)` yields the plausible segments it decodes: (original start, end, decoded text, layout).
Each has its precision rule (a minimum length, its alphabet, a decoded text that reads as text, or the text naming
the encoding) and costs time linear in the text. The matcher reads every decoded text with the same rules and maps a
hit back to its segment (`Decoded.original_span`).

This module is on the cold start: it holds only what the matcher's hook needs; the decoders are imported on the
first text that could hold an encoding.
"""

from __future__ import annotations

from collections.abc import Iterator

MAX_DEPTH = 2
"""Decoded text is decoded once more (base64 of hex, tag characters holding base64), no deeper: each level costs at
most a few times the text's length, so two levels stay linear."""

BLOCK, ALIGNED, MIRRORED = 0, 1, 2
"""How a decoded text lies over its segment: any hit in it is the whole segment (BLOCK); character for character
(ALIGNED: ROT13, Atbash); character for character from the end (MIRRORED: reversed text)."""


class Decoded:
    """One segment `[start, end)` of a text that decoder `name` decoded to `text`. `patterns`: regular expressions
    and PII types read it too (byte encodings; not letter ciphers or spellings, where a digit or an e-mail address
    means nothing or would only be found again)."""

    __slots__ = ("end", "layout", "name", "patterns", "start", "text")

    def __init__(self, name: str, start: int, end: int, text: str, layout: int, patterns: bool) -> None:
        self.name = name
        self.start = start
        self.end = end
        self.text = text
        self.layout = layout
        self.patterns = patterns

    def original_span(self, original: str, start: int, end: int) -> tuple[int, int] | None:
        """Where a hit on `text[start:end]` lies in `original` (the text this segment is of), or None when the same
        characters stand there as they are (the views of `original` itself read them: an `&amp;` beside a keyword)."""
        if self.layout == ALIGNED:
            first, last = self.start + start, self.start + end
        elif self.layout == MIRRORED:
            first, last = self.end - end, self.end - start
        else:
            found = self.text[start:end]
            return None if found in original[self.start : self.end] else (self.start, self.end)
        return None if original[first:last] == self.text[start:end] else (first, last)


def decoded(text: str) -> Iterator[Decoded]:
    """Every segment of `text` some decoder decodes (registry.DECODERS, each tried only where its cheap hint is)."""
    from moderation.decoders.registry import DECODERS  # noqa: PLC0415 - not on the cold start

    ascii = text.isascii()
    for decoder in DECODERS:
        if ascii and (not decoder.ascii or (decoder.hint is not None and decoder.hint not in text)):
            continue
        for start, end, decoded_text, layout in decoder.find(text):
            yield Decoded(decoder.name, start, end, decoded_text, layout, decoder.patterns)
