"""Sends texts through the project's matcher, in-process, and counts: recall per group, generator and kind, the
misses, and the false positives of the innocent side."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bench.recall.cases import Case, InnocentText
from bench.recall.keywords import APP_ID
from moderation.matcher import CompiledPolicy, Found
from moderation.policy import ModerationPolicy


class Matcher:
    """The input stage of APP_ID in `policy` (a policy's JSON), compiled as the moderation function compiles it."""

    def __init__(self, policy: dict[str, Any]) -> None:
        stage = CompiledPolicy(ModerationPolicy.model_validate(policy)).stage(APP_ID, "input")
        if stage is None:
            raise ValueError(f"the policy has no input stage for {APP_ID}")
        self._matcher = stage.matcher
        self.rule_ids = [rule.id for rule in stage.rules]

    def find(self, text: str) -> list[Found]:
        return self._matcher.find(text)


@dataclass
class Tally:
    cases: int = 0
    caught: int = 0

    @property
    def recall(self) -> float:
        """Caught over cases; 0 when there are no cases, so a group nothing was measured in meets no target."""
        return self.caught / self.cases if self.cases else 0.0


@dataclass
class Results:
    tallies: dict[tuple[str, str, str], Tally] = field(default_factory=dict)
    """(group, generator, kind) -> its tally."""
    misses: list[dict[str, Any]] = field(default_factory=list)
    innocent_texts: int = 0
    innocent_sources: Counter[str] = field(default_factory=Counter)
    """Innocent texts per source (`faker:de_DE`, `wordfreq:ass`, ...)."""
    false_positives: list[dict[str, Any]] = field(default_factory=list)

    def tally(self, group: str | None = None, generator: str | None = None) -> Tally:
        """Cases of `group` and `generator` (each: all, if not given) added up over kinds."""
        total = Tally()
        for (each_group, each_generator, _), tally in self.tallies.items():
            if group in {None, each_group} and generator in {None, each_generator}:
                total.cases += tally.cases
                total.caught += tally.caught
        return total


def _matches(text: str, matcher: Matcher) -> tuple[list[Found], str | None]:
    """The matches, or why the matcher failed (a failure is a finding of its own, not a crash of the bench)."""
    try:
        return matcher.find(text), None
    except Exception as error:  # any failure of the code under measurement is recorded
        return [], f"{type(error).__name__}: {error}"


def score(matcher: Matcher, cases: Iterable[Case], innocent: Iterable[InnocentText]) -> Results:
    results = Results()
    for case in cases:
        found, error = _matches(case.text, matcher)
        tally = results.tallies.setdefault((case.group, case.generator, case.kind), Tally())
        tally.cases += 1
        start, end = case.span
        if any(each.start < end and start < each.end for each in found):
            tally.caught += 1
            continue
        results.misses.append(
            {
                "group": case.group,
                "generator": case.generator,
                "kind": case.kind,
                "language": case.keyword.language,
                "keyword": case.keyword.text,
                "mutation": case.mutation,
                "text": case.text,
                "detail": case.detail,
                **({"error": error} if error else {}),
            }
        )
    for text in innocent:
        results.innocent_texts += 1
        results.innocent_sources[text.source] += 1
        found, error = _matches(text.text, matcher)
        if found or error:
            matched = [
                {"rule": matcher.rule_ids[each.rule], "text": text.text[each.start : each.end]} for each in found
            ]
            results.false_positives.append(
                {"source": text.source, "text": text.text, "matched": matched, **({"error": error} if error else {})}
            )
    return results
