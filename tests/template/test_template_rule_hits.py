"""Numbers per rule in the stack: the dashboard's top rules widget and the saved top rules and keywords queries read
what the moderation function writes (tests/handlers/test_moderation_rule_hits.py checks the writing)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dify_extension.protocol import ModerationInputParams
from moderation.decision import decide_input
from moderation.matcher import CompiledPolicy
from moderation.moderator import decision_fields
from moderation.policy import ModerationPolicy
from tests.template import watched

QUERY_TYPE = "AWS::Logs::QueryDefinition"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return watched.template()


def _logged() -> dict[str, Any]:
    """A decision log line's fields, for a text an enforced keyword rule and a monitor keyword rule both match."""
    rules = [
        {"id": "drugs", "category": "drugs", "action": "block", "keywords": ["cocaine"]},
        {"id": "weapons", "category": "violence", "action": "block", "monitor": True, "keywords": ["bomb"]},
    ]
    policy = CompiledPolicy(ModerationPolicy.model_validate({"default": {"input": {"rules": rules}}}))
    decision, _ = decide_input(policy, ModerationInputParams(app_id="a", inputs={}, query="bomb and cocaine"))
    return decision_fields(decision, "a")


def test_the_top_rules_widget_ranks_rule_hits_in_the_namespace_the_other_widgets_read(template: dict[str, Any]) -> None:
    body = watched.dashboard_body(template)
    (query,) = watched.dashboard_insights(body)
    assert query.metric == "RuleHits"
    assert query.dimensions == {"service", "stage", "rule", "action"}
    assert set(query.group_by) == {"stage", "rule", "action"}
    assert {search.namespace for search in watched.dashboard_searches(body)} == {query.namespace}
    (widget,) = [w for w in watched.widgets(body, "metric") if "RuleHits" in str(w["properties"]["metrics"])]
    assert "top rules" in widget["properties"]["title"].lower()
    assert widget["properties"]["setPeriodToTimeRange"] is True  # totals over the dashboard's time range


@pytest.mark.parametrize(
    ("name", "grouped_by"),
    [
        ("Top rules, monitor rules too", {"stage", "hit.rule_id", "hit.category", "hit.action", "hit.monitored"}),
        ("Top keywords, monitor rules too", {"stage", "hit.rule_id", "keyword", "hit.monitored"}),
    ],
)
def test_the_top_rules_and_keywords_queries_read_fields_the_decision_log_has(
    template: dict[str, Any], name: str, grouped_by: set[str]
) -> None:
    (query,) = [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == QUERY_TYPE and resource["Properties"]["Name"]["Fn::Sub"] == f"${{AWS::StackName}}/{name}"
    ]
    assert [ref["Ref"] for ref in query["LogGroupNames"]] == ["ModerationLogGroup"]
    text = query["QueryString"]
    # Only the lines with hits reach jsonParse and unnest: most decisions have none.
    assert text.startswith('filter message = "moderation decision" and ispresent(hits.0.rule_id)\n')
    (by,) = re.findall(r"\| stats count\(\*\) as decisions by ([\w., ]+)\n", text)
    assert set(by.split(", ")) == grouped_by

    logged = _logged()
    (hit,) = [hit for hit in logged["hits"] if hit["monitored"]]  # monitored hits are in the same list
    assert logged["hits"][0]["rule_id"] == "drugs"  # hits.0.rule_id, as Logs Insights flattens the list
    assert (hit["rule_id"], hit["keywords"]) == ("weapons", ["bomb"])
    for field in re.findall(r"\bline\.(\w+)", text):
        assert isinstance(logged[field], list), field  # what unnest takes
    for field in re.findall(r"\bhit\.(\w+)", text):
        assert field in hit, field
    unnested = re.findall(r"unnest (\S+) into (\w+)", text)
    assert unnested[0] == ("line.hits", "hit")
    aliases = tuple(alias for _, alias in unnested)
    for field in by.split(", "):
        assert field.split(".")[0] in aliases or field in logged, field
