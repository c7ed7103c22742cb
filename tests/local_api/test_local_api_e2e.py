"""`python -m local_api` end to end over real HTTP on loopback, called exactly as Dify's client calls an extension:
POST, JSON, Bearer key, no redirects followed, bounded timeouts (see /work/shared/dify-protocol.md)."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from local_api.template import read_functions

REPO = Path(__file__).resolve().parents[2]
API_KEY = f"e2e-{secrets.token_urlsafe(16)}"
URL_LINE = re.compile(r"^\s+(POST) http://127\.0\.0\.1:(\d+)(/\S*)")
START_TIMEOUT = 60
STOP_TIMEOUT = 10
REQUEST_TIMEOUT = 10
MAX_ERROR_CHARS = 100  # Dify shows the first 100 characters of an error body
MODERATION = "/moderation"
EXTERNAL_DATA_TOOL = "/external-data-tool"


def _environ(**environment: str) -> dict[str, str]:
    """The shell a user would start `make run` from: a fixed key, any free port."""
    names = ("HOST", "PORT", "LOCAL_API_KEY", "LOG_LEVEL", "MODERATION_POLICY_FILE", "EXTERNAL_DATA_TOOLS_FILE")
    inherited = {k: v for k, v in os.environ.items() if k not in names}
    return {**inherited, "HOST": "127.0.0.1", "PORT": "0", "LOCAL_API_KEY": API_KEY, **environment}


class LocalApi:
    """`python -m local_api` on a free port; stdout and stderr collected as they come."""

    def __init__(self, **environment: str) -> None:
        """`environment`: more variables for `make run`, e.g. MODERATION_POLICY_FILE."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local_api"],
            cwd=REPO,
            env=_environ(**environment),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.stdout, True), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.stderr, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.port, self.routes = self._read_banner()

    def _read(self, stream: IO[str], sink: list[str], announce: bool) -> None:
        for line in stream:
            sink.append(line)
            if announce:
                self._lines.put(line)
        if announce:
            self._lines.put(None)

    def _read_banner(self) -> tuple[int, set[tuple[str, str]]]:
        ports, routes = set(), set()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no banner within {START_TIMEOUT} s; stderr: {''.join(self.stderr)}")
            if line is None:
                pytest.fail(f"local API exited at start; stderr: {''.join(self.stderr)}")
            if match := URL_LINE.match(line):
                ports.add(int(match[2]))
                routes.add((match[1], match[3]))
            if line.strip() == "Ctrl-C to stop":
                (port,) = ports
                return port, routes

    def call(
        self, path: str, payload: Any = None, *, method: str = "POST", key: str | None = API_KEY, raw: bytes = b""
    ) -> tuple[int, str, bytes]:
        """(status, Content-Type, body) of one call made like Dify's client."""
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        body = raw or json.dumps(payload).encode()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers.get("Content-Type", ""), response.read()
        finally:
            connection.close()

    def lines_with(self, text: str, count: int) -> list[str]:
        """The stdout lines holding `text`, once there are `count` of them (or REQUEST_TIMEOUT has passed): a request's
        log lines may reach stdout just after its answer reached the client."""
        deadline = time.monotonic() + REQUEST_TIMEOUT
        while True:
            found = [line for line in self.stdout if text in line]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.01)

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        try:
            code = self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)
            pytest.fail(f"still running {STOP_TIMEOUT} s after signal {signum}")
        for reader in self._readers:
            reader.join(STOP_TIMEOUT)
        return code


@pytest.fixture(scope="module")
def api() -> Iterator[LocalApi]:
    local_api = LocalApi()
    try:
        yield local_api
    finally:
        if local_api.process.poll() is None:
            local_api.stop(signal.SIGINT)


def _json_error(status: int, content_type: str, body: bytes) -> dict[str, Any]:
    """Every refusal: a short JSON object Dify can show as is."""
    assert content_type.startswith("application/json"), (status, content_type)
    assert len(body.decode()) < MAX_ERROR_CHARS, body
    document = json.loads(body)
    assert isinstance(document, dict)
    return document


