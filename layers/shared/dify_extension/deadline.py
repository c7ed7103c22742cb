"""A call that cannot overrun its deadline, whatever it blocks on (a DNS lookup, a TLS handshake, a slow peer,
user code): the time limits of tools and detectors."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


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
