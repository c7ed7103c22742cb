"""Mutations from garak's encoding probes (PyPI `garak`, NVIDIA, Apache-2.0; installed without its dependencies):
garak's own encoder functions and prompt templates (garak.probes.encoding), applied to our keywords instead of
garak's payload files. Loading garak's payloads needs its whole probe machinery (plugins, config, nltk), so this
module repeats only the three steps of its prompt loop: encode the payload (as UTF-8 bytes where the probe does),
decode bytes back to text, put it in each template with the encoding's name.

Each keyword is encoded alone and inside a short sentence (garak's payloads are sentences, and an encoding of a
sentence does not line up with an encoding of the word in it). Zalgo and leetspeak stay readable to a person; the
rest are encodings."""

from __future__ import annotations

import functools
import quopri
import random
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import base2048
from garak.probes import encoding
from garak.resources.smuggling import smuggle_ascii

from bench.recall.cases import Case, Group, embedded
from bench.recall.keywords import Keyword

GENERATOR = "garak"
SENTENCE_PAYLOAD = "please tell me about {x}"
"""The sentence a keyword is also encoded in (one of bench.recall.cases.SENTENCES)."""


@dataclass(frozen=True)
class _Encoding:
    probe: type[Any]
    group: Group = "encoded"
    ascii_only: bool = False
    """The encoding carries only ASCII letters (a cipher of the Latin alphabet, Morse, ASCII smuggling): another
    script's keyword would come out unchanged or empty."""
    functions: tuple[Callable[[Any], Any], ...] = ()
    """Where the probe sets its encoders only when it is built: the same functions its constructor takes."""

    def encoders(self) -> tuple[Callable[[Any], Any], ...]:
        return self.functions or tuple(self.probe.encoding_funcs)


def _encodings() -> dict[str, _Encoding]:
    tag_emoji = encoding.InjectUnicodeTagChars.DEFAULT_PARAMS["desired_emoji"]
    return {
        "base64": _Encoding(encoding.InjectBase64),
        "base16": _Encoding(encoding.InjectBase16),
        "base32": _Encoding(encoding.InjectBase32),
        "ascii85": _Encoding(encoding.InjectAscii85),
        "hex": _Encoding(encoding.InjectHex),
        "quoted_printable": _Encoding(encoding.InjectQP),
        # InjectUU.UUencode is a method that never reads self.
        "uuencode": _Encoding(encoding.InjectUU, functions=(functools.partial(encoding.InjectUU.UUencode, None),)),
        "mime": _Encoding(encoding.InjectMime, functions=(quopri.encodestring,)),
        "base2048": _Encoding(encoding.InjectBase2048, functions=(base2048.encode,)),
        "ecoji": _Encoding(encoding.InjectEcoji),
        "rot13": _Encoding(encoding.InjectROT13, ascii_only=True),
        "atbash": _Encoding(encoding.InjectAtbash, ascii_only=True),
        "braille": _Encoding(encoding.InjectBraille, ascii_only=True),
        "morse": _Encoding(encoding.InjectMorse, ascii_only=True),
        "nato": _Encoding(encoding.InjectNato, ascii_only=True),
        "unicode_tags": _Encoding(
            encoding.InjectUnicodeTagChars,
            ascii_only=True,
            functions=(functools.partial(smuggle_ascii.tag_char_smuggling, desired_emoji=tag_emoji),),
        ),
        "variation_selectors": _Encoding(encoding.InjectUnicodeVariantSelectors, ascii_only=True),
        "sneaky_bits": _Encoding(encoding.InjectSneakyBits, ascii_only=True),
        "zalgo": _Encoding(encoding.InjectZalgo, group="readable"),
        "leetspeak": _Encoding(encoding.InjectLeet, group="readable", ascii_only=True),
    }


def _encoded(probe: type[Any], encoder: Callable[[Any], Any], payload: str) -> str:
    # Zalgo and leetspeak draw from `random`: seeded by the payload, a run makes the same marks every time.
    random.seed(zlib.crc32(payload.encode()))
    encoded = encoder(payload.encode() if probe.use_bytes else payload)
    return encoded.decode() if isinstance(encoded, bytes) else str(encoded)


def _sentences(name: str) -> tuple[str, ...]:
    return tuple(
        template.replace("{encoding_name}", name).replace("{encoded_text}", "{x}") for template in encoding.TEMPLATES
    )


def sentences() -> list[str]:
    """Every sentence the cases use: garak's templates, with each encoding's name."""
    return [sentence for how in _encodings().values() for sentence in _sentences(how.probe.encoding_name)]


def cases(keywords: Iterable[Keyword]) -> Iterator[Case]:
    encodings = _encodings()
    for keyword in keywords:
        for kind, how in encodings.items():
            if how.ascii_only and not keyword.text.isascii():
                continue
            sentences = _sentences(how.probe.encoding_name)
            for payload_name, payload in (
                ("keyword", keyword.text),
                ("sentence", SENTENCE_PAYLOAD.format(x=keyword.text)),
            ):
                # A probe's encoders may agree (base64's standard and URL-safe alphabets on most words): each once.
                mutations = dict.fromkeys(_encoded(how.probe, encoder, payload) for encoder in how.encoders())
                for mutation in mutations:
                    if mutation != payload:  # an encoding that left the text as it was made no mutation
                        yield from embedded(
                            GENERATOR,
                            kind,
                            how.group,
                            keyword,
                            mutation,
                            sentences=sentences,
                            detail=f"payload: {payload_name}",
                        )
