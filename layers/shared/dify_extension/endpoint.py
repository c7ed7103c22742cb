"""One Dify extension endpoint as a Lambda handler behind an API Gateway HTTP API (payload format 2.0).

Every request goes: method -> Bearer key -> envelope -> point -> params -> the point's handler -> answer. Every
refusal is a short JSON body `{"error": "..."}` with a 4xx/503 status (Dify shows its first 100 characters to the
person chatting); anything unexpected is a 500 carrying the request id. One log line and one set of metrics per
request, never with the key, the Authorization header or user content.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from pydantic import ValidationError

from dify_extension import strict_json
from dify_extension.auth import AuthError, bearer_token
from dify_extension.deadline import request_time
from dify_extension.errors import InvalidRequestError, UpstreamError, printable
from dify_extension.keys import ApiKeyCache, KeyUnavailableError
from dify_extension.metrics import is_block, metrics_namespace, record_request
from dify_extension.protocol import PARAMS_MODELS, Answer, ExtensionRequest, Params, PingAnswer, Point
from dify_extension.routes import SERVED_AT

T = TypeVar("T")
PointHandler = Callable[[Any], Answer]
"""Takes the point's validated params model (see protocol.PARAMS_MODELS) and returns its answer model."""

JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}
MAX_ERROR_BODY_CHARS = 100
"""Dify shows the person chatting the first 100 characters of an error body: every error body, as sent, fits."""
MAX_ERROR_CHARS = 86  # so that {"error":"..."} around a message of plain text fits in MAX_ERROR_BODY_CHARS


