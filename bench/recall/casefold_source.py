"""Mutations from casefold-fuzz (PyPI, Apache-2.0): every technique it has (casefold, homoglyph, invisible, leet,
spacing), each variant it makes of each keyword. It is deterministic; all of it is meant to stay readable."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import casefold_fuzz

from bench.recall.cases import Case, embedded
from bench.recall.keywords import Keyword

GENERATOR = "casefold-fuzz"


def cases(keywords: Iterable[Keyword]) -> Iterator[Case]:
    for keyword in keywords:
        for technique, variants_of in casefold_fuzz.TECHNIQUES.items():
            for variant in variants_of(keyword.text):
                yield from embedded(GENERATOR, technique, "readable", keyword, variant.text, detail=variant.note)
