"""The most text moderation checks in one request, and what happens to a request past it (the policy's `limits`).

A request's cost grows with its text: Dify's calls may carry megabytes (API Gateway takes 10 MB bodies), and the
function has 10 s. Past `max_chars`, counted over all of a request's texts (the query and every string in inputs,
or the answer so far), nothing is checked: the request is blocked with the stage's preset response (the default:
letting it through unchecked is what someone hiding something in a long text wants), or passed unchecked if the
policy says so. Either way the decision log names rule `limits/max_chars`, category `limits`.
`bench/moderation_worst_case.py` measures the worst case at MAX_CHARS_CEILING.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from moderation.decision import DEFAULT_PRESET_RESPONSES, Decision
from moderation.outcome import Action, Hit, Stage

if TYPE_CHECKING:
    from moderation.policy import StagePolicy

MAX_CHARS_CEILING = 100_000
"""The largest max_chars a policy may set: the size `make bench` holds to its worst-case budget."""
RULE_ID = "limits/max_chars"
CATEGORY = "limits"


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    max_chars: int = Field(default=MAX_CHARS_CEILING, ge=1, le=MAX_CHARS_CEILING)
    """Characters (code points) of all of a request's texts together."""
    over_limit: Literal["block", "pass"] = "block"
    """What a request past max_chars gets: blocked with the stage's preset response, or passed unchecked."""

    def refuse(
        self, stage: Stage, policy: StagePolicy | None, detectors: bool, texts: Iterable[str]
    ) -> Decision | None:
        """None when `texts` are within max_chars, or when nothing would check them (no rules in the stage's
        `policy`, no `detectors`); else the decision for them, unchecked."""
        if (policy is None or not policy.rules) and not detectors:
            return None
        if sum(map(len, texts)) <= self.max_chars:
            return None
        if self.over_limit == "pass":
            return Decision(stage, Action.PASS, {}, (Hit(RULE_ID, CATEGORY, Action.PASS),))
        preset = (policy and policy.preset_response) or DEFAULT_PRESET_RESPONSES[stage]
        return Decision(stage, Action.BLOCK, {}, (Hit(RULE_ID, CATEGORY, Action.BLOCK),), preset)
