"""The HTTP side of API Gateway: route by method and path, build the event, invoke, answer, log one line."""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local_api.events import http_api_event
from local_api.responses import (
    INTERNAL_ERROR,
    NOT_FOUND,
    TOO_LARGE,
    HttpResponse,
    MalformedResultError,
    api_gateway_error,
    from_lambda_result,
)

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
MAX_LOGGED_CHARS = 80

Invoke = Callable[[dict[str, Any]], Any]
"""Runs the function behind a route with an HTTP API event; returns its result."""


def _stdout_line(line: str) -> None:
    # One write with its newline: print() writes them apart, and the functions' log lines (other threads) could
    # land in between.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class LocalApiServer(ThreadingHTTPServer):
    """Serves `routes` ({"POST /moderation": invoke, ...}) until shutdown(); one thread per connection."""

    daemon_threads = True
    # Connections waiting to be accepted: Dify opens many at once, and the default (5) resets or stalls the rest.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        routes: Mapping[str, Invoke],
        log_line: Callable[[str], None] = _stdout_line,
    ) -> None:
        self.routes = dict(routes)
        self.log_line = log_line
        super().__init__(address, _RequestHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a kept-alive connection reset) is one short line; anything else, its traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            print(f"client {client_address[0]} dropped the connection ({type(error).__name__})", file=sys.stderr)
            return
        super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the HTTP clients Dify uses
    # TCP_NODELAY: the headers and the body are two writes; with Nagle's algorithm on, the body would wait for the
    # client's delayed ACK of the headers (~40 ms) on every kept-alive request.
    disable_nagle_algorithm = True
    server_version = "dify-extension-local-api"
    timeout = 30  # seconds a connection may sit idle or trickle its body
    server: LocalApiServer

    def _serve(self) -> None:
        started = time.perf_counter()
        path, _, query = self.path.partition("?")
        point = "-"
        length = self._content_length()
        if length is None:
            response = api_gateway_error(HTTPStatus.LENGTH_REQUIRED, "Length Required")
        elif length < 0:
            response = api_gateway_error(HTTPStatus.BAD_REQUEST, "Bad Request")
        elif length > MAX_BODY_BYTES:
            response = TOO_LARGE
        else:
            body = self.rfile.read(length)
            point = _point(body)
            response = self._route(path, query, body)
        # An unread (or unreadable) body would be parsed as the next request: close instead.
        self._send(response, close=length is None or not 0 <= length <= MAX_BODY_BYTES)
        latency_ms = (time.perf_counter() - started) * 1000
        self.server.log_line(
            f"{self.command} {_printable(path)} {point} {response.status} {latency_ms:.1f} ms",
        )

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def _content_length(self) -> int | None:
        """The declared body size; -1 when unusable, None for a chunked body (the local API does not decode it)."""
        if self.headers.get("Transfer-Encoding"):
            return None
        try:
            return int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return -1

    def _route(self, path: str, query: str, body: bytes) -> HttpResponse:
        invoke = self.server.routes.get(f"{self.command} {path}")
        if invoke is None:
            return NOT_FOUND
        event = http_api_event(
            self.command,
            path,
            headers=self.headers.items(),
            body=body,
            query_string=query,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        try:
            return from_lambda_result(invoke(event))
        except MalformedResultError as error:
            print(f"{self.command} {path}: malformed Lambda result: {error}", file=sys.stderr, flush=True)
        except Exception:
            traceback.print_exc()
        return INTERNAL_ERROR

    def _send(self, response: HttpResponse, *, close: bool = False) -> None:
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except ConnectionError:
            self.close_connection = True  # the client went away; nothing to answer

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, unknown method), as JSON like API Gateway's."""
        self.log_error("code %d, message %s", code, message)
        self._send(api_gateway_error(code, HTTPStatus(code).phrase), close=True)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: _serve logs its own line."""


def _point(body: bytes) -> str:
    """The Dify point named in a JSON body, or "-"; never anything else from the body."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return "-"
    point = document.get("point") if isinstance(document, dict) else None
    return _printable(point) if isinstance(point, str) and point else "-"


def _printable(text: str) -> str:
    """`text` safe for one console line: no control characters, no spaces, bounded length."""
    cleaned = "".join(char if char.isprintable() and not char.isspace() else "?" for char in text)
    return cleaned if len(cleaned) <= MAX_LOGGED_CHARS else cleaned[: MAX_LOGGED_CHARS - 3] + "..."
