"""dify_extension.deadline: the request's time left, and calls that cannot overrun their limit."""

from __future__ import annotations

import threading
import time

import pytest

from dify_extension.deadline import (
    ANSWER_MARGIN_SECONDS,
    CallAborted,
    DeadlineExceeded,
    Flight,
    request_time,
    run_within,
    time_left,
)


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


@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt(), GeneratorExit()])
def test_a_base_exception_in_the_call_reaches_the_waiter_as_a_plain_error(error: BaseException) -> None:
    """Raised again in the waiter's thread, a SystemExit would end the process (or drop make run's connection)."""

    def abort() -> None:
        raise error

    with pytest.raises(CallAborted, match=f"^raised {type(error).__name__}$") as caught:
        run_within(1.0, abort)
    assert isinstance(caught.value, Exception)


def test_run_within_gives_up_at_the_deadline_while_the_call_runs_on() -> None:
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        run_within(0.2, lambda: release.wait(5))
    assert time.monotonic() - started < 1.0
    release.set()


def test_a_flight_bounds_time_left_inside_it_by_its_limit_and_the_callers_deadline() -> None:
    """Inside a Flight, time_left counts down to its limit, or to the caller's deadline if that comes first."""
    seen: list[float] = []
    Flight(lambda: seen.append(time_left(10.0)), 1.0).wait(5)
    with request_time(ANSWER_MARGIN_SECONDS + 0.3):
        Flight(lambda: seen.append(time_left(10.0)), 1.0).wait(5)
    assert 0.8 < seen[0] <= 1.0
    assert 0.1 < seen[1] <= 0.3


def test_on_done_runs_before_any_waiter_wakes_and_sees_the_outcome() -> None:
    order: list[str] = []

    def done(flight: Flight[int]) -> None:
        order.append(f"done {flight.result()}")

    flight = Flight(lambda: 7, 1.0, done)
    assert flight.wait(5)
    order.append("woke")
    assert order == ["done 7", "woke"]


def test_a_flight_past_its_deadline_is_overdue_and_its_result_not_ready() -> None:
    release = threading.Event()
    flight = Flight(lambda: release.wait(5), 0.1)
    started = time.monotonic()
    assert not flight.wait(1.0)
    assert time.monotonic() - started < 0.5  # at the flight's deadline, not after the second asked
    assert flight.overdue
    with pytest.raises(DeadlineExceeded):
        flight.result()
    release.set()
