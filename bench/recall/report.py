"""What a recall run says: a compact table, the targets met or not, and the JSON report and the lists of misses and
false positives under .cache/recall/."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from bench.recall.score import Results, Tally

TARGETS = {"encoded": 0.90, "readable": 0.99}
"""The least recall wanted per group; the innocent side wants no false positive. The typo group has no target."""
GROUPS = ("readable", "encoded", "typo")


def _percent(tally: Tally) -> str:
    return f"{100 * tally.recall:6.1f}%"


def table(results: Results) -> str:
    lines = [f"{'group':<9} {'generator':<14} {'kind':<20} {'cases':>6} {'caught':>6} {'recall':>7}"]
    for group in GROUPS:
        rows = sorted(key for key in results.tallies if key[0] == group)
        for key in rows:
            tally = results.tallies[key]
            lines.append(f"{group:<9} {key[1]:<14} {key[2]:<20} {tally.cases:>6} {tally.caught:>6} {_percent(tally)}")
        for generator in sorted({key[1] for key in rows}):
            tally = results.tally(group, generator)
            lines.append(
                f"{group:<9} {generator:<14} {'(all kinds)':<20} {tally.cases:>6} {tally.caught:>6} {_percent(tally)}"
            )
        if rows:
            tally = results.tally(group)
            lines.append(f"{group:<9} {'(all)':<14} {'':<20} {tally.cases:>6} {tally.caught:>6} {_percent(tally)}")
    tally = results.tally()
    lines.append(f"{'(all)':<9} {'':<14} {'':<20} {tally.cases:>6} {tally.caught:>6} {_percent(tally)}")
    return "\n".join(lines)


def targets(results: Results) -> list[tuple[str, bool]]:
    """Each target as a sentence, and whether it is met."""
    met = []
    for group, least in TARGETS.items():
        tally = results.tally(group)
        met.append((f"{group}: recall {_percent(tally).strip()} >= {100 * least:.0f}%", tally.recall >= least))
    false_positives = len(results.false_positives)
    met.append(
        (
            f"innocent: {false_positives} false positives in {results.innocent_texts} texts (0 wanted)",
            not false_positives,
        )
    )
    return met


def miss_patterns(results: Results) -> list[dict[str, Any]]:
    """Misses counted by generator, kind and keyword language, most first."""
    counts = Counter((miss["group"], miss["generator"], miss["kind"], miss["language"]) for miss in results.misses)
    return [
        {"group": group, "generator": generator, "kind": kind, "language": language, "misses": count}
        for (group, generator, kind, language), count in counts.most_common()
    ]


def write(results: Results, directory: Path, versions: dict[str, str]) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "report": directory / "report.json",
        "misses": directory / "misses.jsonl",
        "false_positives": directory / "false-positives.jsonl",
    }
    report = {
        "versions": versions,
        "targets": [{"target": target, "met": met} for target, met in targets(results)],
        "groups": {group: vars(results.tally(group)) | {"recall": results.tally(group).recall} for group in GROUPS},
        "overall": vars(results.tally()) | {"recall": results.tally().recall},
        "kinds": [
            {"group": group, "generator": generator, "kind": kind, **vars(tally), "recall": tally.recall}
            for (group, generator, kind), tally in sorted(results.tallies.items())
        ],
        "miss_patterns": miss_patterns(results),
        "innocent_texts": results.innocent_texts,
        "innocent_sources": dict(results.innocent_sources),
        "false_positives": len(results.false_positives),
    }
    paths["report"].write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name, rows in (("misses", results.misses), ("false_positives", results.false_positives)):
        paths[name].write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return paths
