"""One keyword rule, compiled, for the moderation tests: what it matches in a text, and with which readings."""

from __future__ import annotations

from typing import Any

from moderation.matcher import CompiledPolicy, CompiledStage
from moderation.policy import ModerationPolicy


def keyword_stage(keywords: list[str], whole_word: bool = True, **rule: Any) -> CompiledStage:
    """The input stage of a policy with one block rule of `keywords` (and the rule's other options, `rule`)."""
    document = {"id": "r", "category": "t", "action": "block", "whole_word": whole_word, "keywords": keywords, **rule}
    stage = CompiledPolicy(ModerationPolicy.model_validate({"default": {"input": {"rules": [document]}}})).stage(
        "app", "input"
    )
    assert stage is not None
    return stage


def matched(keywords: list[str], text: str, whole_word: bool = True, **rule: Any) -> list[tuple[str, tuple[str, ...]]]:
    """Each match as (the original characters it covers, its evasion forms)."""
    stage = keyword_stage(keywords, whole_word, **rule)
    return [(text[found.start : found.end], found.evasions) for found in stage.matcher.find(text)]
