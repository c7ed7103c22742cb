"""Numbers per rule, through the moderation function as deployed (metrics on): each decision's log line names every
rule hit, the deciding ones and the monitor ones apart, with the policy's keywords that matched; `RuleHits` counts
each rule once per request by stage, rule and action (`monitor` for a monitor rule), and the monitor rules stay out
of `ModerationDecisions` and `Blocked`, which count what was done."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.handlers.conftest import Handler, call, load_handler

KEY = "rule-hits-key-0123456789"
SHOP = "shop-app"
POLICY = {
    "default": {
        "input": {
            "rules": [
                {"id": "weapons", "category": "violence", "action": "block", "monitor": True, "keywords": ["bomb"]},
                {"id": "drugs", "category": "drugs", "action": "block", "keywords": ["cocaine", "heroin"]},
                {"id": "tickets", "category": "internal", "action": "mask", "monitor": True, "regex": r"tkt-\d{6}"},
                {"id": "emails", "category": "pii", "action": "mask", "pii": ["email"]},
            ]
        },
        "output": {
            "rules": [{"id": "cards", "category": "pii", "action": "mask", "monitor": True, "pii": ["payment_card"]}]
        },
    },
    "apps": {
        SHOP: {
            "input": {
                "rules": [
                    {
                        "id": "adult-watch",
                        "category": "adult",
                        "action": "block",
                        "monitor": True,
                        "keywords": ["色情"],
                        "allow": ["特色情况"],
                    }
                ]
            }
        }
    },
}


def _records(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _moderate(handler: Handler, point: str, **params: Any) -> dict[str, Any]:
    status, body = call(handler, "/moderation", {"point": point, "params": {"app_id": "app-1", **params}}, KEY)
    assert status == 200
    return body


@pytest.fixture
def served(
    capsys: pytest.CaptureFixture[str], secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The answers to, and everything printed for: an enforced block beside a monitor rule and a mask; a text only
    monitor rules match (one keyword rule, dodged, one regex); a clean text; an app's own monitor rule with an
    allowed phrase, spared then hit; an output only a monitor PII rule matches."""
    secrets.create_secret(Name=secret_name, SecretString=KEY)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY), encoding="utf-8")
    handler = load_handler("moderation", monkeypatch, API_KEY_SECRET_ID=secret_name, MODERATION_POLICY_FILE=str(policy))
    capsys.readouterr()
    point = "app.moderation.input"
    answers = [
        _moderate(handler, point, inputs={"note": "bomb, heroin"}, query="a bomb, cocaine, mail ana@example.com"),
        _moderate(handler, point, inputs={}, query="a b0mb for tkt-123456"),
        _moderate(handler, point, inputs={}, query="hello"),
        _moderate(handler, point, inputs={}, query="特色情况", app_id=SHOP),
        _moderate(handler, point, inputs={}, query="色情", app_id=SHOP),
        _moderate(handler, "app.moderation.output", text="card 4111 1111 1111 1111"),
    ]
    return answers, _records(capsys.readouterr().out)


def test_monitor_rules_change_no_answer(served: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    answers, _ = served
    assert [answer["flagged"] for answer in answers] == [True, False, False, False, False, False]
    assert answers[1]["query"] == "a b0mb for tkt-123456"
    assert answers[5]["text"] == "card 4111 1111 1111 1111"


def test_the_log_line_names_every_hit_and_marks_the_monitored(
    served: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    _, records = served
    decisions = [record for record in records if record.get("message") == "moderation decision"]
    assert [(d["action"], d["rule_ids"], d["monitored_rule_ids"], d["categories"]) for d in decisions] == [
        ("block", ["drugs", "emails/email"], ["weapons"], ["drugs", "pii"]),
        ("pass", [], ["weapons", "tickets"], []),
        ("pass", [], [], []),
        ("pass", [], [], []),
        ("pass", [], ["adult-watch"], []),
        ("pass", [], ["cards/payment_card"], []),
    ]
    assert decisions[0]["hits"] == [
        {
            "rule_id": "drugs",
            "category": "drugs",
            "action": "block",
            "monitored": False,
            "keywords": ["cocaine", "heroin"],
            "evasions": [],
        },
        {
            "rule_id": "emails/email",
            "category": "pii",
            "action": "mask",
            "monitored": False,
            "keywords": [],
            "evasions": [],
        },
        {
            "rule_id": "weapons",
            "category": "violence",
            "action": "block",
            "monitored": True,
            "keywords": ["bomb"],
            "evasions": [],
        },
    ]
    # A monitor rule's evasions are its own hit's, never the decision's (which says what the deciding rules needed).
    assert decisions[1]["evasions"] == []
    assert [(h["rule_id"], h["action"], h["keywords"], h["evasions"]) for h in decisions[1]["hits"]] == [
        ("weapons", "block", ["bomb"], ["leetspeak"]),
        ("tickets", "mask", [], []),
    ]
    assert decisions[4]["hits"][0]["keywords"] == ["色情"]
    assert decisions[5]["stage"] == "output"
    # What the users wrote never: the policy's keywords are logged, the texts around them are not.
    logged = json.dumps(decisions, ensure_ascii=False)
    for written in ("b0mb", "ana@example.com", "tkt-123456", "特色情况", "4111"):
        assert written not in logged


def test_rule_hits_are_counted_by_stage_rule_and_action(
    served: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    _, records = served
    counted = [record for record in records if "RuleHits" in record]
    assert [(r["stage"], r["rule"], r["action"], r["RuleHits"]) for r in counted] == [
        ("input", "drugs", "block", [1.0]),  # once per request, though it matched in the query and in inputs
        ("input", "emails/email", "mask", [1.0]),
        ("input", "weapons", "monitor", [1.0]),
        ("input", "weapons", "monitor", [1.0]),
        ("input", "tickets", "monitor", [1.0]),
        ("input", "adult-watch", "monitor", [1.0]),
        ("output", "cards/payment_card", "monitor", [1.0]),
    ]
    for record in counted:
        (directive,) = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "DifyExtension"
        assert [set(dimensions) for dimensions in directive["Dimensions"]] == [{"service", "stage", "rule", "action"}]
        assert [metric["Name"] for metric in directive["Metrics"]] == ["RuleHits"]
        assert record["service"] == "dify-moderation"


def test_monitor_rules_stay_out_of_what_counts_what_was_done(
    served: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    _, records = served
    decided = [(r["stage"], r["action"], r["category"]) for r in records if "ModerationDecisions" in r]
    assert decided == [
        ("input", "block", "drugs"),
        ("input", "block", "pii"),
        *[("input", "pass", "none")] * 4,
        ("output", "pass", "none"),
    ]
    assert [r["point"] for r in records if "Blocked" in r] == ["app.moderation.input"]
