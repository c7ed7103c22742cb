"""The precision corpus's fixed slice (bench/precision/slice.py): a seeded sample of wordfreq's words in 42 languages
and of Django's translations, checked against the full merged keyword lists. Every flag on an item that plain reading
finds clean is a false positive; today's are listed in tests/precision/false_positives.jsonl (one per line: the item's
language and text, the keyword as `<list language>:<keyword>`).

A flag missing from that file fails (a new false positive); an entry that no longer occurs fails too, so the file only
shrinks: delete the lines the message names. To rewrite the file after a deliberate change, one command:
`make precision-baseline`. The whole corpus, with rates per language and cause, is `make precision`
(docs/precision.md).
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench.precision import keyword_lists, slice
from bench.precision.slice import Entry
from bench.precision.texts import Item

SHOWN = 40


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return slice.items()


@pytest.fixture(scope="module")
def today(items: list[Item]) -> set[Entry]:
    return slice.false_positive_entries(items)


def _lines(entries: set[Entry]) -> str:
    shown = sorted(entries)[:SHOWN]
    more = f"\n... and {len(entries) - SHOWN} more" if len(entries) > SHOWN else ""
    return "\n".join(entry.line() for entry in shown) + more


def test_no_new_false_positives(today: set[Entry]) -> None:
    new = today - slice.read_baseline()
    assert not new, (
        f"{len(new)} new false positives of keyword moderation on innocent text (each: the item's language, the "
        f"keyword as list-language:keyword, the text):\n{_lines(new)}"
    )


def test_every_listed_false_positive_still_occurs(today: set[Entry]) -> None:
    gone = slice.read_baseline() - today
    assert not gone, (
        f"{len(gone)} false positives listed in {slice.BASELINE.relative_to(keyword_lists.ROOT)} no longer occur: "
        f"delete these lines from it (or run make precision-baseline):\n{_lines(gone)}"
    )


def test_slice_covers_many_languages_and_the_full_lists(items: list[Item]) -> None:
    per_language = Counter(item.language for item in items)
    assert len([language for language, count in per_language.items() if count >= 900]) >= 20
    keywords = keyword_lists.merged_keywords()
    assert len(keywords) >= 27
    assert sum(map(len, keywords.values())) >= 7_000
