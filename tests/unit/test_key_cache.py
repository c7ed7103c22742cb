"""ApiKeyCache: which keys are valid, when they are reloaded, and failing closed; with a fake clock and loader."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

import pytest

from dify_extension.deadline import ANSWER_MARGIN_SECONDS, request_time
from dify_extension.keys import ApiKeyCache, KeyUnavailableError, usable_keys

TTL = 300.0
INTERVAL = 10.0
CURRENT = "current-key-123"
PENDING = "pending-key-456"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeLoader:
    """Stands in for Secrets Manager: returns `keys`, or raises `error`; counts its calls."""

    def __init__(self, *keys: str) -> None:
        self.keys: Sequence[str] = keys
        self.error: Exception | None = None
        self.calls = 0
        self.threads: list[threading.Thread] = []

    def __call__(self) -> Sequence[str]:
        self.calls += 1
        self.threads.append(threading.current_thread())
        if self.error is not None:
            raise self.error
        return self.keys


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def loader() -> FakeLoader:
    return FakeLoader(CURRENT)


@pytest.fixture
def cache(loader: FakeLoader, clock: FakeClock) -> ApiKeyCache:
    return ApiKeyCache(loader, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock)


def test_keys_are_loaded_on_first_verify(cache: ApiKeyCache, loader: FakeLoader) -> None:
    """Nothing is loaded until a key must be checked; then the loaded key is accepted."""
    assert loader.calls == 0
    assert cache.verify(CURRENT) is True
    assert loader.calls == 1


def test_keys_are_cached_until_the_ttl(cache: ApiKeyCache, loader: FakeLoader, clock: FakeClock) -> None:
    """Valid keys are served from memory until `ttl_seconds` after the load, then reloaded once."""
    assert cache.verify(CURRENT)
    for _ in range(5):
        clock.advance((TTL - 1) / 5)
        assert cache.verify(CURRENT)
    assert loader.calls == 1
    clock.now = 1000.0 + TTL
    assert cache.verify(CURRENT)
    assert loader.calls == 2
    clock.advance(TTL - 1)
    assert cache.verify(CURRENT)
    assert loader.calls == 2


def test_a_key_removed_from_the_source_is_refused_after_the_ttl(
    cache: ApiKeyCache, loader: FakeLoader, clock: FakeClock
) -> None:
    """The TTL reload also drops keys: an old key stops working once the cache expires."""
    assert cache.verify(CURRENT)
    loader.keys = ("replacement-key",)
    clock.advance(TTL)
    assert cache.verify(CURRENT) is False
    assert cache.verify("replacement-key") is True


def test_current_and_pending_are_both_accepted(clock: FakeClock) -> None:
    """During a rotation both AWSCURRENT and AWSPENDING work, from a single load."""
    loader = FakeLoader(CURRENT, PENDING)
    cache = ApiKeyCache(loader, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock)
    assert cache.verify(CURRENT)
    assert cache.verify(PENDING)
    assert loader.calls == 1


def test_wrong_keys_reload_at_most_once_per_interval(cache: ApiKeyCache, loader: FakeLoader, clock: FakeClock) -> None:
    """A wrong key triggers one early reload; more wrong keys within the interval trigger none; then one again."""
    assert cache.verify(CURRENT)
    clock.advance(INTERVAL + 1)
    assert cache.verify("wrong-1") is False
    assert loader.calls == 2
    for step in range(9):
        clock.advance(INTERVAL / 10)
        assert cache.verify(f"wrong-{step}") is False
    assert loader.calls == 2
    clock.advance(INTERVAL / 10)
    assert cache.verify("wrong-again") is False
    assert loader.calls == 3
    assert cache.verify(CURRENT)
    assert loader.calls == 3


def test_a_stream_of_wrong_keys_on_a_cold_cache_is_throttled(
    cache: ApiKeyCache, loader: FakeLoader, clock: FakeClock
) -> None:
    """From a cold start, a burst of wrong keys reads the source twice: the first load (which that first wrong key
    is checked against, without a second read), then one early reload for the whole interval."""
    assert cache.verify("wrong-first") is False
    assert loader.calls == 1
    for step in range(20):
        clock.advance(INTERVAL / 40)
        assert cache.verify(f"wrong-{step}") is False
    assert loader.calls == 2
    clock.advance(INTERVAL)
    assert cache.verify("wrong-again") is False
    assert loader.calls == 3


def test_changed_key_is_accepted_on_its_first_use(cache: ApiKeyCache, loader: FakeLoader, clock: FakeClock) -> None:
    """A key changed in the source works at its first use; the old one stops working with that reload."""
    assert cache.verify(CURRENT)
    clock.advance(INTERVAL)
    loader.keys = ("new-key-789",)
    assert cache.verify("new-key-789") is True
    assert loader.calls == 2
    assert cache.verify(CURRENT) is False


def test_changed_key_within_the_interval_waits_for_it(cache: ApiKeyCache, loader: FakeLoader, clock: FakeClock) -> None:
    """Right after an early reload, a newly changed key is refused until `refresh_interval` has passed since it."""
    assert cache.verify(CURRENT)
    clock.advance(INTERVAL)
    assert cache.verify("wrong-key") is False
    assert loader.calls == 2
    loader.keys = ("newer-key-000",)
    clock.advance(INTERVAL - 0.5)
    assert cache.verify("newer-key-000") is False
    assert loader.calls == 2
    clock.advance(0.5)
    assert cache.verify("newer-key-000") is True
    assert loader.calls == 3


def test_failed_load_fails_closed_and_backs_off(cache: ApiKeyCache, loader: FakeLoader, clock: FakeClock) -> None:
    """A failed load raises KeyUnavailableError, forgets the old keys, and is retried only after the interval."""
    assert cache.verify(CURRENT)
    loader.error = RuntimeError("AccessDeniedException: not allowed")
    clock.advance(TTL)
    with pytest.raises(KeyUnavailableError, match="AccessDeniedException"):
        cache.verify(CURRENT)
    assert loader.calls == 2

    loader.error = None
    clock.advance(INTERVAL - 0.1)
    with pytest.raises(KeyUnavailableError):
        cache.verify(CURRENT)
    assert loader.calls == 2

    clock.advance(0.1)
    assert cache.verify(CURRENT)
    assert loader.calls == 3


def test_failed_early_reload_keeps_the_unexpired_keys(cache: ApiKeyCache, loader: FakeLoader, clock: FakeClock) -> None:
    """A wrong key during a Secrets Manager blip is refused as wrong (not 'unavailable'), and the valid key keeps
    working until it expires: one bad key never locks valid users out. Past the TTL, a failed load fails closed."""
    assert cache.verify(CURRENT)
    loader.error = ConnectionError("ThrottlingException: Rate exceeded")
    clock.advance(INTERVAL)
    assert cache.verify("wrong-key") is False
    assert loader.calls == 2
    clock.advance(1)
    assert cache.verify(CURRENT) is True
    assert cache.verify("wrong-again") is False
    assert loader.calls == 2

    clock.now = 1000.0 + TTL
    with pytest.raises(KeyUnavailableError, match="ThrottlingException"):
        cache.verify(CURRENT)


def test_first_load_failure_is_not_retried_within_the_interval(
    cache: ApiKeyCache, loader: FakeLoader, clock: FakeClock
) -> None:
    """When the very first load fails, requests within the interval are refused without calling the loader."""
    loader.error = TimeoutError("timed out")
    with pytest.raises(KeyUnavailableError):
        cache.verify(CURRENT)
    loader.error = None
    for _ in range(3):
        clock.advance(INTERVAL / 4)
        with pytest.raises(KeyUnavailableError):
            cache.verify(CURRENT)
    assert loader.calls == 1
    clock.advance(INTERVAL / 4)
    assert cache.verify(CURRENT)
    assert loader.calls == 2


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(("",), id="empty"),
        pytest.param(("   ",), id="spaces"),
        pytest.param(("\n",), id="newline"),
        pytest.param(("", " \t\n"), id="both-blank"),
        pytest.param((), id="none"),
    ],
)
def test_empty_secret_is_unavailable(values: tuple[str, ...], clock: FakeClock) -> None:
    """A secret holding only whitespace is no key at all: every request is refused with KeyUnavailableError."""
    cache = ApiKeyCache(FakeLoader(*values), ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock)
    for presented in ["", " ", "anything"]:
        with pytest.raises(KeyUnavailableError):
            cache.verify(presented)


@pytest.mark.parametrize("stored", [f"{CURRENT}\n", f"  {CURRENT}  ", f"\t{CURRENT}\r\n"])
def test_whitespace_around_a_stored_key_is_ignored(stored: str, clock: FakeClock) -> None:
    """A key stored with a trailing newline (e.g. from a file) matches the key without it."""
    cache = ApiKeyCache(FakeLoader(stored), ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock)
    assert cache.verify(CURRENT)
    assert cache.verify(stored) is False


def test_a_blank_pending_value_leaves_the_current_key_valid(clock: FakeClock) -> None:
    """An empty AWSPENDING value is skipped rather than failing the whole load."""
    cache = ApiKeyCache(FakeLoader(CURRENT, "  "), ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock)
    assert cache.verify(CURRENT)
    assert cache.verify("") is False
    assert cache.verify("  ") is False


@pytest.mark.parametrize(
    "presented",
    [
        CURRENT[:-1],
        CURRENT[1:],
        CURRENT + "x",
        "x" + CURRENT,
        CURRENT.upper(),
        f"{CURRENT} ",
        "",
        CURRENT + PENDING,
    ],
)
def test_comparison_is_exact(presented: str, clock: FakeClock) -> None:
    """Prefixes, suffixes, other case and concatenations of valid keys are refused."""
    cache = ApiKeyCache(FakeLoader(CURRENT, PENDING), ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock)
    assert cache.verify(presented) is False


def test_non_ascii_key_is_compared_exactly(clock: FakeClock) -> None:
    """Keys are compared as UTF-8 bytes: a non-ASCII key works and its look-alike does not."""
    cache = ApiKeyCache(FakeLoader("clé-ü"), ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock)
    assert cache.verify("clé-ü")
    assert cache.verify("cle-u") is False


def test_prefetch_loads_in_the_background(clock: FakeClock) -> None:
    """prefetch() returns at once and loads on another thread; a later verify makes no further load call."""
    release = threading.Event()
    started = threading.Event()
    keys = FakeLoader(CURRENT)

    def slow_loader() -> Sequence[str]:
        started.set()
        assert release.wait(5)
        return keys()

    cache = ApiKeyCache(slow_loader, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock)
    cache.prefetch()
    assert started.wait(5), "prefetch did not start loading"
    assert keys.calls == 0  # prefetch() returned while the load was still waiting
    release.set()
    assert cache.verify(CURRENT)  # waits for the prefetch on the lock
    assert keys.calls == 1
    assert keys.threads[0] is not threading.current_thread()


def test_failed_prefetch_does_not_delay_the_first_verify(clock: FakeClock) -> None:
    """A failed prefetch does not start the back-off: the first verify tries to load again at once."""
    loader = FakeLoader(CURRENT)
    loader.error = ConnectionError("cold network")
    failed = threading.Event()

    def failing_once() -> Sequence[str]:
        try:
            return loader()
        finally:
            loader.error = None
            failed.set()

    cache = ApiKeyCache(failing_once, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock)
    cache.prefetch()
    assert failed.wait(5), "prefetch did not run"
    assert cache.verify(CURRENT)
    assert loader.calls == 2
    assert threading.current_thread() not in loader.threads


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((CURRENT, PENDING), (CURRENT, PENDING)),
        ((CURRENT, None), (CURRENT,)),
        ((None, PENDING), (PENDING,)),
        ((CURRENT, ""), (CURRENT,)),
        (("", "  ", None), ()),
        ((f" {CURRENT}\n", f"{PENDING}\r\n"), (CURRENT, PENDING)),
        ((), ()),
    ],
)
def test_usable_keys_drops_none_and_empty(values: tuple[str | None, ...], expected: tuple[str, ...]) -> None:
    """usable_keys keeps the non-blank values, stripped, in order."""
    assert usable_keys(*values) == expected


class HungLoader(FakeLoader):
    """A Secrets Manager that does not answer until released; counts the reads started."""

    def __init__(self, *keys: str) -> None:
        super().__init__(*keys)
        self.release = threading.Event()

    def __call__(self) -> Sequence[str]:
        self.calls += 1
        self.release.wait(10)
        if self.error is not None:
            raise self.error
        return self.keys


READ = 0.3
"""A short read limit, so that the tests of hung reads end quickly."""


@pytest.fixture
def hung() -> Iterator[HungLoader]:
    loader = HungLoader(CURRENT)
    yield loader
    loader.release.set()


def timed_verify(cache: ApiKeyCache, key: str) -> tuple[bool | str, float]:
    """What verify says (its error's message when it raises) and how long it took."""
    started = time.monotonic()
    try:
        outcome: bool | str = cache.verify(key)
    except KeyUnavailableError as error:
        outcome = str(error)
    return outcome, time.monotonic() - started


def test_a_hung_read_is_given_up_after_the_read_limit(hung: HungLoader, clock: FakeClock) -> None:
    """No answer: the request is refused as unavailable after about `read_seconds`, not after a socket timeout."""
    cache = ApiKeyCache(hung, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock, read_seconds=READ)
    outcome, elapsed = timed_verify(cache, CURRENT)
    assert outcome == "no answer from the key's source within 0.3 s"
    assert READ - 0.05 <= elapsed < READ + 1.0


def test_the_requests_deadline_cuts_the_wait_shorter(hung: HungLoader, clock: FakeClock) -> None:
    """A request with less time left than the read limit waits only for that time."""
    cache = ApiKeyCache(hung, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock, read_seconds=5.0)
    with request_time(ANSWER_MARGIN_SECONDS + 0.2):
        outcome, elapsed = timed_verify(cache, CURRENT)
    assert isinstance(outcome, str)
    assert elapsed < 1.5


def test_concurrent_requests_share_one_read(hung: HungLoader, clock: FakeClock) -> None:
    """Eight requests meeting a hung Secrets Manager start one read between them, and each gives up in time."""
    cache = ApiKeyCache(hung, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock, read_seconds=READ)
    start = threading.Barrier(8)
    results: list[tuple[bool | str, float]] = []

    def request() -> None:
        start.wait()
        results.append(timed_verify(cache, CURRENT))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 8
    assert all(isinstance(outcome, str) and elapsed < READ + 1.0 for outcome, elapsed in results)
    assert hung.calls == 1


def test_waiting_for_an_in_flight_prefetch_is_bounded_by_its_limit(hung: HungLoader, clock: FakeClock) -> None:
    """The first request after a hung prefetch waits only for what is left of the prefetch's limit."""
    cache = ApiKeyCache(hung, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock, read_seconds=READ)
    cache.prefetch()
    time.sleep(READ / 2)
    outcome, elapsed = timed_verify(cache, CURRENT)
    assert isinstance(outcome, str)
    assert elapsed < READ
    assert hung.calls == 1


def test_a_prefetch_that_ends_after_a_request_gave_up_serves_the_next(clock: FakeClock) -> None:
    """A prefetch slower than a short request's wait still fills the cache when it ends (within its own limit)."""
    release = threading.Event()
    calls: list[int] = []

    def slow() -> Sequence[str]:
        calls.append(1)
        release.wait(5)
        return (CURRENT,)

    cache = ApiKeyCache(slow, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock, read_seconds=3.0)
    cache.prefetch()
    with request_time(ANSWER_MARGIN_SECONDS + 0.1):
        assert isinstance(timed_verify(cache, CURRENT)[0], str)
    release.set()
    assert cache.verify(CURRENT) is True
    assert len(calls) == 1


def test_an_overdue_read_is_replaced_and_its_late_answer_dropped(clock: FakeClock) -> None:
    """A read still running past its limit counts as failed: the next request starts a new one, and when the old
    one answers at last, what it says is ignored."""
    answers = iter([("stale-key-000",), (CURRENT,)])
    first_release = threading.Event()
    first_done = threading.Event()

    def load() -> Sequence[str]:
        keys = next(answers)
        if keys == ("stale-key-000",):
            first_release.wait(5)
            first_done.set()
        return keys

    cache = ApiKeyCache(load, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock, read_seconds=READ)
    cache.prefetch()
    time.sleep(READ + 0.05)
    assert cache.verify(CURRENT) is True
    first_release.set()
    assert first_done.wait(5)
    time.sleep(0.05)
    assert cache.verify("stale-key-000") is False
    assert cache.verify(CURRENT) is True


def test_a_read_failing_after_its_request_gave_up_starts_the_back_off(hung: HungLoader, clock: FakeClock) -> None:
    """A hung read that ends in an error (its limit) refuses at once, without a new read, until the interval."""
    cache = ApiKeyCache(hung, ttl_seconds=TTL, refresh_interval_seconds=INTERVAL, clock=clock, read_seconds=READ)
    hung.error = TimeoutError("timed out")
    assert isinstance(timed_verify(cache, CURRENT)[0], str)
    hung.release.set()
    time.sleep(0.1)
    # At once: the only read has ended and no new one starts, so there is nothing to wait for. (A 0.1 s wall-clock
    # bound said the same, and more about the machine's load when tests run side by side.)
    assert timed_verify(cache, CURRENT)[0] == "last load failed 0.0s ago: timed out"
    assert hung.calls == 1
    clock.advance(INTERVAL)
    hung.error = None
    assert cache.verify(CURRENT) is True
    assert hung.calls == 2
