"""What Lambda hands a function behind an API Gateway HTTP API: the payload format 2.0 event and the context object.

Public API (also used by the benchmark and the handler tests):
- `http_api_event(...)`: the event for one HTTP request, as API Gateway builds it.
- `dify_event(...)`: the event for one call from Dify's client (POST, JSON, Bearer key).
- `LambdaContext`: the context object, typed as Powertools' LambdaContext so handlers accept it.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.utilities.typing import LambdaContext as _PowertoolsLambdaContext

ACCOUNT_ID = "123456789012"  # moto's default account
API_ID = "local"

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
"""A mapping, or (name, value) pairs when a header repeats."""


def http_api_event(
    method: str,
    path: str,
    *,
    headers: Headers = (),
    body: bytes | str = b"",
    query_string: str = "",
    route_key: str | None = None,
    source_ip: str = "127.0.0.1",
    protocol: str = "HTTP/1.1",
) -> dict[str, Any]:
    """The event API Gateway (HTTP API, payload format 2.0) gives Lambda for one request.

    Header names are lower-cased and repeated headers joined with ","; Cookie headers become `cookies`. The body is
    text when it is UTF-8, else base64 with `isBase64Encoded: true`; an empty body is left out, as API Gateway does.
    `route_key` defaults to f"{method} {path}", the key of the route that matched.
    """
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers.items() if isinstance(headers, Mapping) else headers:
        lower = name.lower()
        if lower == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        else:
            joined[lower] = f"{joined[lower]},{value}" if lower in joined else value
    route_key = route_key or f"{method} {path}"
    now = datetime.now(UTC)
    domain_name = joined.get("host", "localhost").rsplit(":", 1)[0]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query_string,
        "headers": joined,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": protocol,
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    if parameters:
        event["queryStringParameters"] = parameters
    raw = body.encode() if isinstance(body, str) else body
    if raw:
        try:
            event["body"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(raw).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def dify_event(path: str, payload: Mapping[str, Any], api_key: str) -> dict[str, Any]:
    """The event for a call from Dify's client: POST `payload` as JSON with `Authorization: Bearer <api_key>`."""
    headers = {
        "host": "localhost",
        "content-type": "application/json",
        "authorization": f"Bearer {api_key}",
        "user-agent": "python-httpx",
    }
    return http_api_event("POST", path, headers=headers, body=json.dumps(payload))


class LambdaContext(_PowertoolsLambdaContext):
    """The context object of one invocation; the time left counts down from `timeout_seconds` at creation."""

    def __init__(
        self,
        function_name: str,
        *,
        timeout_seconds: float = 3,
        memory_limit_in_mb: int = 128,
        region: str = "us-east-1",
        aws_request_id: str | None = None,
    ) -> None:
        self._function_name = function_name
        self._function_version = "$LATEST"
        self._invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"
        self._memory_limit_in_mb = memory_limit_in_mb
        self._aws_request_id = aws_request_id or str(uuid.uuid4())
        self._log_group_name = f"/aws/lambda/{function_name}"
        self._log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]
        """Milliseconds left before the function's Timeout, never negative."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))
