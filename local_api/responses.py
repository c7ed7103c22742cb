"""A Lambda result turned into the HTTP response API Gateway (HTTP API, payload format 2.0) would send."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

# Set by the HTTP server itself, whatever the function says.
_HOP_BY_HOP = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive"})


class MalformedResultError(ValueError):
    """The function returned something API Gateway answers with 500."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def api_gateway_error(status: int, message: str) -> HttpResponse:
    """One of API Gateway's own answers, e.g. 404 {"message":"Not Found"}."""
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return HttpResponse(status, (("Content-Type", "application/json"),), body)


NOT_FOUND = api_gateway_error(404, "Not Found")
TOO_LARGE = api_gateway_error(413, "Request Entity Too Large")
INTERNAL_ERROR = api_gateway_error(500, "Internal Server Error")


def from_lambda_result(result: Any) -> HttpResponse:
    """statusCode/headers/multiValueHeaders/cookies/body/isBase64Encoded as API Gateway reads them. A result without
    statusCode is, as in API Gateway, a 200 whose JSON body is the result itself."""
    if not isinstance(result, dict) or "statusCode" not in result:
        try:
            body = json.dumps(result).encode()
        except (TypeError, ValueError) as error:
            raise MalformedResultError(f"result is not JSON: {error}") from None
        return HttpResponse(200, (("Content-Type", "application/json"),), body)
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedResultError(f"statusCode {status!r} is not an HTTP status")
    headers = [(name, _header_value(name, value)) for name, value in _mapping(result, "headers").items()]
    for name, values in _mapping(result, "multiValueHeaders").items():
        if not isinstance(values, list):
            raise MalformedResultError(f"multiValueHeaders[{name!r}] is not a list")
        headers.extend((name, _header_value(name, value)) for value in values)
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(cookie, str) for cookie in cookies):
        raise MalformedResultError("cookies is not a list of strings")
    headers.extend(("Set-Cookie", cookie) for cookie in cookies)
    return HttpResponse(
        status,
        tuple((name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP),
        _body(result),
    )


def _mapping(result: dict[str, Any], key: str) -> dict[str, Any]:
    value = result.get(key) or {}
    if not isinstance(value, dict):
        raise MalformedResultError(f"{key} is not an object")
    return value


def _header_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        value = str(value).lower()
    if not isinstance(value, str | int | float) or any(char in f"{name}{value}" for char in "\r\n"):
        raise MalformedResultError(f"header {name!r} is not a one-line string")
    return str(value)


def _body(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResultError("body is not a string")
    if not result.get("isBase64Encoded"):
        return body.encode()
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise MalformedResultError("isBase64Encoded but body is not base64") from None
