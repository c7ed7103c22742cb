"""The review writer: off unless asked (and then not even imported), the sampled share honoured, the writes off the
request path, failures dropped, logged without user content and counted, streamed answers sampled once."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from dify_extension.aws_http import AwsError
from dify_extension.protocol import ModerationInputParams, ModerationOutputParams
from moderation.moderator import Moderator
from moderation.policy import ModerationPolicy
from moderation.review import review_from_environment
from moderation.review.writer import QUEUE_CAPACITY, FolderSink, ReviewWriter, S3Sink
from tests.handlers.conftest import fresh_powertools_loggers
from tests.unit.fresh_interpreter import run_fresh

__all__ = ["fresh_powertools_loggers"]

POLICY = ModerationPolicy.model_validate(
    {
        "default": {
            "input": {"rules": [{"id": "profanity", "category": "profanity", "action": "block", "keywords": ["damn"]}]},
            "output": {"rules": [{"id": "pii", "category": "pii", "action": "mask", "pii": ["email"]}]},
        }
    }
)
SECRET = "my-very-private-words"


def _flagged(query: str = f"damn {SECRET}") -> ModerationInputParams:
    return ModerationInputParams(app_id="app-1", inputs={}, query=query)


def _written(folder: Path) -> list[list[dict[str, Any]]]:
    """Each object written, as its records."""
    return [
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for path in sorted(folder.rglob("*.jsonl"))
    ]


class FailingSink:
    """Fails with the given AWS error codes in turn, then writes to `written`."""

    where = "test"

    def __init__(self, *codes: str) -> None:
        self.codes = list(codes)
        self.tries = 0
        self.written: list[str] = []

    def write(self, key: str, body: bytes) -> None:
        self.tries += 1
        if self.codes:
            raise AwsError(self.codes.pop(0), "injected")
        self.written.append(key)


class HeldSink:
    """Writes only once released: the background thread waits in it."""

    where = "held"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.written = 0

    def write(self, key: str, body: bytes) -> None:
        self.entered.set()
        self.release.wait(10)
        self.written += 1


# Off, and what the environment asks for


def _modules_after(environ: dict[str, str]) -> list[str]:
    code = (
        "import sys\n"
        "from moderation.review import review_from_environment\n"
        f"print(review_from_environment({environ!r}) is None)\n"
        "print(*sorted(m for m in ('moderation.review.writer', 'moderation.review.records', 'random', 'uuid')"
        " if m in sys.modules))\n"
    )
    return run_fresh(code, POWERTOOLS_METRICS_DISABLED="true").split()


def test_off_imports_nothing_of_the_writer() -> None:
    assert _modules_after({"REVIEW_SAMPLE_PERCENT": "0", "REVIEW_BUCKET": ""}) == ["True"]
    assert _modules_after({}) == ["True"]


def test_on_imports_the_writer(tmp_path: Path) -> None:
    """The check above can fail: turned on, the writer and its imports are loaded."""
    modules = _modules_after({"REVIEW_SAMPLE_PERCENT": "10", "REVIEW_DIR": str(tmp_path)})
    assert modules[0] == "False"
    assert {"moderation.review.writer", "moderation.review.records", "random", "uuid"} <= set(modules)


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"REVIEW_SAMPLE_PERCENT": "ten"}, "REVIEW_SAMPLE_PERCENT"),
        ({"REVIEW_SAMPLE_PERCENT": "101"}, "REVIEW_SAMPLE_PERCENT"),
        ({"REVIEW_SAMPLE_PERCENT": "-1"}, "REVIEW_SAMPLE_PERCENT"),
        ({"REVIEW_SAMPLE_PERCENT": "nan"}, "REVIEW_SAMPLE_PERCENT"),
        ({"REVIEW_SAMPLE_PERCENT": "5", "REVIEW_DIR": "x", "REVIEW_STORE_FULL_TEXT": "yes"}, "REVIEW_STORE_FULL_TEXT"),
        ({"REVIEW_SAMPLE_PERCENT": "5"}, "REVIEW_BUCKET"),
    ],
)
def test_unusable_settings_are_refused_naming_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ValueError, match=variable):
        review_from_environment(environ)


def test_the_environment_chooses_sink_share_and_full_text(tmp_path: Path) -> None:
    environ = {"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"}
    bucket = review_from_environment({**environ, "REVIEW_SAMPLE_PERCENT": "2.5", "REVIEW_BUCKET": "b-1"})
    assert bucket is not None
    assert (type(bucket.sink), bucket.sink.where, bucket.percent, bucket.full_text) == (S3Sink, "s3://b-1", 2.5, False)
    local = {"REVIEW_SAMPLE_PERCENT": "100", "REVIEW_BUCKET": "b-1", "REVIEW_DIR": str(tmp_path)}
    folder = review_from_environment({**local, "REVIEW_STORE_FULL_TEXT": "TRUE"})
    assert folder is not None
    assert (type(folder.sink), folder.sink.where, folder.full_text) == (FolderSink, str(tmp_path), True)


# Sampling


def test_the_sampled_share_is_the_percentage_drawn(tmp_path: Path) -> None:
    """Each flagged decision is written when its draw is under the percentage: the same seed gives the same
    decisions, about a quarter of them."""
    # Room for all: this is about the share, not the queue (test_the_answer_never_waits_for_a_write).
    writer = ReviewWriter(FolderSink(tmp_path), percent=25, rng=random.Random(7), capacity=400)  # noqa: S311
    moderator = Moderator(lambda: POLICY, (), review=writer)
    for number in range(400):
        moderator.moderate_input(_flagged(f"damn {number}"))
    assert writer.flush(10)
    draws = random.Random(7)  # noqa: S311
    expected = [f"damn {number}" for number in range(400) if draws.random() * 100 < 25]
    assert 70 <= len(expected) <= 130
    written = _written(tmp_path)
    assert sorted(records[0]["excerpt"] for records in written) == sorted(expected)
    assert (writer.written, writer.dropped) == (len(expected), 0)


def test_decisions_without_a_match_are_never_sampled(tmp_path: Path) -> None:
    rng = random.Random(3)  # noqa: S311
    writer = ReviewWriter(FolderSink(tmp_path), percent=100, rng=rng)
    moderator = Moderator(lambda: POLICY, (), review=writer)
    state = rng.getstate()
    for query in ("hello", "how do I reset my password?"):
        moderator.moderate_input(_flagged(query))
    assert writer.flush(5)
    assert _written(tmp_path) == []
    assert rng.getstate() == state  # no draw either


def test_nothing_is_written_when_off(tmp_path: Path) -> None:
    moderator = Moderator(lambda: POLICY, (), review=review_from_environment({"REVIEW_DIR": str(tmp_path)}))
    assert moderator.moderate_input(_flagged()).flagged
    assert list(tmp_path.iterdir()) == []


def test_a_streamed_answer_is_sampled_once(tmp_path: Path) -> None:
    """Dify sends the answer so far again and again: a match is written the first time only, a new one still is."""
    writer = ReviewWriter(FolderSink(tmp_path), percent=100)
    moderator = Moderator(lambda: POLICY, (), review=writer)
    answer = "Write to ana@example.com"
    for more in ("", " or later", " or later, or bob@example.org"):
        moderator.moderate_output(ModerationOutputParams(app_id="app-1", text=answer + more))
    moderator.moderate_output(ModerationOutputParams(app_id="app-2", text=answer))  # another app's answer
    assert writer.flush(5)
    written = _written(tmp_path)
    assert sorted([record["excerpt"] for record in records] for records in written) == [
        ["Write to [EMAIL]"],
        ["Write to [EMAIL]"],
        ["Write to [EMAIL] or later, or [EMAIL]"],
    ]
    assert sorted(records[0]["app_id"] for records in written) == ["app-1", "app-1", "app-2"]


# Never in the way of the answer


def test_the_answer_never_waits_for_a_write(tmp_path: Path) -> None:
    """With the background thread stuck in a write, requests are answered and the queue fills; what does not fit
    is dropped and counted, the rest written once the write is released."""
    sink = HeldSink()
    writer = ReviewWriter(sink, percent=100)
    moderator = Moderator(lambda: POLICY, (), review=writer)
    assert moderator.moderate_input(_flagged()).flagged
    assert sink.entered.wait(5)
    for _ in range(QUEUE_CAPACITY + 3):
        assert moderator.moderate_input(_flagged()).flagged
    assert not writer.flush(0.05)  # all answered while the first write still waits
    sink.release.set()
    assert writer.flush(10)
    assert (sink.written, writer.dropped) == (1 + QUEUE_CAPACITY, 3)


def test_a_failed_write_is_dropped_logged_without_content_and_counted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "dify-moderation")
    sink = FailingSink("AccessDenied")
    writer = ReviewWriter(sink, percent=100)
    Moderator(lambda: POLICY, (), review=writer).moderate_input(_flagged())
    assert writer.flush(5)
    assert (sink.tries, writer.written, writer.dropped) == (1, 0, 1)  # not worth another try
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (warning,) = [line for line in lines if line.get("message") == "review sample dropped"]
    assert (warning["reason"], warning["samples"], warning["error"]) == ("write_failed", 1, "AccessDenied")
    (metric,) = [line for line in lines if "ReviewSamplesDropped" in line]
    assert metric["ReviewSamplesDropped"] == [1.0]
    assert metric["service"] == "dify-moderation"
    assert all(SECRET not in json.dumps(line) for line in lines)  # (the decision log names the policy's keyword)


def test_failures_that_may_pass_are_tried_again() -> None:
    sink = FailingSink("SlowDown", "NetworkError")
    writer = ReviewWriter(sink, percent=100)
    Moderator(lambda: POLICY, (), review=writer).moderate_input(_flagged())
    assert writer.flush(10)
    assert (sink.tries, len(sink.written), writer.dropped) == (3, 1, 0)
    failing = FailingSink("SlowDown", "SlowDown", "SlowDown", "SlowDown")
    writer = ReviewWriter(failing, percent=100)
    Moderator(lambda: POLICY, (), review=writer).moderate_input(_flagged())
    assert writer.flush(10)
    assert (failing.tries, failing.written, writer.dropped) == (3, [], 1)


def test_the_folder_sink_leaves_no_partial_file(tmp_path: Path) -> None:
    FolderSink(tmp_path).write("samples/2026/12/07/00/input/x.jsonl", b"{}\n")
    assert [path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*") if path.is_file()] == [
        "samples/2026/12/07/00/input/x.jsonl"
    ]


class PausedSink(FailingSink):
    """Each failing try lasts longer than the sink's time limit allows: as when Lambda paused the environment
    between requests in the middle of a write."""

    def write(self, key: str, body: bytes) -> None:
        if self.codes:
            time.sleep(1.05)
        super().write(key, body)


def test_tries_that_a_pause_between_requests_cut_short_do_not_count() -> None:
    """Three network failures would drop a sample; three tries paused past their time limit do not."""
    sink = PausedSink("NetworkError", "NetworkError", "NetworkError")
    writer = ReviewWriter(sink, percent=100, attempt_seconds=0.0)
    Moderator(lambda: POLICY, (), review=writer).moderate_input(_flagged())
    assert writer.flush(10)
    assert (sink.tries, len(sink.written), writer.dropped) == (4, 1, 0)