def test_banner_lists_exactly_the_templates_routes(api: LocalApi) -> None:
    expected = {(r.method, r.path) for f in read_functions(REPO / "template.yaml") for r in f.routes}
    assert api.routes == expected
    assert {path for _, path in api.routes} == {MODERATION, EXTERNAL_DATA_TOOL}
    assert "API key: from LOCAL_API_KEY" in "".join(api.stdout)
    assert "Local AWS (moto) the functions use: http://127.0.0.1:" in "".join(api.stdout)
    assert "  ModerationFunction config: bundled\n" in api.stdout


@pytest.mark.parametrize("path", [MODERATION, EXTERNAL_DATA_TOOL])
@pytest.mark.parametrize("payload", [{"point": "ping", "params": {}}, {"point": "ping"}])
def test_ping(api: LocalApi, path: str, payload: dict[str, Any]) -> None:
    status, content_type, body = api.call(path, payload)
    assert (status, json.loads(body)) == (200, {"result": "pong"})
    assert content_type.startswith("application/json")


def test_input_moderation_answer(api: LocalApi) -> None:
    params = {"app_id": "e2e", "inputs": {"topic": "weather"}, "query": "What is the weather in London?"}
    status, _, body = api.call(MODERATION, {"point": "app.moderation.input", "params": params})
    assert status == 200
    answer = json.loads(body)
    assert isinstance(answer["flagged"], bool)
    assert answer["action"] in ("direct_output", "overridden")
    assert isinstance(answer["preset_response"], str)
    assert isinstance(answer["inputs"], dict)
    assert isinstance(answer["query"], str)
    assert None not in answer.values()


def test_output_moderation_answer(api: LocalApi) -> None:
    params = {"app_id": "e2e", "text": "It is sunny in London today."}
    status, _, body = api.call(MODERATION, {"point": "app.moderation.output", "params": params})
    assert status == 200
    answer = json.loads(body)
    assert isinstance(answer["flagged"], bool)
    assert answer["action"] in ("direct_output", "overridden")
    assert isinstance(answer["preset_response"], str)
    assert isinstance(answer["text"], str)
    assert None not in answer.values()


def test_external_data_query(api: LocalApi) -> None:
    params = {"app_id": "e2e", "tool_variable": "weather_retrieve", "inputs": {"location": "London"}, "query": None}
    status, _, body = api.call(EXTERNAL_DATA_TOOL, {"point": "app.external_data_tool.query", "params": params})
    assert status == 200
    result = json.loads(body)["result"]
    assert isinstance(result, str)
    assert "London" in result


@pytest.mark.parametrize("path", [MODERATION, EXTERNAL_DATA_TOOL])
@pytest.mark.parametrize("key", ["wrong-key-12345", None])
def test_wrong_or_missing_key_is_401(api: LocalApi, path: str, key: str | None) -> None:
    status, content_type, body = api.call(path, {"point": "ping", "params": {}}, key=key)
    assert status == 401
    _json_error(status, content_type, body)


@pytest.mark.parametrize("path", [MODERATION, EXTERNAL_DATA_TOOL])
def test_body_that_is_not_json_is_400(api: LocalApi, path: str) -> None:
    status, content_type, body = api.call(path, raw=b"point=ping")
    assert status == 400
    _json_error(status, content_type, body)


@pytest.mark.parametrize(("method", "path"), [("GET", MODERATION), ("GET", EXTERNAL_DATA_TOOL), ("POST", "/nope")])
def test_no_route_is_404(api: LocalApi, method: str, path: str) -> None:
    status, content_type, body = api.call(path, {"point": "ping"}, method=method)
    assert status == 404
    assert _json_error(status, content_type, body) == {"message": "Not Found"}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_cleanly_after_one_logged_line_per_request(signum: int) -> None:
    api = LocalApi()
    status, _, _ = api.call(MODERATION, {"point": "ping", "params": {}})
    assert status == 200
    started = time.monotonic()
    assert api.stop(signum) == 0
    assert time.monotonic() - started < STOP_TIMEOUT
    stdout, stderr = "".join(api.stdout), "".join(api.stderr)
    assert stdout.rstrip().endswith("stopped")
    assert "Traceback" not in stderr
    assert re.search(r"^POST /moderation ping 200 \d+\.\d ms$", stdout, re.MULTILINE)
    assert API_KEY not in stdout + stderr
