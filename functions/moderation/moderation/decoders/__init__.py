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

from functools import cache

MAX_DEPTH = 2
"""Decoded text is decoded once more (base64 of hex, tag characters holding base64), no deeper, and only its first
NESTED_READ characters: each level costs at most a few times the text's length, and the second is bounded."""
NESTED_READ = 20_000

BLOCK, ALIGNED, MIRRORED = 0, 1, 2
"""How a decoded text lies over its segment: any hit in it is the whole segment (BLOCK); character for character
(ALIGNED: ROT13, Atbash); character for character from the end (MIRRORED: reversed text)."""


class Decoded:
    """One segment `[start, end)` of a text that decoder `name` decoded to `text`. `patterns`: regular expressions
    and PII types read it too (byte encodings; not letter ciphers or spellings, where a digit or an e-mail address
    means nothing or would only be found again). `min_hit`: the letters and digits a hit in it needs (a decoding
    chance can make, of ordinary text, yields short words: `APL*PLUS` is ascii85 for `...bs`)."""

    __slots__ = ("end", "layout", "min_hit", "name", "patterns", "start", "text", "words")

    def __init__(
        self, name: str, start: int, end: int, text: str, *, layout: int, patterns: bool, min_hit: int, words: bool
    ) -> None:
        self.name = name
        self.start = start
        self.end = end
        self.text = text
        self.layout = layout
        self.patterns = patterns
        self.min_hit = min_hit
        self.words = words

    def original_span(self, original: str, start: int, end: int) -> tuple[int, int] | None:
        """Where a hit on `text[start:end]` lies in `original` (the text this segment is of), or None when the same
        characters stand there as they are (the views of `original` itself read them: an `&amp;` beside a keyword),
        or the hit is too short for this decoding (`min_hit`)."""
        if self.min_hit and _weight(self.text[start:end]) < self.min_hit:
            return None
        if self.layout == ALIGNED:
            first, last = self.start + start, self.start + end
        elif self.layout == MIRRORED:
            first, last = self.end - end, self.end - start
        else:
            found = self.text[start:end]
            return None if found in original[self.start : self.end] else (self.start, self.end)
        return None if original[first:last] == self.text[start:end] else (first, last)


SEPARATOR = "\n" + "\x00" * 6 + "\n"
"""Between the decoded texts of a batch: no keyword, phrase or evasion reads across it (letters are spelled apart by
at most five characters; NUL is neither white space nor a letter), and no decoder's segment spans it."""


class Batch:
    """The decoded texts of one text's segments, one after another (SEPARATOR between), read by the rules in one
    pass: the cost of a pass is paid once per text, not once per segment. `patterns`: see Decoded."""

    __slots__ = ("_starts", "patterns", "segments", "text", "words")

    def __init__(self, segments: list[Decoded], patterns: bool, words: bool = True) -> None:
        """`words`: its decoded texts keep their word boundaries (see registry.Decoder)."""
        self.segments = segments
        self.patterns = patterns
        self.words = words
        # Ending with a separator too: the evasion checks always run on decoded text, so a phrase whose spaces a
        # decoding lost (NATO spelling drops them: `killyourself`) still matches, however many segments there are.
        self.text = SEPARATOR.join(segment.text for segment in segments) + SEPARATOR
        self._starts: list[int] = []
        position = 0
        for segment in segments:
            self._starts.append(position)
            position += len(segment.text) + len(SEPARATOR)

    def place(self, original: str, start: int, end: int) -> tuple[tuple[int, int], str] | None:
        """A hit on `text[start:end]`: its span in `original` and the decoder's name, or None if it is no hit of one
        segment's decoded text (it spans a separator) or the text shows it as it is (Decoded.original_span)."""
        from bisect import bisect_right  # noqa: PLC0415 - not on the cold start

        index = bisect_right(self._starts, start) - 1
        segment = self.segments[index]
        first = start - self._starts[index]
        if end - self._starts[index] > len(segment.text):
            return None
        span = segment.original_span(original, first, end - self._starts[index])
        return None if span is None else (span, segment.name)


def _visible(text: str) -> str:
    """`text` without the invisible characters the views drop anyway (`&shy;` decodes to one): text dense with them
    takes the views' slow path."""
    return text.translate(_ignored_table())


@cache
def _ignored_table() -> dict[int, None]:
    from moderation.normalize import IGNORED_RANGES  # noqa: PLC0415 - not on the cold start

    return {code: None for first, last in IGNORED_RANGES for code in range(first, last + 1)}


def batches(text: str, *, nested: bool = False) -> list[Batch]:
    """The segments of `text` some decoder decodes (registry.DECODERS, each tried only where its cheap hint is), in
    a batch for the pattern rules too and one for the keywords only. `nested`: `text` is decoded text itself, of which
    the first NESTED_READ characters are read, and where the ciphers named by a word are not tried again (they
    would read their own output)."""
    from moderation.decoders.registry import DECODERS  # noqa: PLC0415 - not on the cold start

    if nested:
        text = text[:NESTED_READ]
    ascii = text.isascii()
    found: dict[tuple[bool, bool], list[Decoded]] = {}  # by (patterns, words): each a batch
    for decoder in DECODERS:
        if ascii and (not decoder.ascii or (decoder.hint is not None and decoder.hint not in text)):
            continue
        if nested and decoder.whole_text:
            continue
        for start, end, decoding, layout in decoder.find(text):
            visible = _visible(decoding) if layout == BLOCK and not decoding.isascii() else decoding
            segment = Decoded(
                decoder.name,
                start,
                end,
                visible,
                layout=layout,
                patterns=decoder.patterns,
                min_hit=decoder.min_hit,
                words=decoder.words,
            )
            found.setdefault((decoder.patterns, decoder.words), []).append(segment)
    return [Batch(segments, patterns, words) for (patterns, words), segments in found.items()]


def _weight(hit: str) -> int:
    """The letters and digits of `hit`, an ideograph or kana counting as two (each is a word or a syllable: `炸弹`,
    two characters, is as long a hit as `gun`)."""
    return sum(2 if "\u3040" <= char <= "\u9fff" else 1 for char in hit if char.isalnum())
