"""The fixed slice `make test` checks (tests/precision/): a seeded sample of the corpus's pinned sources and its
false positives, compared with the committed baseline. `python -m bench.precision.slice` rewrites the baseline.

Only pinned packages feed the slice (wordfreq, Django's translations, the keyword lists): the system's gettext
catalogs change with what a machine has installed, which would make the baseline differ between machines.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from bench.precision import corpus, keyword_lists, texts
from bench.precision.flags import Checker, false_positives
from bench.precision.run import check_all

BASELINE = keyword_lists.ROOT / "tests" / "precision" / "false_positives.jsonl"
SEED = "precision-slice-1"
# Of each language's 20,000 wordfreq words and of Django's translations, the share taken (by a seeded hash).
WORDFREQ_SHARE = 1 / 16
DJANGO_SHARE = 1 / 2


class Entry(NamedTuple):
    """A false positive of the slice: an item (its language and text) and a keyword (its list's language) found in
    it."""

    language: str
    text: str
    keyword_language: str
    keyword: str

    def line(self) -> str:
        return json.dumps(
            {"language": self.language, "keyword": f"{self.keyword_language}:{self.keyword}", "text": self.text},
            ensure_ascii=False,
        )


def chosen(item: texts.Item, share: float) -> bool:
    """Whether the seeded hash of the item falls in the first `share` of its range (the same on every machine)."""
    return zlib.crc32(f"{SEED}\0{item.language}\0{item.text}".encode()) < share * 2**32


def items() -> list[texts.Item]:
    return texts.deduplicated(
        [
            *(item for item in texts.wordfreq_items() if chosen(item, WORDFREQ_SHARE)),
            *(item for item in texts.catalog_items("django", texts.django_catalogs()) if chosen(item, DJANGO_SHARE)),
        ]
    )


def false_positive_entries(sample: Sequence[texts.Item]) -> set[Entry]:
    """The false positives in `sample` (the slice's items) today, one entry per item and keyword."""
    keywords = keyword_lists.merged_keywords()
    policy = corpus.policy(keywords)
    rules = policy.default.input.rules if policy.default.input else []
    results = check_all(sample, Checker(rules, corpus.plain_reading(keywords)))
    return {
        Entry(flag.item.language, flag.item.text, flag.keyword_language, keyword)
        for flag in false_positives(results.flags)
        for keyword in flag.keywords or ("?",)
    }


def read_baseline(path: Path = BASELINE) -> set[Entry]:
    entries = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            keyword_language, keyword = entry["keyword"].split(":", 1)
            entries.add(Entry(entry["language"], entry["text"], keyword_language, keyword))
    return entries


def write_baseline(entries: Iterable[Entry], path: Path = BASELINE) -> None:
    path.write_text("".join(entry.line() + "\n" for entry in sorted(entries)), encoding="utf-8")


def main() -> int:
    entries = false_positive_entries(items())
    write_baseline(entries)
    print(f"{len(entries):,} false positives written to {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
