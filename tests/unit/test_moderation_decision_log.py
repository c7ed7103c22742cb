"""moderator.decision_fields: the decision log line's fields, for each kind of hit."""

from __future__ import annotations

from typing import Any

from dify_extension.protocol import ModerationInputParams
from moderation.decision import decide_input
from moderation.matcher import CompiledPolicy
from moderation.moderator import MAX_KEYWORDS_LOGGED, decision_fields
from moderation.policy import ModerationPolicy


def logged(document: dict[str, Any], query: str) -> dict[str, Any]:
    policy = CompiledPolicy(ModerationPolicy.model_validate(document))
    decision, _ = decide_input(policy, ModerationInputParams(app_id="app", inputs={}, query=query))
    return decision_fields(decision, "app")


def test_a_hit_logs_its_first_distinct_keywords_in_the_order_they_matched() -> None:
    words = [f"word{letter}" for letter in "abcdefghijkl"]
    rule = {"id": "many", "category": "c", "action": "block", "keywords": words}
    fields = logged({"default": {"input": {"rules": [rule]}}}, " ".join(reversed(words + words)))
    (hit,) = fields["hits"]
    assert len(words) > MAX_KEYWORDS_LOGGED
    assert hit["keywords"] == list(reversed(words))[:MAX_KEYWORDS_LOGGED]


def test_a_request_past_the_limits_logs_the_limits_hit_without_keywords() -> None:
    rule = {"id": "r", "category": "c", "action": "block", "keywords": ["x"]}
    document = {"default": {"input": {"rules": [rule]}}, "limits": {"max_chars": 5, "over_limit": "pass"}}
    fields = logged(document, "x" * 6)
    assert (fields["action"], fields["rule_ids"], fields["texts_checked"]) == ("pass", ["limits/max_chars"], 0)
    assert fields["hits"] == [
        {
            "rule_id": "limits/max_chars",
            "category": "limits",
            "action": "pass",
            "monitored": False,
            "keywords": [],
            "evasions": [],
        }
    ]


def test_nothing_found_logs_empty_lists() -> None:
    rule = {"id": "r", "category": "c", "action": "block", "keywords": ["x"], "monitor": True}
    fields = logged({"default": {"input": {"rules": [rule]}}}, "hello")
    assert fields == {
        "stage": "input",
        "action": "pass",
        "app_id": "app",
        "rule_ids": [],
        "categories": [],
        "evasions": [],
        "monitored_rule_ids": [],
        "hits": [],
        "texts_checked": 1,
    }
