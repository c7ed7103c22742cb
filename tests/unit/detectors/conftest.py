"""Detector tests: botocore clients built from the real service models, answered by botocore's Stubber (moto has
neither Bedrock Guardrails nor Comprehend) or by loopback servers for the network failures."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.stub import Stubber

from moderation.detectors.aws import create_client
from moderation.detectors.environment import FailurePolicy

REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests are signed, so botocore needs credentials; these never leave loopback."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def policy(*, fail_closed: bool = False, timeout: float = 2.0) -> FailurePolicy:
    return FailurePolicy(
        fail_closed=fail_closed, unavailable_response="Checks are down, try later.", timeout_seconds=timeout
    )


def _stubbed(service: str) -> Iterator[tuple[Any, Stubber]]:
    """A real botocore client for `service` with a Stubber that checks requests against the service model."""
    client = create_client(service, REGION, 2.0)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def bedrock() -> Iterator[tuple[Any, Stubber]]:
    yield from _stubbed("bedrock-runtime")


@pytest.fixture
def comprehend() -> Iterator[tuple[Any, Stubber]]:
    yield from _stubbed("comprehend")


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback port that accepts connections (the kernel's backlog does) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.fixture
def closed_endpoint() -> str:
    """A loopback port nobody listens on: connections are refused."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _ErrorServer(ThreadingHTTPServer):
    status = 500
    code = "InternalServerException"
    requests = 0


class _ErrorHandler(BaseHTTPRequestHandler):
    server: _ErrorServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.requests += 1
        body = json.dumps({"__type": self.server.code, "message": "fake"}).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-ErrorType", self.server.code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def error_server() -> Iterator[_ErrorServer]:
    """A loopback AWS look-alike that answers every request with the same error."""
    server = _ErrorServer(("127.0.0.1", 0), _ErrorHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()
