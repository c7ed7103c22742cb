"""Review samples when S3 misbehaves (faulty_aws.py in front of moto): the answer never waits for a write and never
fails because of one; a write that hangs, drips, hangs up, is throttled or denied is dropped, logged without user
content and counted, after another try only where one may help."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dify_extension.protocol import ModerationInputParams
from dify_extension.s3 import S3Client
from moderation.moderator import Moderator
from moderation.policy import ModerationPolicy
from moderation.review.writer import ATTEMPTS, ReviewWriter, S3Sink
from tests.faults.faulty_aws import FaultyAws, Mode, faulty_aws
from tests.faults.test_key_faults import KEY
from tests.handlers.conftest import call, load_handler
from tests.unit.moto_aws import CREDENTIALS, REGION, boto, unique

SECRET = "words-nobody-may-log"
POLICY = {"default": {"input": {"rules": [{"id": "r", "category": "c", "action": "block", "keywords": ["damn"]}]}}}
ATTEMPT_SECONDS = 0.5
# What a write meets in each mode: the tries made and whether the sample is dropped. An answer S3 would never give
# (200 with garbage) is taken as written: the PUT's answer has no body worth reading.
OUTCOMES: dict[Mode, tuple[int, bool]] = {
    "hang": (ATTEMPTS, True),
    "drip": (ATTEMPTS, True),
    "reset": (ATTEMPTS, True),
    "not-http": (ATTEMPTS, True),
    "throttle": (ATTEMPTS, True),
    "deny": (1, True),
    "huge": (1, True),
    "not-json": (1, False),
}


@pytest.fixture
def s3_proxy(moto_endpoint: str) -> Iterator[tuple[FaultyAws, str]]:
    bucket = unique("review-fault")
    boto("s3", moto_endpoint).create_bucket(Bucket=bucket)
    with faulty_aws(moto_endpoint, s3=True) as proxy:
        yield proxy, bucket


def test_a_hung_bucket_never_holds_the_answer(
    s3_proxy: tuple[FaultyAws, str], secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The real handler, S3 hanging: each answer comes back while its sample's write is still waiting on S3."""
    proxy, bucket = s3_proxy
    proxy.mode = "hang"
    secrets.create_secret(Name=secret_name, SecretString=KEY)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY), encoding="utf-8")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    handler = load_handler(
        "moderation",
        monkeypatch,
        API_KEY_SECRET_ID=secret_name,
        MODERATION_POLICY_FILE=str(policy),
        REVIEW_SAMPLE_PERCENT="100",
        REVIEW_BUCKET=bucket,
    )
    review: ReviewWriter = sys.modules["moderation.handler"].review
    payload = {"point": "app.moderation.input", "params": {"app_id": "a", "inputs": {}, "query": "damn"}}
    for _ in range(3):
        assert call(handler, "/moderation", payload, KEY) == (200, _blocked("damn"))
        assert not review.flush(0)  # answered; the first write is queued or hangs
    deadline = time.monotonic() + 5
    while proxy.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proxy.connections == 1  # the first write hangs; the others wait behind it
    assert not review.flush(0.2)
    proxy.close()  # S3 goes away: the writes end (dropped) here, not in a later test
    assert review.flush(5)
    assert review.dropped == 3


def _blocked(query: str) -> dict[str, Any]:
    return {
        "flagged": True,
        "action": "direct_output",
        "preset_response": "Sorry, I can't help with that request.",
        "inputs": {},
        "query": query,
    }


@pytest.mark.parametrize("mode", list(OUTCOMES))
def test_a_faulty_write_is_dropped_counted_and_logged_without_content(
    mode: Mode, s3_proxy: tuple[FaultyAws, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    proxy, bucket = s3_proxy
    proxy.mode = mode
    client = S3Client(region=REGION, credentials=CREDENTIALS, endpoint_url=proxy.url, timeout_seconds=ATTEMPT_SECONDS)
    writer = ReviewWriter(S3Sink(client, bucket), percent=100, attempt_seconds=ATTEMPT_SECONDS)
    moderator = Moderator(lambda: ModerationPolicy.model_validate(POLICY), (), review=writer)
    assert moderator.moderate_input(ModerationInputParams(app_id="a", inputs={}, query=f"damn {SECRET}")).flagged
    assert writer.flush(ATTEMPTS * (ATTEMPT_SECONDS + 1.5) + 2)
    tries, dropped = OUTCOMES[mode]
    assert (proxy.connections, writer.dropped, writer.written) == (tries, int(dropped), int(not dropped))
    output = capsys.readouterr().out
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    warnings = [line for line in lines if line.get("message") == "review sample dropped"]
    assert len(warnings) == int(dropped)
    assert len([line for line in lines if "ReviewSamplesDropped" in line]) == int(dropped)
    assert SECRET not in output
