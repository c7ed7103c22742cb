"""local_api.events: the HTTP API payload format 2.0 event and the Lambda context, as Lambda would give them."""

from __future__ import annotations

import base64
import json
import re
import time

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model
from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsLambdaContext

from local_api.events import LambdaContext, dify_event, http_api_event


def _request() -> dict[str, object]:
    return http_api_event(
        "POST",
        "/moderation",
        headers=[
            ("Host", "127.0.0.1:3000"),
            ("Content-Type", "application/json"),
            ("User-Agent", "python-httpx/0.28"),
            ("X-Multi", "a"),
            ("x-multi", "b"),
            ("Cookie", "first=1; second=2"),
        ],
        body='{"point": "ping"}',
        query_string="a=1&a=2&b=",
        source_ip="10.1.2.3",
    )


def test_event_has_every_payload_2_0_field() -> None:
    before_ms = int(time.time() * 1000)
    event = _request()
    APIGatewayProxyEventV2Model.model_validate(event)  # Powertools' schema of the real event
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /moderation"
    assert event["rawPath"] == "/moderation"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["isBase64Encoded"] is False
    assert event["body"] == '{"point": "ping"}'
    context = event["requestContext"]
    assert isinstance(context, dict)
    assert context["http"] == {
        "method": "POST",
        "path": "/moderation",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.1.2.3",
        "userAgent": "python-httpx/0.28",
    }
    assert context["routeKey"] == "POST /moderation"
    assert context["stage"] == "$default"
    assert context["domainName"] == "127.0.0.1"
    assert context["accountId"] and context["apiId"] and context["domainPrefix"]
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", context["time"])
    assert before_ms <= context["timeEpoch"] <= int(time.time() * 1000)


def test_headers_are_lower_cased_and_repeats_comma_joined_cookies_apart() -> None:
    event = _request()
    assert event["headers"] == {
        "host": "127.0.0.1:3000",
        "content-type": "application/json",
        "user-agent": "python-httpx/0.28",
        "x-multi": "a,b",
    }
    assert event["cookies"] == ["first=1", "second=2"]
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    # Powertools (what the handlers use) reads it as the real thing.
    parsed = APIGatewayProxyEventV2(event)
    assert parsed.request_context.http.method == "POST"
    assert parsed.headers.get("X-Multi") == "a,b"
    assert parsed.json_body == {"point": "ping"}


def test_request_ids_are_unique() -> None:
    first, second = http_api_event("POST", "/x"), http_api_event("POST", "/x")
    assert first["requestContext"]["requestId"] != second["requestContext"]["requestId"]


def test_optional_fields_absent_when_the_request_has_none() -> None:
    event = http_api_event("GET", "/x", headers={"Host": "localhost"})
    for absent in ("body", "cookies", "queryStringParameters"):
        assert absent not in event
    assert event["isBase64Encoded"] is False
    APIGatewayProxyEventV2Model.model_validate(event)


def test_binary_body_is_base64() -> None:
    raw = b"\xff\xfe\x00binary"
    event = http_api_event("POST", "/x", body=raw)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    APIGatewayProxyEventV2Model.model_validate(event)


def test_utf8_bytes_body_is_text() -> None:
    event = http_api_event("POST", "/x", body="héllo".encode())
    assert event["body"] == "héllo"
    assert event["isBase64Encoded"] is False


def test_dify_event_is_what_difys_client_sends() -> None:
    payload = {"point": "ping", "params": {}}
    event = dify_event("/moderation", payload, "secret-key")
    assert event["routeKey"] == "POST /moderation"
    assert event["headers"]["authorization"] == "Bearer secret-key"
    assert event["headers"]["content-type"] == "application/json"
    assert json.loads(event["body"]) == payload


def test_context_has_lambda_attributes_and_counts_down() -> None:
    context = LambdaContext("ModerationFunction", timeout_seconds=10, memory_limit_in_mb=512, region="eu-west-1")
    assert isinstance(context, PowertoolsLambdaContext)
    assert context.function_name == "ModerationFunction"
    assert context.function_version == "$LATEST"
    assert context.invoked_function_arn.startswith("arn:aws:lambda:eu-west-1:")
    assert context.invoked_function_arn.endswith(":function:ModerationFunction")
    assert context.memory_limit_in_mb == 512
    assert context.log_group_name == "/aws/lambda/ModerationFunction"
    assert context.log_stream_name
    assert context.aws_request_id != LambdaContext("ModerationFunction").aws_request_id
    first = context.get_remaining_time_in_millis()
    assert 9_000 < first <= 10_000
    time.sleep(0.02)
    assert context.get_remaining_time_in_millis() < first
    assert LambdaContext("F", timeout_seconds=0).get_remaining_time_in_millis() == 0
