"""Checks every item, in worker processes that share the compiled policy (forked after it is built)."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from bench.precision.flags import Checker, Flag
from bench.precision.texts import Item

CHUNK = 2_000


class Results(NamedTuple):
    items: Counter[str]  # by language: every item
    left_out: Counter[str]  # by language: items plain reading finds a keyword in (not innocent)
    flags: list[Flag]  # every match in the items kept


_checker: Checker | None = None


def _check(chunk: Sequence[Item]) -> tuple[Counter[str], list[Flag]]:
    assert _checker is not None  # set before the workers fork
    left_out: Counter[str] = Counter()
    flags: list[Flag] = []
    for item in chunk:
        found = _checker.check(item)
        if found is None:
            left_out[item.language] += 1
        else:
            flags += found
    return left_out, flags


def check_all(items: Sequence[Item], checker: Checker, processes: int = 1) -> Results:
    """Every item through `checker`, in `processes` forked workers (1: in this process)."""
    global _checker  # noqa: PLW0603 - the workers inherit it by fork instead of unpickling a compiled policy each
    _checker = checker
    chunks = [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
    try:
        if processes == 1:
            left_out, flags = _merged(map(_check, chunks))
        else:
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                left_out, flags = _merged(pool.imap(_check, chunks))
    finally:
        _checker = None
    return Results(Counter(item.language for item in items), left_out, flags)


def _merged(parts: Iterable[tuple[Counter[str], list[Flag]]]) -> tuple[Counter[str], list[Flag]]:
    left_out: Counter[str] = Counter()
    flags: list[Flag] = []
    for part_left_out, part_flags in parts:
        left_out += part_left_out
        flags += part_flags
    return left_out, flags
