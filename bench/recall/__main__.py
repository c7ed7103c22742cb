"""`make recall`: the keywords of bench/recall/keywords.py, mutated by casefold-fuzz, nlpaug and garak, sent through
the moderation matcher on the path; then the innocent side. Prints a compact table and which targets are met, writes
.cache/recall/. A measurement: it exits 0 whatever the figures (docs/recall.md)."""

from __future__ import annotations

import sys
import time
from importlib.metadata import version
from pathlib import Path

import moderation
from bench.recall import casefold_source, garak_source, innocent, nlpaug_source
from bench.recall.cases import SENTENCES
from bench.recall.keywords import KEYWORDS, policy
from bench.recall.report import miss_patterns, table, targets, write
from bench.recall.score import Matcher, score

OUTPUT = Path(".cache/recall")
PACKAGES = ("casefold-fuzz", "nlpaug", "garak", "faker", "wordfreq")
TOP_PATTERNS = 6


def main() -> int:
    started = time.perf_counter()
    cases = [
        *casefold_source.cases(KEYWORDS),
        *garak_source.cases(KEYWORDS),
        *nlpaug_source.cases(KEYWORDS),
    ]
    innocent_texts = list(innocent.texts(KEYWORDS, [*SENTENCES, *garak_source.sentences()]))
    results = score(Matcher(policy()), cases, innocent_texts)
    # Which moderation package was measured: whichever is first on the path (main's, or another branch's).
    measured = str(Path(moderation.__file__).parent)
    paths = write(results, OUTPUT, {"moderation": measured} | {package: version(package) for package in PACKAGES})
    print(f"Keyword recall of {measured}")
    print(f"{len(KEYWORDS)} keywords, {len(cases)} mutated texts, {results.innocent_texts} innocent texts")
    print(table(results))
    for target, met in targets(results):
        print(f"{'MET    ' if met else 'NOT MET'} {target}")
    for group in ("readable", "encoded"):
        patterns = [p for p in miss_patterns(results) if p["group"] == group][:TOP_PATTERNS]
        listed = "; ".join(f"{p['generator']} {p['kind']} ({p['language']}) {p['misses']}" for p in patterns)
        print(f"Most {group} misses: {listed or 'none'}")
    print(f"{len(results.misses)} misses: {paths['misses']}; false positives: {paths['false_positives']}")
    print(f"Report: {paths['report']} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
