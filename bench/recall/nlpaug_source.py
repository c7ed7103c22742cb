"""Typos from nlpaug's character augmenters (PyPI, MIT): keyboard slips, OCR confusions and random character
inserts, substitutions, swaps and deletions. None needs a model. Each keyword gets one typo per seed; the seeds are
fixed, so a run makes the same typos every time."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

import nlpaug.augmenter.char as nac
import numpy

from bench.recall.cases import Case, embedded
from bench.recall.keywords import Keyword

GENERATOR = "nlpaug"
SEEDS = range(5)


def _augmenters() -> dict[str, nac.CharAugmenter]:
    return {
        "keyboard": nac.KeyboardAug(),
        "ocr": nac.OcrAug(),
        **{
            f"random_{action}": nac.RandomCharAug(action=action)
            for action in ("insert", "substitute", "swap", "delete")
        },
    }


def cases(keywords: Iterable[Keyword]) -> Iterator[Case]:
    augmenters = _augmenters()
    for keyword in keywords:
        for kind, augmenter in augmenters.items():
            typos: set[str] = set()
            for seed in SEEDS:
                random.seed(seed)
                numpy.random.seed(seed)  # nlpaug draws from numpy's global generator too
                typos.update(augmenter.augment(keyword.text))
            for typo in sorted(typos):
                yield from embedded(GENERATOR, kind, "typo", keyword, typo)
