"""Time limits: the request's own (what Lambda has left for it), and calls that cannot overrun theirs, whatever they
block on (a DNS lookup, a TLS handshake, a slow peer, user code). Tools and detectors use both."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

ANSWER_MARGIN_SECONDS = 0.5
"""Kept back from the function's remaining time to build and return the answer."""

_request_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("request_deadline", default=None)


@contextmanager
def request_time(remaining_seconds: float | None) -> Iterator[None]:
    """Within the block, the request must be answered within `remaining_seconds` (Lambda's
    get_remaining_time_in_millis), less ANSWER_MARGIN_SECONDS; None: no limit beyond the callers' own."""
    deadline = None if remaining_seconds is None else time.monotonic() + remaining_seconds - ANSWER_MARGIN_SECONDS
    token = _request_deadline.set(deadline)
    try:
        yield
    finally:
        _request_deadline.reset(token)


def time_left(limit: float) -> float:
    """`limit` seconds, or less when the request's deadline comes first (never below 0): whatever ran before in this
    request (a key or config re-read, an earlier detector) counts against it."""
    deadline = _request_deadline.get()
    if deadline is None:
        return limit
    return max(0.0, min(limit, deadline - time.monotonic()))


class DeadlineExceeded(TimeoutError):
    """The call did not finish in time; it may still be running, its outcome will be dropped."""


def run_within(seconds: float, function: Callable[[], T]) -> T:
    """`function()`, or DeadlineExceeded once `seconds` have passed. It runs in a daemon thread of its own with the
    caller's context (log keys); Python cannot stop a thread, so a late one runs on until it ends by itself (no
    shared pool, so a late call never delays a later one)."""
    outcome: list[tuple[bool, Any]] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, function()))
        except BaseException as error:
            outcome.append((False, error))
        finally:
            done.set()

    threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True).start()
    if not done.wait(max(0.0, seconds)):
        raise DeadlineExceeded
    succeeded, value = outcome[0]
    if succeeded:
        return value  # type: ignore[no-any-return]
    raise value
