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
    text)."""

    __slots__ = ("ascii", "find", "hint", "name", "patterns", "whole_text")

    def __init__(
        self,
        name: str,
        find: Callable[[str], Iterator[tuple[int, int, str, int]]],
        *,
        ascii: bool = True,
        hint: str | None = None,
        patterns: bool = True,
        whole_text: bool = False,
    ) -> None:
        self.name = name
        self.find = find
        self.ascii = ascii
        self.hint = hint
        self.patterns = patterns
        self.whole_text = whole_text


DECODERS = (
    Decoder("unicode_tags", invisible.tags, ascii=False),
    Decoder("variation_selectors", invisible.variation_selectors, ascii=False),
    Decoder("sneaky_bits", invisible.sneaky_bits, ascii=False),
    Decoder("html_entities", escapes.html_references, hint="&"),
    Decoder("percent_encoding", escapes.percent_encoding, hint="%"),
    Decoder("quoted_printable", escapes.quoted_printable, hint="="),
    Decoder("base64", binary.base64_text),
    Decoder("base32", binary.base32_text),
    Decoder("base16", binary.base16_text),
    Decoder("ascii85", binary.ascii85_text),
    Decoder("rot13", ciphers.rot13, patterns=False, whole_text=True),
    Decoder("atbash", ciphers.atbash, patterns=False, whole_text=True),
    Decoder("reversed", ciphers.reversed_text, patterns=False, whole_text=True),
    Decoder("upside_down", ciphers.upside_down, ascii=False, patterns=False),
    Decoder("morse", spellings.morse, hint=" ", patterns=False),
    Decoder("braille", spellings.braille, ascii=False, patterns=False),
    Decoder("nato", spellings.nato, patterns=False),
    Decoder("ecoji", spellings.ecoji, ascii=False),
)
