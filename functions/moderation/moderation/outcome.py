"""What moderation found, in a form logs and metrics may carry: rule ids, categories and actions, never user text.

Plain classes, not dataclasses: generating dataclass methods costs cold-start time (about 3 ms here) for no gain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

Stage = Literal["input", "output"]


class Action(StrEnum):
    """What a rule or detector does with a text it matches; the strongest wins (block > mask > pass)."""

    PASS = "pass"  # noqa: S105 - an action's name, not a password
    MASK = "mask"
    BLOCK = "block"


class Hit:
    """One rule or detector label that fired."""

    __slots__ = ("action", "category", "rule_id")

    def __init__(self, rule_id: str, category: str, action: Action) -> None:
        self.rule_id = rule_id
        self.category = category
        self.action = action

    def _key(self) -> tuple[str, str, Action]:
        return (self.rule_id, self.category, self.action)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hit) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Hit({self.rule_id!r}, {self.category!r}, {self.action.value!r})"


class Match:
    """Where one rule matched, for the tools that show or sample it: the text's key (e.g. "query", "inputs.name",
    "text"), the span `[start, end)` in the text as sent, the hit's id and category, the rule's action, whether the
    rule only monitors, the policy's keyword that matched (None for a regex or PII) and the evasion forms it needed."""

    __slots__ = ("action", "category", "end", "evasions", "key", "keyword", "monitored", "rule_id", "start")

    def __init__(
        self,
        key: str,
        start: int,
        end: int,
        hit: Hit,
        *,
        monitored: bool = False,
        keyword: str | None = None,
        evasions: tuple[str, ...] = (),
    ) -> None:
        self.key = key
        self.start = start
        self.end = end
        self.rule_id = hit.rule_id
        self.category = hit.category
        self.action = hit.action
        self.monitored = monitored
        self.keyword = keyword
        self.evasions = evasions

    def __repr__(self) -> str:
        monitored = ", monitored" if self.monitored else ""
        return f"Match({self.rule_id!r}, {self.key}[{self.start}:{self.end}], {self.action.value!r}{monitored})"


class DetectorOutcome:
    """What one AWS-managed detector made of a stage's texts.

    `texts` has the keys it was given (e.g. "query", "inputs.name", "text"), each value after the detector's masking.
    `preset_response` is set only when the detector wants its own answer shown (e.g. "unavailable" when failing closed);
    otherwise a block shows the stage's preset response.
    """

    __slots__ = ("blocked", "hits", "preset_response", "texts")

    def __init__(
        self,
        texts: Mapping[str, str],
        hits: tuple[Hit, ...] = (),
        blocked: bool = False,
        preset_response: str | None = None,
    ) -> None:
        self.texts = texts
        self.hits = hits
        self.blocked = blocked
        self.preset_response = preset_response

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DetectorOutcome) and (
            dict(self.texts),
            self.hits,
            self.blocked,
            self.preset_response,
        ) == (dict(other.texts), other.hits, other.blocked, other.preset_response)

    __hash__ = None  # type: ignore[assignment] # mutable texts: like a dataclass with eq and no frozen

    def __repr__(self) -> str:
        return f"DetectorOutcome(hits={self.hits!r}, blocked={self.blocked!r})"


def apply_masks(text: str, masks: Iterable[tuple[int, int, str]]) -> str:
    """`text` with every (start, end, replacement) span replaced. Overlapping spans become one, replaced by the
    earliest-starting one's replacement (then the longest's, then the first given's)."""
    pieces: list[str] = []
    done = 0
    for start, end, replacement in sorted(masks, key=lambda mask: (mask[0], -mask[1])):
        if start < done:  # overlaps the span just replaced: extend it
            done = max(done, end)
            continue
        pieces += [text[done:start], replacement]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


if TYPE_CHECKING:  # a Protocol class costs cold-start time, and only mypy needs it
    from typing import Protocol

    class Detector(Protocol):
        """An AWS-managed check (Bedrock Guardrails, Comprehend) run after the policy's own rules."""

        name: str

        def check(self, stage: Stage, texts: Mapping[str, str]) -> DetectorOutcome: ...
