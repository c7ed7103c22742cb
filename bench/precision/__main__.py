"""`make precision`: the whole corpus through the project's matcher; the table on the console, the details in
.cache/precision/ (report.json, examples.txt, policy.json: the policy that was checked)."""

from __future__ import annotations

import json
import sys
import time

from bench.precision import corpus, keyword_lists, report, texts
from bench.precision.flags import Checker
from bench.precision.run import check_all

OUTPUT = keyword_lists.ROOT / ".cache" / "precision"
PROCESSES = 2


def main() -> int:
    began = time.perf_counter()
    keywords = keyword_lists.merged_keywords()
    document = corpus.policy_document(keywords)
    policy = corpus.policy(keywords)
    rules = policy.default.input.rules if policy.default.input else []
    items = texts.all_items()
    print(
        f"{sum(map(len, keywords.values())):,} keywords in {len(keywords)} languages; {len(items):,} items "
        f"({time.perf_counter() - began:.0f} s)",
        flush=True,
    )
    results = check_all(items, Checker(rules, corpus.plain_reading(keywords)), processes=PROCESSES)
    summary = report.summary(results)
    report.write(OUTPUT, summary, results.flags)
    OUTPUT.joinpath("policy.json").write_text(json.dumps(document, ensure_ascii=False) + "\n", encoding="utf-8")
    print(report.table(summary))
    print(f"details: {OUTPUT / 'report.json'}, {OUTPUT / 'examples.txt'} ({time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
