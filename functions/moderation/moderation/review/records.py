"""What a review sample holds: one record per rule match of a decision, with the matched span and a little context
around it, every built-in PII type masked in that excerpt whatever the policy says. Plain Python, no AWS.

The record's fields are what `make review` shows and `make impact` reads (docs/review.md); "text", the whole
checked text as sent, only when the stack asks for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from moderation.normalize import plain_view
from moderation.outcome import Action, Match, Stage, apply_masks
from moderation.pii import DEFAULT_REPLACEMENTS, PII_TYPES, PiiFinder

CONTEXT_CHARS = 40
"""Characters of context kept on each side of a match."""
MAX_RECORDS = 20
"""Records per decision at most (the first matches): a text full of e-mail addresses is one sample, not hundreds."""

Span = tuple[int, int, str]
"""(start, end, replacement) of personal data in a text."""


class Excerpts:
    """The excerpts of one decision's texts; each text is searched for personal data once."""

    def __init__(self, texts: Mapping[str, str], finder: PiiFinder) -> None:
        self._texts = texts
        self._finder = finder
        self._personal: dict[str, list[Span]] = {}

    def around(self, key: str, start: int, end: int) -> tuple[str, int, int]:
        """The excerpt of `texts[key]` around `[start, end)`, personal data masked, and where the match is in it."""
        text = self._texts[key]
        personal = self._personal.get(key)
        if personal is None:
            personal = self._personal[key] = personal_data(text, self._finder)
        return excerpt(text, start, end, personal)


def personal_data(text: str, finder: PiiFinder) -> list[Span]:
    """Where `text` holds personal data of any built-in type, with its mask; read as PII rules read it (NFKC)."""
    view = plain_view(text)
    spans = []
    for pii_type, start, end in finder.find(view.text):
        spans.append((*view.original_span(start, end), DEFAULT_REPLACEMENTS[pii_type]))
    return spans


def excerpt(text: str, start: int, end: int, personal: Sequence[Span]) -> tuple[str, int, int]:
    """`text[start:end]` with CONTEXT_CHARS on each side, every `personal` span in it masked, and the match's place
    in the result. Personal data cut by an edge is taken in whole, so no part of it shows."""
    first, last = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    for span_start, span_end, _ in personal:  # spans do not overlap (PiiFinder keeps the strongest)
        if span_start < first < span_end:
            first = span_start
        if span_start < last < span_end:
            last = span_end
    masks = [(s - first, e - first, mask) for s, e, mask in personal if s < last and e > first]
    return (
        apply_masks(text[first:last], masks),
        _moved(start - first, masks, at_end=False),
        _moved(end - first, masks, at_end=True),
    )


def _moved(position: int, masks: Sequence[Span], *, at_end: bool) -> int:
    """Where `position` is once `masks` are applied; inside a mask, that mask's start (or end, `at_end`)."""
    shift = 0
    for start, end, mask in masks:  # by start, none overlapping
        if end <= position:
            shift += len(mask) - (end - start)
        elif start < position:
            return start + shift + (len(mask) if at_end else 0)
    return position + shift


def records(
    *,
    when: float,
    app_id: str,
    stage: Stage,
    action: Action,
    matches: Sequence[Match],
    texts: Mapping[str, str],
    full_text: bool,
    finder: PiiFinder,
) -> list[dict[str, Any]]:
    """The records of one decision (`action`) at `when` (a Unix time): one per match, at most MAX_RECORDS."""
    excerpts = Excerpts(texts, finder)
    time = iso_time(when)
    found = []
    for match in matches[:MAX_RECORDS]:
        shown, span_start, span_end = excerpts.around(match.key, match.start, match.end)
        record: dict[str, Any] = {
            "time": time,
            "app_id": app_id,
            "stage": stage,
            "action": action.value,
            "rule_id": match.rule_id,
            "category": match.category,
            "rule_action": match.action.value,
            "monitored": match.monitored,
            "keyword": match.keyword,
            "evasions": list(match.evasions),
            "key": match.key,
            "excerpt": shown,
            "span": [span_start, span_end],
        }
        if full_text:
            record["text"] = texts[match.key]
        found.append(record)
    return found


def iso_time(when: float) -> str:
    """ISO 8601 in UTC to the millisecond: 2026-12-07T00:45:12.123Z."""
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def object_key(when: float, stage: Stage, unique: str) -> str:
    """Where a decision's sample goes: by hour, then stage, then time, so that a listing from an hour on is in time
    order (`make review SINCE=...` starts its listing there)."""
    moment = datetime.fromtimestamp(when, UTC)
    stamp = f"{moment:%Y%m%dT%H%M%S}.{moment.microsecond // 1000:03d}Z"
    return f"samples/{moment:%Y/%m/%d/%H}/{stage}/{stamp}-{unique}.jsonl"


def every_pii_type() -> PiiFinder:
    """A finder of every built-in PII type: excerpts are masked whatever the policy's PII rules ask for."""
    return PiiFinder(PII_TYPES)
