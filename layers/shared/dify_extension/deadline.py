"""Time limits: the request's own (what Lambda has left for it), and calls that cannot overrun theirs, whatever they
block on (a DNS lookup, a TLS handshake, a slow peer, user code). Tools, detectors, the key cache and remote configs
use them."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

T = TypeVar("T")

ANSWER_MARGIN_SECONDS = 0.5
"""Kept back from the function's remaining time to build and return the answer."""

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


@contextmanager
def _deadline_at(deadline: float | None) -> Iterator[None]:
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


@contextmanager
def request_time(remaining_seconds: float | None) -> Iterator[None]:
    """Within the block, the request must be answered within `remaining_seconds` (Lambda's
    get_remaining_time_in_millis), less ANSWER_MARGIN_SECONDS; None: no limit beyond the callers' own."""
    deadline = None if remaining_seconds is None else time.monotonic() + remaining_seconds - ANSWER_MARGIN_SECONDS
    with _deadline_at(deadline):
        yield


def time_left(limit: float) -> float:
    """`limit` seconds, or less when the deadline in force comes first (never below 0): the request's, or that of the
    Flight this runs in. Whatever ran before in the request (a key re-read, an earlier detector) counts against it."""
    deadline = _deadline.get()
    if deadline is None:
        return limit
    return max(0.0, min(limit, deadline - time.monotonic()))


class DeadlineExceeded(TimeoutError):
    """The call did not finish in time; it may still be running, its outcome will be dropped."""


class CallAborted(Exception):
    """The call raised a BaseException that is not an Exception (SystemExit, KeyboardInterrupt...). In the flight's
    thread it ended only that call; raised again in the waiter's thread it would end the process (or the server's
    connection), so the waiter gets this plain error instead, naming only its type."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"raised {type(error).__name__}")


class Flight(Generic[T]):
    """One call of `function()` in a daemon thread of its own, limited to `seconds` (or the caller's deadline, if that
    comes first): inside it, time_left() counts down to that limit, so the AWS clients and HTTP reads it makes stop by
    themselves. Any number of callers may wait for it, each up to a time of their own. Python cannot stop a thread,
    so a call blocked where no timeout reaches (a DNS lookup) runs on; its waiters have given up by then.

    `on_done(flight)` runs in the flight's thread when the call ends, before any waiter wakes up."""

    def __init__(
        self, function: Callable[[], T], seconds: float, on_done: Callable[[Flight[T]], None] | None = None
    ) -> None:
        self.deadline = time.monotonic() + time_left(max(0.0, seconds))
        self._outcome: tuple[bool, Any] | None = None
        self._done = threading.Event()
        # The caller's context (log keys, deadline), so a flight started by a request also ends with it.
        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(self._run, function, on_done), daemon=True).start()

    def _run(self, function: Callable[[], T], on_done: Callable[[Flight[T]], None] | None) -> None:
        try:
            with _deadline_at(self.deadline):
                self._outcome = (True, function())
        except BaseException as error:
            self._outcome = (False, error)
        try:
            if on_done is not None:
                on_done(self)
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def overdue(self) -> bool:
        """Still running past its deadline: as good as failed."""
        return not self.done and time.monotonic() >= self.deadline

    def wait(self, seconds: float) -> bool:
        """Wait for the call to end, at most `seconds` and never past its deadline; whether it has ended."""
        return self._done.wait(max(0.0, min(seconds, self.deadline - time.monotonic())))

    def result(self) -> T:
        """The call's value, or its exception raised again (CallAborted for a BaseException that is not an Exception);
        DeadlineExceeded while it is still running."""
        if self._outcome is None:
            raise DeadlineExceeded
        succeeded, value = self._outcome
        if succeeded:
            return value  # type: ignore[no-any-return]
        if isinstance(value, Exception):
            raise value
        raise CallAborted(value) from None


def run_within(seconds: float, function: Callable[[], T]) -> T:
    """`function()`, or DeadlineExceeded once `seconds` have passed (or the caller's deadline, if that comes first);
    see Flight. No shared pool: a late call never delays a later one."""
    flight = Flight(function, seconds)
    flight.wait(seconds)
    return flight.result()
