"""dify_extension.deadline: the request's time left, and calls that cannot overrun their limit."""

from __future__ import annotations

import threading
import time

import pytest

from dify_extension.deadline import ANSWER_MARGIN_SECONDS, DeadlineExceeded, request_time, run_within, time_left


def test_without_a_request_the_limit_is_the_callers() -> None:
    assert time_left(7.0) == 7.0


def test_the_requests_time_left_less_the_margin_caps_the_limit_and_ends_with_the_block() -> None:
    with request_time(2.0):
        left = time_left(10.0)
        assert 2.0 - ANSWER_MARGIN_SECONDS - 0.2 < left <= 2.0 - ANSWER_MARGIN_SECONDS
        assert time_left(0.3) == 0.3
    with request_time(None):
        assert time_left(10.0) == 10.0
    assert time_left(10.0) == 10.0


def test_time_already_spent_counts_and_never_goes_below_zero() -> None:
    with request_time(ANSWER_MARGIN_SECONDS + 0.05):
        time.sleep(0.1)
        assert time_left(5.0) == 0.0


def test_run_within_returns_the_value_or_raises_the_calls_own_error() -> None:
    def fail() -> int:
        raise KeyError("missing")

    assert run_within(1.0, lambda: 42) == 42
    with pytest.raises(KeyError):
        run_within(1.0, fail)


def test_run_within_gives_up_at_the_deadline_while_the_call_runs_on() -> None:
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        run_within(0.2, lambda: release.wait(5))
    assert time.monotonic() - started < 1.0
    release.set()
