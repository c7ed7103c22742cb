"""Every decoder, in one tuple: the matcher reads the segments each finds (see the package's docstring). A
decoder's `name` is what a hit's `evasions` list (docs/evasions.md, "Decoded text")."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from moderation.decoders import binary, ciphers, escapes, invisible, spellings


class Decoder:
    """`find(text)` yields (start, end, decoded text, layout) per segment it decodes. `ascii`: it can apply to ASCII
    text (else only other text is given to it); `hint`: a character ASCII text needs for it to apply (a cheap test
    that skips it for most texts); `patterns`: regular expressions and PII types read its decoded text too;
    `whole_text`: it reads the text around a word that names it, not segments of its own (not tried on decoded
    text); `min_hit`: the letters and digits a hit in its decoded text needs, where chance makes decodings of
    ordinary text (MIN_HIT, MIN_CIPHER_HIT); `words`: its decoded text keeps word boundaries (NATO spelling drops
    the spaces: whole-word keywords of 4 letters or more are read anywhere in it)."""

    __slots__ = ("ascii", "find", "hint", "min_hit", "name", "patterns", "whole_text", "words")

    def __init__(
        self,
        name: str,
        find: Callable[[str], Iterator[tuple[int, int, str, int]]],
        *,
        ascii: bool = True,
        hint: str | None = None,
        patterns: bool = True,
        whole_text: bool = False,
        min_hit: int = 0,
        words: bool = True,
    ) -> None:
        self.name = name
        self.find = find
        self.ascii = ascii
        self.hint = hint
        self.patterns = patterns
        self.whole_text = whole_text
        self.min_hit = min_hit
        self.words = words


MIN_HIT = 3
"""Base64 and kin: a token of ordinary text that decodes by chance yields short words. In the precision corpus
(docs/precision.md) 75 of 78 such hits were keywords of one or two characters (`no`, `bs`, `mo`, `$`)."""
MIN_CIPHER_HIT = 4
"""ROT13, Atbash, reversed and upside-down text: a named cipher read over ordinary text turns its short words into
others. In the precision corpus 60 of 62 such hits were keywords of one to three letters (`mo`, `nad`, `p`, `log`)."""

DECODERS = (
    Decoder("unicode_tags", invisible.tags, ascii=False),
    Decoder("variation_selectors", invisible.variation_selectors, ascii=False),
    Decoder("sneaky_bits", invisible.sneaky_bits, ascii=False),
    Decoder("html_entities", escapes.html_references, hint="&"),
    Decoder("percent_encoding", escapes.percent_encoding, hint="%"),
    Decoder("quoted_printable", escapes.quoted_printable, hint="="),
    Decoder("base64", binary.base64_text, min_hit=MIN_HIT),
    Decoder("base32", binary.base32_text, min_hit=MIN_HIT),
    Decoder("base16", binary.base16_text, min_hit=MIN_HIT),
    Decoder("ascii85", binary.ascii85_text, min_hit=MIN_HIT),
    Decoder("rot13", ciphers.rot13, patterns=False, whole_text=True, min_hit=MIN_CIPHER_HIT),
    Decoder("atbash", ciphers.atbash, patterns=False, whole_text=True, min_hit=MIN_CIPHER_HIT),
    Decoder("reversed", ciphers.reversed_text, patterns=False, whole_text=True, min_hit=MIN_CIPHER_HIT),
    Decoder("upside_down", ciphers.upside_down, ascii=False, patterns=False, min_hit=MIN_CIPHER_HIT),
    Decoder("morse", spellings.morse, hint=" ", patterns=False),
    Decoder("braille", spellings.braille, ascii=False, patterns=False),
    Decoder("nato", spellings.nato, patterns=False, words=False),
    Decoder("ecoji", spellings.ecoji, ascii=False),
)
