"""Review samples, written off the request path: the request only draws the sample and queues it; a background thread
builds the records, masks personal data and writes one JSON lines object per decision to the review bucket (or,
under `make run`, to a folder).

Lambda pauses the whole environment once the answer is sent, so a write runs while this or a later request is being
served, never before an answer: an attempt paused half-way is tried again. Samples still queued when Lambda shuts an
environment down are lost. Any failure is dropped, logged without user content and counted (ReviewSamplesDropped).
"""

from __future__ import annotations

import contextvars
import json
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from dify_extension.aws_http import DEFAULT_TIMEOUT_SECONDS, AwsError
from dify_extension.metrics import metrics_namespace
from dify_extension.s3 import S3Client
from moderation.review.records import every_pii_type, object_key, records

if TYPE_CHECKING:
    from moderation.outcome import Action, Match, Stage
    from moderation.pii import PiiFinder

QUEUE_CAPACITY = 64
"""Decisions waiting to be written at most; more are dropped (and counted) rather than held in memory."""
ATTEMPTS = 3
"""Tries of a write that fails for a reason that may pass (network, throttling, S3's 5xx)."""
PAUSED_TRIES = 10
"""Tries in all, counting those Lambda's pause between requests cut short."""
RETRY_PAUSE_SECONDS = 0.2
SEEN_CAPACITY = 4096
"""Output matches remembered: Dify sends a streamed answer again with every 300 characters, and a match already
sampled is not sampled again."""
CONTENT_TYPE = "application/x-ndjson"
# Codes of failures worth another try: AwsError's local NetworkError, S3's throttling and server errors.
RETRYABLE = frozenset(
    {"NetworkError", "SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "HTTP500", "HTTP503"}
)


class Sink(Protocol):
    """Where samples go; `write` raises on failure."""

    where: str

    def write(self, key: str, body: bytes) -> None: ...


class S3Sink:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket
        self.where = f"s3://{bucket}"

    def write(self, key: str, body: bytes) -> None:
        self._client.put_object(self._bucket, key, body, content_type=CONTENT_TYPE)


class FolderSink:
    """`make run`: the same keys as files under a folder."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self.where = str(root)

    def write(self, key: str, body: bytes) -> None:
        path = self._root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")  # so that `make review` never reads half a file
        partial.write_bytes(body)
        partial.replace(path)


class _Decision(NamedTuple):
    when: float
    app_id: str
    stage: Stage
    action: Action
    matches: tuple[Match, ...]
    texts: Mapping[str, str]


class ReviewWriter:
    def __init__(
        self,
        sink: Sink,
        *,
        percent: float,
        full_text: bool = False,
        rng: random.Random | None = None,
        capacity: int = QUEUE_CAPACITY,
        attempt_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        """`percent` of the decisions offered are written (drawn with `rng`); `attempt_seconds` is the sink's own
        time limit (a try that took much longer was paused by Lambda, not failed by the sink)."""
        self.sink = sink
        self.percent = percent
        self.full_text = full_text
        self._rng = rng or random.Random()  # noqa: S311 - sampling, not security
        self._capacity = capacity
        self._attempt_seconds = attempt_seconds
        self._pending: deque[_Decision] = deque()
        self._busy = False
        self._overflow = 0
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._seen: dict[tuple[object, ...], None] = {}
        self._finder: PiiFinder | None = None
        self._logger = Logger()
        self._metrics = EphemeralMetrics(namespace=metrics_namespace())
        self.written = 0
        self.dropped = 0

    def chosen(self) -> bool:
        """Whether the decision at hand is sampled: `percent` of them, at random."""
        return self.percent >= 100 or self._rng.random() * 100 < self.percent

    def add(
        self, app_id: str, stage: Stage, action: Action, matches: Sequence[Match], texts: Mapping[str, str]
    ) -> None:
        """Queues one decision's sample for the background thread: never waits, never raises (a full queue drops
        the sample, which is counted)."""
        try:
            decision = _Decision(time.time(), app_id, stage, action, tuple(matches), texts)
            with self._changed:
                if len(self._pending) >= self._capacity:
                    self._overflow += 1
                    return
                self._pending.append(decision)
                if self._thread is None:
                    # A context of its own: nothing of the request's (its deadline) reaches the writes.
                    self._thread = threading.Thread(
                        target=contextvars.Context().run, args=(self._run,), name="review-writer", daemon=True
                    )
                    self._thread.start()
                self._changed.notify_all()
        except Exception:  # sampling must never fail an answer
            self._overflow += 1

    def flush(self, timeout: float) -> bool:
        """Waits up to `timeout` seconds for every queued sample to be written or dropped; whether they were."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._pending))
                decision = self._pending.popleft()
                self._busy = True
            try:
                self._write(decision)
            except Exception as error:  # any failure is a dropped sample, never a crash
                self._dropped("write_failed", 1, error.code if isinstance(error, AwsError) else type(error).__name__)
            finally:
                with self._changed:
                    overflow, self._overflow = self._overflow, 0
                if overflow:
                    self._dropped("queue_full", overflow)
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()

    def _write(self, decision: _Decision) -> None:
        matches = decision.matches
        if decision.stage == "output":
            matches = tuple(match for match in matches if self._first_time(decision, match))
            if not matches:
                return
        if self._finder is None:
            self._finder = every_pii_type()
        found = records(
            when=decision.when,
            app_id=decision.app_id,
            stage=decision.stage,
            action=decision.action,
            matches=matches,
            texts=decision.texts,
            full_text=self.full_text,
            finder=self._finder,
        )
        body = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in found).encode()
        self._put(object_key(decision.when, decision.stage, uuid.uuid4().hex), body)
        self.written += 1

    def _first_time(self, decision: _Decision, match: Match) -> bool:
        """False for a match this environment sampled already in an earlier, shorter version of the same answer."""
        text = decision.texts[match.key]
        seen = (decision.app_id, match.key, match.rule_id, match.start, match.end, hash(text[: match.end]))
        if seen in self._seen:
            return False
        self._seen[seen] = None
        if len(self._seen) > SEEN_CAPACITY:
            del self._seen[next(iter(self._seen))]
        return True

    def _put(self, key: str, body: bytes) -> None:
        """Writes, trying again after a failure that may pass; the key is the same each time, so a try that did
        write before it was cut short leaves one object."""
        failed = 0
        for tries in range(1, PAUSED_TRIES + 1):
            started = time.monotonic()
            try:
                self.sink.write(key, body)
                return
            except AwsError as error:
                paused = time.monotonic() - started > self._attempt_seconds + 1.0
                failed += not paused
                if error.code not in RETRYABLE or failed >= ATTEMPTS or tries == PAUSED_TRIES:
                    raise
            time.sleep(RETRY_PAUSE_SECONDS * failed)

    def _dropped(self, reason: str, count: int, error: str | None = None) -> None:
        self.dropped += count
        self._logger.warning("review sample dropped", extra={"reason": reason, "samples": count, "error": error})
        self._metrics.add_metric(name="ReviewSamplesDropped", unit=MetricUnit.Count, value=count)
        self._metrics.flush_metrics()
        # flush_metrics keeps the set when metrics are disabled (POWERTOOLS_METRICS_DISABLED, the local API).
        self._metrics.clear_metrics()


def writer_from_environment(environ: Mapping[str, str], percent: float) -> ReviewWriter:
    """REVIEW_DIR (the local API) or REVIEW_BUCKET, and REVIEW_STORE_FULL_TEXT; ValueError naming the variable."""
    full_text = environ.get("REVIEW_STORE_FULL_TEXT", "").strip().lower() or "false"
    if full_text not in ("true", "false"):
        raise ValueError(f"REVIEW_STORE_FULL_TEXT must be true or false, got {full_text!r}")
    folder = environ.get("REVIEW_DIR", "").strip()
    bucket = environ.get("REVIEW_BUCKET", "").strip()
    sink: Sink
    if folder:
        sink = FolderSink(Path(folder).resolve())
    elif bucket:
        client = S3Client.from_environment(environ)
        sink = S3Sink(client, bucket)
    else:
        raise ValueError(f"REVIEW_SAMPLE_PERCENT is {percent:g} but neither REVIEW_BUCKET nor REVIEW_DIR is set")
    return ReviewWriter(sink, percent=percent, full_text=full_text == "true")
