"""The API key when Secrets Manager misbehaves, at start (the prefetch) and later (the TTL's reload, the early
reload a wrong key causes): every request is answered within BOUND seconds, nobody gets in without a known valid
key, and a wrong key never locks valid users out."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from local_api.events import LambdaContext, dify_event
from tests.faults.faulty_aws import FAULTS, FaultyAws, Mode, faulty_aws
from tests.handlers.conftest import FUNCTIONS, Handler, load_handler
from tests.unit.test_secrets_manager_client import unused_port

KEY = "fault-tests-key-0123456789"
BOUND = 3.5
"""Seconds within which any request facing a faulty AWS is answered (the function's timeout is 10 s or more)."""
UNAVAILABLE = (503, {"error": "API key unavailable; try again later"})
PATHS = {"moderation": "/moderation", "external_data_tool": "/external-data-tool"}


def ask(handler: Handler, package: str, key: str = KEY) -> tuple[int, dict[str, Any], float]:
    """A ping as Dify sends it, with the function's own timeout: status, body, seconds taken."""
    context = LambdaContext(package, timeout_seconds=FUNCTIONS[package].timeout_seconds)
    started = time.monotonic()
    response = handler(dify_event(PATHS[package], {"point": "ping"}, key), context)
    return response["statusCode"], json.loads(response["body"]), time.monotonic() - started


@pytest.fixture
def secrets_manager(
    moto_endpoint: str, secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultyAws]:
    """The test's secret in moto, behind a faulty endpoint the functions use for Secrets Manager."""
    secrets.create_secret(Name=secret_name, SecretString=KEY)
    with faulty_aws(moto_endpoint) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", proxy.url)
        yield proxy


def start(package: str, monkeypatch: pytest.MonkeyPatch, secret_name: str, **settings: str) -> tuple[Handler, float]:
    """A cold start (the import prefetches the key); returns the handler and when the import began."""
    began = time.monotonic()
    return load_handler(package, monkeypatch, API_KEY_SECRET_ID=secret_name, **settings), began


@pytest.mark.parametrize("mode", FAULTS)
def test_a_faulty_secrets_manager_at_start_refuses_within_the_bound(
    mode: Mode, secrets_manager: FaultyAws, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the fault, the first request (waiting for the prefetch) and the next one (which may read again) are
    refused with 503 within BOUND seconds of the cold start, and of their own start."""
    secrets_manager.mode = mode
    handler, began = start("moderation", monkeypatch, secret_name)
    status, body, _ = ask(handler, "moderation")
    assert ((status, body), time.monotonic() - began < BOUND) == (UNAVAILABLE, True)
    status, body, elapsed = ask(handler, "moderation")
    assert ((status, body), elapsed < BOUND) == (UNAVAILABLE, True)


@pytest.mark.parametrize("package", ["moderation", "external_data_tool"])
def test_a_refused_connection_at_start_refuses_at_once(
    package: str, secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets.create_secret(Name=secret_name, SecretString=KEY)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", f"http://127.0.0.1:{unused_port()}")
    handler, began = start(package, monkeypatch, secret_name)
    status, body, _ = ask(handler, package)
    assert ((status, body), time.monotonic() - began < BOUND) == (UNAVAILABLE, True)


def test_a_hung_secrets_manager_holds_the_tools_function_no_longer(
    secrets_manager: FaultyAws, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The external data tool function (timeout 29 s) waits no longer than the moderation function."""
    secrets_manager.mode = "hang"
    handler, began = start("external_data_tool", monkeypatch, secret_name)
    status, body, _ = ask(handler, "external_data_tool")
    assert ((status, body), time.monotonic() - began < BOUND) == (UNAVAILABLE, True)


def test_a_blip_at_start_is_over_for_the_request_after_it(
    secrets_manager: FaultyAws, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prefetch that failed does not hold the function back: once Secrets Manager answers, the next request is
    served (a failed prefetch starts no back-off)."""
    secrets_manager.mode = "throttle"
    handler, _ = start("moderation", monkeypatch, secret_name)
    time.sleep(0.3)  # the prefetch has failed
    secrets_manager.mode = "pass"
    status, body, elapsed = ask(handler, "moderation")
    assert ((status, body), elapsed < BOUND) == ((200, {"result": "pong"}), True)


def test_concurrent_requests_facing_a_hung_secrets_manager_start_no_reads_of_their_own(
    secrets_manager: FaultyAws, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight requests at once (the local API serves from threads) join the read in flight: no pile of hung reads,
    and each is answered within the bound."""
    secrets_manager.mode = "hang"
    handler, _ = start("moderation", monkeypatch, secret_name)
    answers: list[tuple[int, dict[str, Any], float]] = []
    begin = threading.Barrier(8)

    def request() -> None:
        begin.wait()
        answers.append(ask(handler, "moderation"))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [(status, body) for status, body, _ in answers] == [UNAVAILABLE] * 8
    assert max(elapsed for _, _, elapsed in answers) < BOUND
    # The prefetch's read, joined by all; and at most one more, when the prefetch fails while a request still has
    # time to wait (it reads again: a failed prefetch starts no back-off). Never one per request.
    assert secrets_manager.connections <= 2


@pytest.mark.parametrize("mode", FAULTS)
def test_a_wrong_key_during_a_fault_never_locks_valid_users_out(
    mode: Mode, secrets_manager: FaultyAws, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: 200. A wrong key while Secrets Manager fails: 401 (a wrong key, not 'unavailable'), in time. The
    valid key right after, and again: 200 at once."""
    handler, _ = start("moderation", monkeypatch, secret_name)
    assert ask(handler, "moderation")[:2] == (200, {"result": "pong"})
    secrets_manager.mode = mode

    status, body, elapsed = ask(handler, "moderation", key=KEY + "-wrong")
    assert ((status, body), elapsed < BOUND) == ((401, {"error": "unauthorized: invalid API key"}), True)
    for _ in range(2):
        status, body, elapsed = ask(handler, "moderation")
        assert ((status, body), elapsed < 0.5) == ((200, {"result": "pong"}), True)


@pytest.mark.parametrize("mode", ["hang", "drip", "throttle", "not-json"])
def test_expired_keys_during_a_fault_fail_closed_in_time_then_recover(
    mode: Mode, secrets_manager: FaultyAws, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the TTL, a reload that fails refuses everyone (fail closed) within the bound; later requests in the
    refresh interval are refused at once; once Secrets Manager answers again, the valid key works."""
    handler, _ = start(
        "moderation",
        monkeypatch,
        secret_name,
        API_KEY_CACHE_TTL_SECONDS="1",
        API_KEY_REFRESH_INTERVAL_SECONDS="1",
    )
    assert ask(handler, "moderation")[:2] == (200, {"result": "pong"})
    secrets_manager.mode = mode
    time.sleep(1.05)

    status, body, elapsed = ask(handler, "moderation")
    assert ((status, body), elapsed < BOUND) == (UNAVAILABLE, True)
    time.sleep(0.1 if mode in ("throttle", "not-json") else 0.6)  # a hung read has ended at its own limit
    status, body, elapsed = ask(handler, "moderation")
    assert ((status, body), elapsed < 0.5) == (UNAVAILABLE, True)

    secrets_manager.mode = "pass"
    time.sleep(1.05)
    assert ask(handler, "moderation")[:2] == (200, {"result": "pong"})
