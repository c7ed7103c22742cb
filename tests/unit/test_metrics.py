"""dify_extension.metrics: one EMF record per request, published under the dimension sets the alarms read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools import Metrics

from dify_extension.metrics import count_config_reload_failure, is_block, record_request
from dify_extension.protocol import (
    ExternalDataToolAnswer,
    ModerationAction,
    ModerationInputAnswer,
    ModerationOutputAnswer,
    PingAnswer,
)


@pytest.fixture
def metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Test")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "svc")


def _records(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.mark.usefixtures("metrics_on")
@pytest.mark.parametrize("blocked", [False, True])
def test_a_request_is_one_record_under_four_dimension_sets(capsys: pytest.CaptureFixture[str], blocked: bool) -> None:
    record_request(Metrics(namespace="Test"), "app.moderation.input", "ok", 12.5, blocked=blocked)

    (record,) = _records(capsys.readouterr().out)
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Test"
    assert [set(dimensions) for dimensions in directive["Dimensions"]] == [
        {"service", "point", "outcome"},
        {"service", "point"},
        {"service", "outcome"},
        {"service"},
    ]
    expected = {"Requests", "Latency", "Blocked"} if blocked else {"Requests", "Latency"}
    assert {metric["Name"] for metric in directive["Metrics"]} == expected
    assert (record["service"], record["point"], record["outcome"]) == ("svc", "app.moderation.input", "ok")
    assert (record["Requests"], record["Latency"]) == ([1.0], [12.5])


@pytest.mark.usefixtures("metrics_on")
def test_the_next_request_starts_from_a_clean_set(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = Metrics(namespace="Test")
    record_request(metrics, "app.moderation.output", "ok", 1.0, blocked=True)
    record_request(metrics, "ping", "unauthorized", 2.0, blocked=False)

    first, second = _records(capsys.readouterr().out)
    assert "Blocked" in first
    assert "Blocked" not in second
    assert len(second["_aws"]["CloudWatchMetrics"][0]["Dimensions"]) == 4
    assert (second["point"], second["outcome"]) == ("ping", "unauthorized")


@pytest.mark.usefixtures("metrics_on")
def test_a_refused_config_is_counted_by_service_alone(capsys: pytest.CaptureFixture[str]) -> None:
    count_config_reload_failure()

    (record,) = _records(capsys.readouterr().out)
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert (directive["Namespace"], directive["Dimensions"]) == ("Test", [["service"]])
    assert record["ConfigReloadFailures"] == [1.0]
    assert record["service"] == "svc"


def test_nothing_is_written_with_metrics_disabled(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    count_config_reload_failure()
    record_request(Metrics(namespace="Test"), "ping", "ok", 1.0, blocked=False)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("answer", "blocks"),
    [
        (ModerationInputAnswer(flagged=True, action=ModerationAction.DIRECT_OUTPUT, inputs={}, query=""), True),
        (ModerationOutputAnswer(flagged=True, action=ModerationAction.DIRECT_OUTPUT, text=""), True),
        (ModerationInputAnswer(flagged=True, action=ModerationAction.OVERRIDDEN, inputs={}, query=""), False),
        (ModerationOutputAnswer(flagged=False, action=ModerationAction.DIRECT_OUTPUT, text="x"), False),
        (PingAnswer(), False),
        (ExternalDataToolAnswer(result="r"), False),
    ],
)
def test_only_a_flagged_direct_output_is_a_block(answer: Any, blocks: bool) -> None:
    assert is_block(answer) is blocks
