"""The figures of a run (report.json), its examples (examples.txt) and the table `make precision` prints."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.precision.flags import CHINESE_VARIANT, Flag
from bench.precision.run import Results

OVERALL_TARGET = 0.001
LANGUAGE_TARGET = 0.003
# A language's rate is held to its target from this many kept items on; fewer make too noisy a rate.
LANGUAGE_MIN_ITEMS = 1_000
UNREPORTED = "(unreported)"


def cause(flag: Flag) -> str:
    """The evasion forms a match needed, as one name; a match that names none is a reading not reported yet."""
    return "+".join(flag.evasions) or UNREPORTED


def _rate(flagged: int, kept: int) -> float:
    return flagged / kept if kept else 0.0


def summary(results: Results) -> dict[str, Any]:
    counted = [flag for flag in results.flags if flag.evasions != CHINESE_VARIANT]
    flagged_items = {(flag.item.language, flag.item.text) for flag in counted}
    variant_items = {(flag.item.language, flag.item.text) for flag in results.flags} - flagged_items
    flagged = Counter(language for language, _ in flagged_items)
    variant_only = Counter(language for language, _ in variant_items)
    languages: dict[str, dict[str, Any]] = {}
    for language in sorted(results.items):
        kept = results.items[language] - results.left_out[language]
        languages[language] = {
            "items": results.items[language],
            "kept": kept,
            "flagged": flagged[language],
            "rate": _rate(flagged[language], kept),
            "chinese_variant_only": variant_only[language],
            "meets_target": kept < LANGUAGE_MIN_ITEMS or _rate(flagged[language], kept) <= LANGUAGE_TARGET,
        }
    kept = sum(language["kept"] for language in languages.values())
    causes: dict[str, dict[str, int]] = defaultdict(lambda: {"matches": 0, "items": 0})
    cause_items: dict[str, set[tuple[str, str]]] = defaultdict(set)
    keywords: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for flag in results.flags:
        name = cause(flag)
        causes[name]["matches"] += 1
        cause_items[name].add((flag.item.language, flag.item.text))
        keywords[name][(flag.keyword_language, " | ".join(flag.keywords))] += 1
    for name, items in cause_items.items():
        causes[name]["items"] = len(items)
    return {
        "targets": {
            "overall": OVERALL_TARGET,
            "per_language": LANGUAGE_TARGET,
            "language_min_items": LANGUAGE_MIN_ITEMS,
        },
        "overall": {
            "items": sum(results.items.values()),
            "kept": kept,
            "flagged": len(flagged_items),
            "rate": _rate(len(flagged_items), kept),
            "chinese_variant_only": len(variant_items),
            "meets_target": _rate(len(flagged_items), kept) <= OVERALL_TARGET,
        },
        "languages": languages,
        "causes": dict(sorted(causes.items(), key=lambda pair: -pair[1]["items"])),
        "keyword_languages": dict(Counter(flag.keyword_language for flag in counted).most_common()),
        "top_keywords": {
            name: [[language, words, count] for (language, words), count in counter.most_common(25)]
            for name, counter in keywords.items()
        },
    }


def table(report: dict[str, Any]) -> str:
    """The compact table: overall, each language with enough items (worst first), each cause."""
    overall = report["overall"]
    lines = [
        f"Precision: {overall['items']:,} items, {overall['kept']:,} kept (plain reading finds no keyword in them)",
        f"overall: {overall['flagged']:,} flagged = {overall['rate']:.3%} (target <= {OVERALL_TARGET:.1%}: "
        f"{_met(overall['meets_target'])}); Traditional/Simplified variant only, not counted: "
        f"{overall['chinese_variant_only']:,}",
        "",
        f"{'language':<9}{'kept':>10}{'flagged':>9}{'rate':>9}  target <= {LANGUAGE_TARGET:.1%}",
    ]
    languages = [(code, row) for code, row in report["languages"].items() if row["kept"] >= LANGUAGE_MIN_ITEMS]
    for code, row in sorted(languages, key=lambda pair: -pair[1]["rate"]):
        lines.append(f"{code:<9}{row['kept']:>10,}{row['flagged']:>9,}{row['rate']:>9.3%}  {_met(row['meets_target'])}")
    small = [code for code, row in report["languages"].items() if 0 < row["kept"] < LANGUAGE_MIN_ITEMS]
    missed = sum(1 for _, row in languages if not row["meets_target"])
    lines += [
        f"({len(small)} languages with fewer than {LANGUAGE_MIN_ITEMS:,} kept items are in report.json only; "
        f"{missed} of {len(languages)} languages miss the target)",
        "",
        f"{'cause (evasion forms of a match)':<40}{'items':>9}{'matches':>9}",
    ]
    for name, counts in report["causes"].items():
        lines.append(f"{name:<40}{counts['items']:>9,}{counts['matches']:>9,}")
    return "\n".join(lines)


def _met(met: bool) -> str:
    return "met" if met else "MISSED"


def examples(flags: list[Flag], per_keyword: int = 3, keywords: int = 8) -> str:
    """Per language (most flagged first) and cause: the keywords that flag most, each with a few items."""
    grouped: dict[str, dict[str, dict[tuple[str, tuple[str, ...]], list[Flag]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for flag in flags:
        grouped[flag.item.language][cause(flag)][(flag.keyword_language, flag.keywords)].append(flag)
    lines = []
    for language, causes in sorted(grouped.items(), key=lambda pair: -sum(map(_count, pair[1].values()))):
        lines.append(f"=== {language}: {sum(map(_count, causes.values())):,} matches")
        for name, by_keyword in sorted(causes.items(), key=lambda pair: -_count(pair[1])):
            lines.append(f"  --- {name}: {_count(by_keyword):,} matches")
            for (keyword_language, words), found in sorted(by_keyword.items(), key=lambda pair: -len(pair[1]))[
                :keywords
            ]:
                lines.append(f"    {keyword_language}:{' | '.join(words) or '?'}  ({len(found):,})")
                lines.extend(
                    f"      matched {flag.matched!r} in {flag.item.source}: {_short(flag.item.text)!r}"
                    for flag in found[:per_keyword]
                )
    return "\n".join(lines) + "\n"


def _count(by_keyword: dict[Any, list[Flag]]) -> int:
    return sum(len(found) for found in by_keyword.values())


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write(directory: Path, report: dict[str, Any], flags: list[Flag]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (directory / "examples.txt").write_text(examples(flags), encoding="utf-8")
