"""What the functions write to CloudWatch: one structured log line and one set of EMF metrics per request, and
never the key, the Authorization header or what the user wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local_api.events import LambdaContext, dify_event
from tests.handlers.conftest import Handler, load_handler
from tests.tools.fake_upstream import FakeUpstream, weather_tools_file

KEY = "observability-key-0123456789"
USER_TEXT = "my card is 4111 1111 1111 1111 and my name is Zebulon"


def _records(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.fixture
def output_of_a_conversation(
    secrets: Any,
    secret_name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    weather_upstream: FakeUpstream,
    tmp_path: Path,
) -> tuple[str, list[str]]:
    """Everything both functions print while serving a small conversation, wrong keys included; and the request
    ids API Gateway gave each call."""
    secrets.create_secret(Name=secret_name, SecretString=KEY)
    moderation = load_handler("moderation", monkeypatch, API_KEY_SECRET_ID=secret_name)
    tools = load_handler(
        "external_data_tool",
        monkeypatch,
        API_KEY_SECRET_ID=secret_name,
        EXTERNAL_DATA_TOOLS_FILE=str(weather_tools_file(tmp_path, weather_upstream.url)),
    )
    calls: list[tuple[Handler, str, dict[str, Any], str]] = [
        (moderation, "/moderation", {"point": "ping"}, KEY),
        (
            moderation,
            "/moderation",
            {
                "point": "app.moderation.input",
                "params": {"app_id": "app-7", "inputs": {"n": USER_TEXT}, "query": USER_TEXT},
            },
            KEY,
        ),
        (
            moderation,
            "/moderation",
            {"point": "app.moderation.output", "params": {"app_id": "app-7", "text": USER_TEXT}},
            KEY,
        ),
        (
            tools,
            "/external-data-tool",
            {
                "point": "app.external_data_tool.query",
                "params": {"app_id": "app-7", "tool_variable": "weather_retrieve", "inputs": {"location": USER_TEXT}},
            },
            KEY,
        ),
        (moderation, "/moderation", {"point": "ping"}, KEY + "-wrong"),
        (moderation, "/moderation", {"point": USER_TEXT}, KEY),
    ]
    request_ids = []
    for handler, path, payload, key in calls:
        event = dify_event(path, payload, key)
        request_ids.append(event["requestContext"]["requestId"])
        handler(event, LambdaContext("test"))
    return capsys.readouterr().out, request_ids


def test_no_key_header_or_user_content_is_ever_written(output_of_a_conversation: tuple[str, list[str]]) -> None:
    output, _ = output_of_a_conversation
    assert output  # something was logged at all
    for forbidden in (KEY, "Bearer", "authorization", "4111 1111", "Zebulon"):
        assert forbidden not in output


def test_one_log_line_per_request_with_its_correlation_id(output_of_a_conversation: tuple[str, list[str]]) -> None:
    output, request_ids = output_of_a_conversation
    handled = [record for record in _records(output) if record.get("message") == "request handled"]

    assert [record["correlation_id"] for record in handled] == request_ids
    assert [(record["point"], record["status"], record["outcome"]) for record in handled] == [
        ("ping", 200, "ok"),
        ("app.moderation.input", 200, "ok"),
        ("app.moderation.output", 200, "ok"),
        ("app.external_data_tool.query", 200, "ok"),
        ("invalid", 401, "unauthorized"),
        ("invalid", 400, "bad_request"),
    ]
    assert [record.get("app_id") for record in handled[1:4]] == ["app-7"] * 3
    assert all(record["latency_ms"] >= 0 for record in handled)
    assert {record["service"] for record in handled} == {"dify-moderation", "dify-external-data-tool"}


def test_metrics_count_requests_by_point_and_outcome(output_of_a_conversation: tuple[str, list[str]]) -> None:
    output, _ = output_of_a_conversation
    # The moderation function's ModerationDecisions metrics are checked in test_moderation_handler.py.
    metrics = [record for record in _records(output) if "_aws" in record and "Requests" in record]

    assert len(metrics) == 6
    for record in metrics:
        (directive,) = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "DifyExtension"
        assert set(directive["Dimensions"][0]) == {"point", "outcome", "service"}
        assert {metric["Name"] for metric in directive["Metrics"]} == {"Requests", "Latency"}
        assert record["Requests"] == [1.0]
    assert [(record["point"], record["outcome"]) for record in metrics][-2:] == [
        ("invalid", "unauthorized"),
        ("invalid", "bad_request"),
    ]