class HttpError(Exception):
    def __init__(self, status: int, message: str, outcome: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.outcome = outcome


class _Request:
    """What the log line and metrics may say about a request: nothing the caller typed except known values."""

    __slots__ = ("app_id", "blocked", "point")

    def __init__(self) -> None:
        self.point = "invalid"
        self.app_id: str | None = None
        self.blocked = False


def _shorten(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _validation_message(error: ValidationError, prefix: str) -> str:
    first = error.errors(include_url=False, include_input=False)[0]
    location = ".".join([prefix, *(str(part) for part in first["loc"])]).strip(".")
    return _shorten(f"{location}: {first['msg']}" if location else first["msg"])


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def error_body(message: str, **extra: str) -> str:
    """The error body the endpoint sends: `{"error": message, **extra}` as JSON of at most MAX_ERROR_BODY_CHARS
    characters. The message is cut to MAX_ERROR_CHARS, then (ending in "...") where its escaped form would overflow;
    a control character echoed from a request takes 6 (\\u0001). `make query` prints it too."""
    message = _shorten(message)
    body = _dumps({"error": message, **extra})
    if len(body) <= MAX_ERROR_BODY_CHARS:
        return body
    room = MAX_ERROR_BODY_CHARS - len(_dumps({"error": "...", **extra}))
    kept = 0
    for index, char in enumerate(message):
        kept += len(_dumps(char)) - 2
        if kept > room:
            return _dumps({"error": message[:index] + "...", **extra})
    return body  # not reached: the whole message would fit


_NO_OBJECT: dict[str, Any] = {}  # never changed


def _part(value: Any, name: str, default: T) -> T:
    """`value` if it has the type API Gateway gives this part of an event (that of `default`, used when it is
    missing); otherwise a 400 naming the part."""
    if value is None:
        return default
    if isinstance(value, type(default)):
        return value
    kind = "text" if isinstance(default, str) else "an object"
    raise HttpError(400, f"malformed event: {name} is not {kind}", "bad_request")


def _over(body: str | bytes, limit: int) -> bool:
    """Whether `body` takes more than `limit` bytes (text in UTF-8), encoding it only when its length cannot tell."""
    if len(body) > limit:
        return True
    if isinstance(body, bytes) or len(body) * 4 <= limit:
        return False
    return len(body.encode("utf-8", "surrogatepass")) > limit


def _json_response(status: int, payload: str) -> dict[str, Any]:
    return {"statusCode": status, "headers": JSON_HEADERS, "body": payload}


class Endpoint:
    """The handler for one path; `lambda_handler` is what template.yaml names as the function's Handler."""

    def __init__(
        self,
        path: str,
        handlers: Mapping[Point, PointHandler],
        *,
        keys: ApiKeyCache,
        max_body_bytes: int | None = None,
    ) -> None:
        """`max_body_bytes`: the largest body served (a larger one is a 400); None: as large as Lambda accepts."""
        self.path = path
        self._handlers: dict[Point, PointHandler] = {Point.PING: lambda _params: PingAnswer(), **handlers}
        self._keys = keys
        self._max_body_bytes = max_body_bytes
        self.logger = Logger()
        self.metrics = Metrics(namespace=metrics_namespace())
        self.lambda_handler = self.logger.inject_lambda_context(clear_state=True)(self._handle_in_time)

    def _handle_in_time(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        # What Lambda has left for this request bounds every tool and detector (dify_extension.deadline).
        remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
        with request_time(remaining_ms() / 1000 if callable(remaining_ms) else None):
            return self._handle(event, context)

    def _handle(self, event: Any, context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        # API Gateway's request id (what its access logs show); read directly, which spares the first request
        # compiling a JMESPath expression (Powertools' correlation_id_path).
        request_context = event.get("requestContext") if isinstance(event, dict) else None
        request_id = request_context.get("requestId") if isinstance(request_context, dict) else None
        self.logger.set_correlation_id(request_id if isinstance(request_id, str) else None)
        request = _Request()
        try:
            response = _json_response(200, self._answer(event, request_context, request).model_dump_json())
            outcome = "ok"
        except HttpError as error:
            response = _json_response(error.status, error_body(error.message))
            outcome = error.outcome
        except Exception as error:
            import traceback  # noqa: PLC0415 - needed only on this path, kept off the cold start

            request_id = str(getattr(context, "aws_request_id", "") or "unknown")
            # The traceback names code, not data; the exception's message might quote user content, so it stays out.
            self.logger.error(
                "unhandled exception",
                extra={"exception": type(error).__name__, "stack": traceback.format_tb(error.__traceback__)},
            )
            response = _json_response(500, error_body("internal error", request_id=request_id[:40]))
            outcome = "error"
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        self.logger.info(
            "request handled",
            extra={
                "point": request.point,
                "app_id": request.app_id,
                "status": response["statusCode"],
                "outcome": outcome,
                "latency_ms": latency_ms,
            },
        )
        record_request(self.metrics, request.point, outcome, latency_ms, blocked=request.blocked)
        return response

    def _answer(self, event: Any, request_context: Any, request: _Request) -> Answer:
        # Shapes API Gateway never sends (a test event, another integration) are the caller's mistake, not a crash.
        if not isinstance(event, dict):
            raise HttpError(400, "malformed event: the event is not an object", "bad_request")
        http = _part(request_context, "requestContext", _NO_OBJECT).get("http")
        method = _part(http, "requestContext.http", _NO_OBJECT).get("method", "")
        if method != "POST":
            shown = _shorten(printable(str(method)), 10)
            raise HttpError(405, f"method {shown} not allowed; use POST", "method_not_allowed")
        self._authenticate(_part(event.get("headers"), "headers", _NO_OBJECT))
        envelope = self._envelope(event)
        point = self._point(envelope.point)
        request.point = point.value
        params = self._params(point, envelope.params)
        request.app_id = getattr(params, "app_id", None)
        try:
            answer = self._handlers[point](params)
        except InvalidRequestError as error:
            raise HttpError(400, str(error), "bad_request") from None
        except UpstreamError as error:
            outcome = "upstream_timeout" if error.status == 504 else "upstream_error"
            raise HttpError(error.status, str(error), outcome) from None
        request.blocked = is_block(answer)
        return answer

    def _authenticate(self, headers: Mapping[str, Any]) -> None:
        try:
            key = bearer_token(_part(headers.get("authorization"), "headers.authorization", ""))
        except AuthError as error:
            self.logger.info("authentication failed", extra={"reason": str(error)})
            raise HttpError(401, f"unauthorized: {error}", "unauthorized") from None
        try:
            valid = self._keys.verify(key)
        except KeyUnavailableError as error:
            self.logger.error("API key unavailable; refusing every request", extra={"reason": str(error)})
            raise HttpError(503, "API key unavailable; try again later", "key_unavailable") from None
        if not valid:
            self.logger.info("authentication failed", extra={"reason": "invalid API key"})
            raise HttpError(401, "unauthorized: invalid API key", "unauthorized")

    def _envelope(self, event: Mapping[str, Any]) -> ExtensionRequest:
        body: str | bytes = _part(event.get("body"), "body", "")
        if event.get("isBase64Encoded"):
            import base64  # noqa: PLC0415 - Dify sends JSON text: kept off the cold start
            import binascii  # noqa: PLC0415

            try:
                body = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                raise HttpError(400, "body is not valid base64", "bad_request") from None
        if self._max_body_bytes is not None and _over(body, self._max_body_bytes):
            message = f"body is over {self._max_body_bytes} bytes, the most {self.path} accepts"
            raise HttpError(400, message, "bad_request")
        if not body:
            raise HttpError(400, "empty body; expected a JSON object", "bad_request")
        try:
            document = strict_json.loads(body)
        except strict_json.NestedTooDeeply:
            raise HttpError(400, "body is nested too deeply", "bad_request") from None
        except ValueError:
            raise HttpError(400, "body is not valid JSON", "bad_request") from None
        try:
            return ExtensionRequest.model_validate(document)
        except ValidationError as error:
            if error.errors(include_url=False, include_input=False)[0]["type"] == "model_type":
                raise HttpError(400, "body must be a JSON object", "bad_request") from None
            raise HttpError(400, _validation_message(error, ""), "bad_request") from None

    def _point(self, name: str) -> Point:
        try:
            point = Point(name)
        except ValueError:
            message = f"unknown point '{_shorten(printable(name), 40)}'"
            listed = f"{message}; {self.path} serves {', '.join(self._handlers)}"
            raise HttpError(400, listed if len(listed) <= MAX_ERROR_CHARS else message, "bad_request") from None
        if point not in self._handlers:
            raise HttpError(400, f"point {point} is served at {SERVED_AT[point]}, not {self.path}", "wrong_endpoint")
        return point

    @staticmethod
    def _params(point: Point, params: dict[str, Any]) -> Params:
        try:
            return PARAMS_MODELS[point].model_validate(params)
        except ValidationError as error:
            raise HttpError(400, _validation_message(error, "params"), "bad_request") from None
