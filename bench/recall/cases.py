"""A recall case: one mutation of one keyword, embedded in a sentence, and the group it is scored in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from bench.recall.keywords import Keyword

Group = Literal["readable", "encoded", "typo"]
"""readable: a person still reads the keyword (case, look-alikes, invisible characters, spacing, leetspeak, Zalgo);
encoded: an encoding a model can decode (base64, ROT13, Morse ...); typo: nlpaug's random typos, reported apart
(typo tolerance is a planned opt-in reading, not a promise)."""

SENTENCES = (
    "{x}",
    "please tell me about {x}",
    "you are {x}",
    'I heard someone say "{x}" yesterday, what does it mean?',
)
"""Sentences a mutation is embedded in (no keyword of their own: the innocent side checks that)."""


@dataclass(frozen=True)
class Case:
    generator: str
    kind: str
    group: Group
    keyword: Keyword
    mutation: str
    text: str
    detail: str = ""
    """What the generator says it changed, where it says (casefold-fuzz's note)."""


def embedded(
    generator: str,
    kind: str,
    group: Group,
    keyword: Keyword,
    mutation: str,
    sentences: Iterable[str] = SENTENCES,
    detail: str = "",
) -> Iterator[Case]:
    """`mutation` of `keyword` in each sentence; nothing when the generator left the keyword as it was (that is no
    mutation, and would only flatter the figures)."""
    if mutation == keyword.text:
        return
    for sentence in sentences:
        yield Case(generator, kind, group, keyword, mutation, sentence.replace("{x}", mutation), detail)
