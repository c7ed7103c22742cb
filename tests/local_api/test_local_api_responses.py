"""local_api.responses: a Lambda result read the way API Gateway (HTTP API, payload format 2.0) reads it."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from local_api.responses import NOT_FOUND, MalformedResultError, from_lambda_result


def test_structured_result_becomes_that_response() -> None:
    response = from_lambda_result(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Count": 3, "Content-Length": "999"},
            "multiValueHeaders": {"X-Many": ["a", "b"]},
            "cookies": ["session=1; HttpOnly"],
            "body": '{"ok": true}',
        }
    )
    assert response.status == 201
    assert response.headers == (
        ("Content-Type", "application/json"),
        ("X-Count", "3"),
        ("X-Many", "a"),
        ("X-Many", "b"),
        ("Set-Cookie", "session=1; HttpOnly"),
    )  # the server sets Content-Length itself
    assert response.body == b'{"ok": true}'


def test_base64_body_is_decoded() -> None:
    raw = b"\x00\xffbinary"
    result = {"statusCode": 200, "body": base64.b64encode(raw).decode(), "isBase64Encoded": True}
    assert from_lambda_result(result).body == raw


def test_result_without_status_code_is_a_200_json_body() -> None:
    response = from_lambda_result({"result": "pong"})
    assert (response.status, json.loads(response.body)) == (200, {"result": "pong"})
    assert ("Content-Type", "application/json") in response.headers


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200", "body": ""},
        {"statusCode": True},
        {"statusCode": 99},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": ["not", "a", "dict"]},
        {"statusCode": 200, "headers": {"X-Bad": {"nested": 1}}},
        {"statusCode": 200, "headers": {"X-Injected": "a\r\nSet-Cookie: x=1"}},
        {"statusCode": 200, "multiValueHeaders": {"X-Many": "not a list"}},
        {"statusCode": 200, "cookies": "not a list"},
        {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
        {"not serializable": object()},
    ],
)
def test_malformed_results_are_refused(result: Any) -> None:
    with pytest.raises(MalformedResultError):
        from_lambda_result(result)


def test_api_gateway_errors_are_short_json() -> None:
    assert NOT_FOUND.status == 404
    assert json.loads(NOT_FOUND.body) == {"message": "Not Found"}
