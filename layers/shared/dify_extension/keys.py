"""Which API keys are valid right now: a cache over the secret's AWSCURRENT and AWSPENDING versions.

Accepting the pending version is what makes rotation seamless: put the new key as AWSPENDING, change it in Dify,
then promote it to AWSCURRENT. No AWS here: the cache takes any loader, so it is tested with a fake clock.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Sequence

KeyLoader = Callable[[], Sequence[str]]


class KeyUnavailableError(Exception):
    """The valid keys cannot be known: every request must be refused (fail closed)."""


def usable_keys(*values: str | None) -> tuple[str, ...]:
    """The keys among secret values: surrounding whitespace (a trailing newline from a file) is not part of a key."""
    return tuple(stripped for value in values if value and (stripped := value.strip()))


class ApiKeyCache:
    """Checks presented keys against the loaded ones, reloading them at most as often as the settings allow.

    - The keys are reloaded when older than `ttl_seconds`.
    - A key that matches none of them triggers an early reload, at most one per `refresh_interval_seconds`: a key
      just changed in Secrets Manager works on its first use, while a stream of bad keys causes at most one
      Secrets Manager read per interval.
    - A failed load forgets all keys (fail closed) and is not retried within `refresh_interval_seconds`.
    """

    def __init__(
        self,
        load: KeyLoader,
        *,
        ttl_seconds: float,
        refresh_interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._refresh_interval = refresh_interval_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: tuple[bytes, ...] = ()
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._early_reload_at: float | None = None
        self._last_error = ""

    def prefetch(self) -> None:
        """Start loading the keys in a background thread, so that the network wait overlaps the rest of a cold
        start (importing pydantic and Powertools); the first `verify` waits for it on the lock."""
        threading.Thread(target=self._prefetch, name="api-key-prefetch", daemon=True).start()

    def _prefetch(self) -> None:
        with self._lock:
            if self._loaded_at is not None:
                return
            try:
                self._reload(self._clock())
            except KeyUnavailableError:
                # Let the first request try again at once and report why; a prefetch must not start the back-off.
                self._attempted_at = None

    def verify(self, presented: str) -> bool:
        """Whether `presented` is a valid key. Raises KeyUnavailableError when the keys cannot be loaded."""
        candidate = presented.encode()
        with self._lock:
            now = self._clock()
            just_loaded = self._loaded_at is None or now - self._loaded_at >= self._ttl
            if just_loaded:
                self._reload(now)
            if self._matches(candidate):
                return True
            if just_loaded or (
                self._early_reload_at is not None and now - self._early_reload_at < self._refresh_interval
            ):
                return False
            self._early_reload_at = now
            self._reload(now)
            return self._matches(candidate)

    def _matches(self, candidate: bytes) -> bool:
        # Compare with every key, without stopping at the first match, so timing tells nothing about which matched.
        return any([hmac.compare_digest(candidate, key) for key in self._keys])

    def _reload(self, now: float) -> None:
        if (
            self._loaded_at is None
            and self._attempted_at is not None
            and now - self._attempted_at < self._refresh_interval
        ):
            raise KeyUnavailableError(f"last load failed {now - self._attempted_at:.1f}s ago: {self._last_error}")
        self._attempted_at = now
        try:
            keys = usable_keys(*self._load())
            if not keys:
                raise KeyUnavailableError("the secret holds no key (empty value)")
        except Exception as error:
            self._keys, self._loaded_at = (), None
            self._last_error = str(error)
            raise KeyUnavailableError(self._last_error) from error
        self._keys = tuple(key.encode() for key in keys)
        self._loaded_at = now
