"""Which API keys are valid right now: a cache over the secret's AWSCURRENT and AWSPENDING versions.

Accepting the pending version is what makes rotation seamless: put the new key as AWSPENDING, change it in Dify,
then promote it to AWSCURRENT. No AWS here: the cache takes any loader, so it is tested with a fake clock.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial

from dify_extension.deadline import Flight, time_left

KeyLoader = Callable[[], Sequence[str]]

KEY_READ_SECONDS = 2.0
"""The longest a read of the keys (AWSCURRENT and AWSPENDING) may take in all, and so the longest a request waits
for one: with the config's re-read (see config_source), a request facing a failing AWS still answers within 2.5 s."""


class KeyUnavailableError(Exception):
    """The valid keys cannot be known: every request must be refused (fail closed)."""


def usable_keys(*values: str | None) -> tuple[str, ...]:
    """The keys among secret values: surrounding whitespace (a trailing newline from a file) is not part of a key."""
    return tuple(stripped for value in values if value and (stripped := value.strip()))


class ApiKeyCache:
    """Checks presented keys against the loaded ones, reloading them at most as often as the settings allow.

    - The keys are reloaded when older than `ttl_seconds`; until then they stay valid, whatever happens.
    - A key that matches none of them triggers an early reload, at most one per `refresh_interval_seconds`: a key
      just changed in Secrets Manager works on its first use, while a stream of bad keys causes at most one
      Secrets Manager read per interval. If that reload fails, the keys not yet expired stay valid: a wrong key
      sent during a Secrets Manager blip never locks valid users out.
    - Once the keys have expired, a failed reload refuses everyone (fail closed) and is not retried within
      `refresh_interval_seconds`. A failed prefetch does not start that back-off: the first request reads again
      (within its own wait).
    - One read at a time (a Flight), limited to `read_seconds` in all; a request waits for reads at most that long
      in all, or less when the request's own deadline comes first, and then answers with what is known.
    """

    def __init__(
        self,
        load: KeyLoader,
        *,
        ttl_seconds: float,
        refresh_interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        read_seconds: float = KEY_READ_SECONDS,
    ) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._refresh_interval = refresh_interval_seconds
        self._clock = clock
        self._read_seconds = read_seconds
        self._lock = threading.Lock()
        self._keys: tuple[bytes, ...] = ()
        self._loaded_at: float | None = None
        self._failed_at: float | None = None
        self._early_reload_at: float | None = None
        self._last_error = ""
        self._flight: Flight[Sequence[str]] | None = None
        self._loaded_by: Flight[Sequence[str]] | None = None

    def prefetch(self) -> None:
        """Start loading the keys in the background, so that the network wait overlaps the rest of a cold start
        (importing pydantic and Powertools); the first `verify` waits for it."""
        with self._lock:
            self._read(self._clock(), prefetch=True)

    def verify(self, presented: str) -> bool:
        """Whether `presented` is a valid key. Raises KeyUnavailableError when no valid key is known."""
        candidate = presented.encode()
        give_up_at = time.monotonic() + time_left(self._read_seconds)
        waited: Flight[Sequence[str]] | None = None
        while True:
            with self._lock:
                now = self._clock()
                # The keys of the read this request waited for count even with a TTL of 0.
                if self._fresh(now) or (waited is not None and waited is self._loaded_by):
                    matched = self._matches(candidate)
                    early_reload_due = (
                        self._early_reload_at is None or now - self._early_reload_at >= self._refresh_interval
                    )
                    if matched or waited is not None or not early_reload_due:
                        return matched
                    self._early_reload_at = now
                else:
                    self._refuse_unless_worth_reading(now, waited, give_up_at)
                flight = self._read(now)
            flight.wait(give_up_at - time.monotonic())
            waited = flight

    def _refuse_unless_worth_reading(self, now: float, waited: Flight[Sequence[str]] | None, give_up_at: float) -> None:
        """KeyUnavailableError, unless this request should start (or join) a read: no read failed within the refresh
        interval, and the one it waited for, if any, was a prefetch that failed while time is left to read again."""
        if waited is not None and not waited.done:
            raise KeyUnavailableError(f"no answer from the key's source within {self._read_seconds:g} s")
        if self._failed_at is not None and now - self._failed_at < self._refresh_interval:
            raise KeyUnavailableError(f"last load failed {now - self._failed_at:.1f}s ago: {self._last_error}")
        if waited is not None and time.monotonic() >= give_up_at:
            raise KeyUnavailableError(self._last_error)

    def _fresh(self, now: float) -> bool:
        return bool(self._keys) and self._loaded_at is not None and now - self._loaded_at < self._ttl

    def _matches(self, candidate: bytes) -> bool:
        # Compare with every key, without stopping at the first match, so timing tells nothing about which matched.
        return any([hmac.compare_digest(candidate, key) for key in self._keys])

    def _read(self, now: float, *, prefetch: bool = False) -> Flight[Sequence[str]]:
        """The read in flight, or a new one (single flight: concurrent requests never each start a hung read)."""
        flight = self._flight
        if flight is None or flight.done or flight.overdue:
            finished = partial(self._finished, started=now, prefetch=prefetch)
            flight = self._flight = Flight(self._load, self._read_seconds, finished)
        return flight

    def _finished(self, flight: Flight[Sequence[str]], *, started: float, prefetch: bool) -> None:
        with self._lock:
            if flight is not self._flight:
                return  # an overdue read, replaced by a newer one
            self._flight = None
            try:
                keys = usable_keys(*flight.result())
                if not keys:
                    raise KeyUnavailableError("the secret holds no key (empty value)")
            except Exception as error:
                self._last_error = str(error) or type(error).__name__
                if not prefetch:
                    self._failed_at = self._clock()  # the back-off runs from when the failure was known
                return
            self._keys = tuple(key.encode() for key in keys)
            self._loaded_at = started
            self._loaded_by = flight
            self._failed_at = None
