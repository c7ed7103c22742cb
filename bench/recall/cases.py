"""What the bench sends through the matcher: recall cases (one mutation of one keyword, embedded in a sentence, and
the group it is scored in) and innocent texts."""

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
"""Sentences a mutation is embedded in, once each (no keyword of their own: the innocent side checks that)."""


@dataclass(frozen=True)
class Case:
    generator: str
    kind: str
    group: Group
    keyword: Keyword
    mutation: str
    text: str
    span: tuple[int, int]
    """Where the mutation is in `text`: a match must overlap it to count (a match elsewhere would be the sentence's)."""
    detail: str = ""
    """What the generator says it changed, where it says (casefold-fuzz's note)."""


def embedded(
    generator: str,
    kind: str,
    group: Group,
    keyword: Keyword,
    mutation: str,
    *,
    sentences: Iterable[str] = SENTENCES,
    detail: str = "",
) -> Iterator[Case]:
    """`mutation` of `keyword` in each sentence; nothing when the generator left the keyword as it was (that is no
    mutation, and would only flatter the figures)."""
    if mutation == keyword.text:
        return
    for sentence in sentences:
        start = sentence.index("{x}")
        text = sentence.replace("{x}", mutation)
        yield Case(generator, kind, group, keyword, mutation, text, (start, start + len(mutation)), detail)


@dataclass(frozen=True)
class InnocentText:
    source: str
    text: str
