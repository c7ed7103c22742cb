"""local_api.server over real HTTP on loopback, with stand-in functions: routing, API Gateway's own answers, logging."""

from __future__ import annotations

import http.client
import json
import re
import socket
import statistics
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from local_api.server import MAX_BODY_BYTES, LocalApiServer

TIMEOUT = 10
SECRET = "do-not-log-this-key"


@dataclass
class Harness:
    server: LocalApiServer
    events: list[dict[str, Any]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=TIMEOUT)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        connection = self.connect()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


@pytest.fixture
def harness() -> Iterator[Harness]:
    events: list[dict[str, Any]] = []

    def echo(event: dict[str, Any]) -> dict[str, Any]:
        events.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"result": "pong"}'}

    def boom(event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("handler failed")

    def malformed(event: dict[str, Any]) -> dict[str, Any]:
        return {"statusCode": "200"}

    log: list[str] = []
    server = LocalApiServer(
        ("127.0.0.1", 0), {"POST /echo": echo, "POST /boom": boom, "POST /malformed": malformed}, log.append
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield Harness(server, events, log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def test_routed_request_reaches_the_function_as_an_http_api_event(harness: Harness) -> None:
    body = b'{"point": "ping", "params": {}}'
    status, headers, answer = harness.request(
        "POST", "/echo?x=1", body, {"Content-Type": "application/json", "Authorization": f"Bearer {SECRET}"}
    )
    assert (status, answer) == (200, b'{"result": "pong"}')
    assert headers["Content-Type"] == "application/json"
    (event,) = harness.events
    assert event["routeKey"] == "POST /echo"
    assert event["rawPath"] == "/echo"
    assert event["rawQueryString"] == "x=1"
    assert event["body"] == body.decode()
    assert event["headers"]["authorization"] == f"Bearer {SECRET}"
    assert event["headers"]["content-type"] == "application/json"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"


def test_handler_exception_is_api_gateways_500_with_traceback(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, body = harness.request("POST", "/boom", b"{}")
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
    assert "RuntimeError: handler failed" in capsys.readouterr().err


def test_malformed_result_is_a_500(harness: Harness) -> None:
    status, _, body = harness.request("POST", "/malformed", b"{}")
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})


@pytest.mark.parametrize(("method", "path"), [("GET", "/echo"), ("PUT", "/echo"), ("POST", "/nowhere")])
def test_no_route_is_api_gateways_404(harness: Harness, method: str, path: str) -> None:
    status, headers, body = harness.request(method, path, b"{}")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
    assert headers["Content-Type"] == "application/json"
    assert harness.events == []


def test_head_gets_no_body(harness: Harness) -> None:
    status, headers, body = harness.request("HEAD", "/echo")
    assert (status, body) == (404, b"")
    assert int(headers["Content-Length"]) > 0


def test_body_over_10_mb_is_413_without_invoking(harness: Harness) -> None:
    connection = harness.connect()
    try:
        # Only the headers: the server must answer from Content-Length alone.
        connection.putrequest("POST", "/echo")
        connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
        connection.endheaders()
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (413, {"message": "Request Entity Too Large"})
        assert response.headers["Connection"] == "close"
    finally:
        connection.close()
    assert harness.events == []


def test_chunked_body_is_refused_not_misread(harness: Harness) -> None:
    status, _, body = harness.request("POST", "/echo", b"{}", {"Transfer-Encoding": "chunked"})
    assert status == 411
    assert json.loads(body) == {"message": "Length Required"}


def test_unknown_method_is_json(harness: Harness) -> None:
    status, _, body = harness.request("BREW", "/echo")
    assert status == 501
    assert "message" in json.loads(body)


def test_keep_alive_serves_several_requests_per_connection(harness: Harness) -> None:
    connection = harness.connect()
    try:
        for _ in range(3):
            connection.request("POST", "/echo", body=b"{}")
            response = connection.getresponse()
            assert response.status == 200
            response.read()
    finally:
        connection.close()
    assert len(harness.events) == 3


def test_keep_alive_is_no_slower_than_a_new_connection(harness: Harness) -> None:
    """A request on a kept-alive connection takes no longer than one on a new connection (a generous ratio, no
    absolute time): the answer is never held back by Nagle's algorithm waiting for the client's delayed ACK, which
    costs ~40 ms per request on a kept-alive connection and none on a new one."""
    body = b'{"point": "ping"}'
    rounds = 25

    def timed(send: Any) -> float:
        started = time.perf_counter()
        send()
        return time.perf_counter() - started

    def on_new_connection() -> None:
        assert harness.request("POST", "/echo", body)[0] == 200

    kept = harness.connect()

    def on_kept_connection() -> None:
        kept.request("POST", "/echo", body=body)
        response = kept.getresponse()
        assert (response.status, response.read()) == (200, b'{"result": "pong"}')

    try:
        on_kept_connection()  # warm up: connected, thread started
        kept_alive = statistics.median(timed(on_kept_connection) for _ in range(rounds))
        new = statistics.median(timed(on_new_connection) for _ in range(rounds))
    finally:
        kept.close()
    assert kept_alive <= 2 * new, f"kept-alive {kept_alive * 1000:.1f} ms, new connection {new * 1000:.1f} ms"


def test_one_log_line_per_request_without_body_headers_or_key(harness: Harness) -> None:
    harness.request("POST", "/echo", json.dumps({"point": "ping", "params": {"q": SECRET}}).encode(), {"X-K": SECRET})
    harness.request("POST", "/echo", b"not json")
    harness.request("POST", "/echo", json.dumps({"point": "evil\npoint"}).encode())
    harness.request("GET", "/nowhere")
    # The line is written once the answer is sent, so it may trail the client by a moment.
    deadline = time.monotonic() + TIMEOUT
    while len(harness.log) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(harness.log) == 4
    # Each line is written by the request's own thread after the answer is sent, so their order may vary.
    line = r" (\d+\.\d) ms"
    expected = [r"POST /echo ping 200", r"POST /echo - 200", r"POST /echo evil\?point 200", r"GET /nowhere - 404"]
    for pattern in expected:
        assert sum(bool(re.fullmatch(pattern + line, entry)) for entry in harness.log) == 1, (pattern, harness.log)
    assert not any(SECRET in entry for entry in harness.log)


def _echo(event: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"result": "pong"}'}


def test_32_clients_connecting_at_once_all_wait_in_the_listen_queue() -> None:
    """All 32 connect before the server accepts any: each is queued, none reset or stalled (with a listen backlog of
    5, the kernel keeps 6 and drops the rest, which retry seconds later)."""
    server = LocalApiServer(("127.0.0.1", 0), {"POST /echo": _echo}, lambda line: None)
    clients: list[socket.socket] = []
    accepted: list[socket.socket] = []
    try:
        for _ in range(32):
            clients.append(socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT))
        server.socket.settimeout(0.5)
        while len(accepted) < len(clients):
            accepted.append(server.socket.accept()[0])  # TimeoutError: one was not queued
    finally:
        for connection in [*clients, *accepted]:
            connection.close()
        server.server_close()


def test_clients_connecting_at_once_are_all_served() -> None:
    server = LocalApiServer(("127.0.0.1", 0), {"POST /echo": _echo}, lambda line: None)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        harness = Harness(server)
        answers: list[int] = []
        clients = [
            threading.Thread(target=lambda: answers.append(harness.request("POST", "/echo", b"{}")[0]))
            for _ in range(32)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(TIMEOUT)
        assert answers == [200] * 32
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def test_a_client_resetting_a_kept_alive_connection_is_one_short_line(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    client = socket.create_connection(("127.0.0.1", harness.server.port), timeout=TIMEOUT)
    client.sendall(b"POST /echo HTTP/1.1\r\nHost: local\r\nContent-Length: 2\r\n\r\n{}")
    answer = b""
    while not answer.endswith(b'{"result": "pong"}'):  # the whole answer: the server is done writing
        answer += client.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200")
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()  # with a zero linger: a reset, while the server waits for the next request
    printed = ""
    deadline = time.monotonic() + 5
    while "dropped" not in printed and time.monotonic() < deadline:
        time.sleep(0.02)
        printed += capsys.readouterr().err
    assert printed == "client 127.0.0.1 dropped the connection (ConnectionResetError)\n"
    assert harness.request("POST", "/echo", b"{}")[0] == 200
