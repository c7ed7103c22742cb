"""Review of flagged decisions through the real handler: with REVIEW_SAMPLE_PERCENT and REVIEW_BUCKET (what the
stack sets when review is on), flagged and monitored decisions reach the bucket (moto's S3) as the agreed records;
off, the default, nothing is sampled."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from moderation.review.writer import ReviewWriter
from tests.handlers.conftest import Handler, call, load_handler
from tests.unit.moto_aws import boto, unique

KEY = "moderation-review-key-0123456789"
POLICY = {
    "default": {
        "input": {
            "rules": [
                {"id": "profanity", "category": "profanity", "action": "block", "keywords": ["damn"]},
                {"id": "drugs", "category": "drugs", "action": "block", "monitor": True, "keywords": ["cocaine"]},
                {"id": "pii", "category": "pii", "action": "mask", "pii": ["email"]},
            ]
        },
        "output": {"rules": [{"id": "pii", "category": "pii", "action": "mask", "pii": ["email"]}]},
    }
}


@pytest.fixture
def bucket(moto_endpoint: str) -> str:
    name = unique("review")
    boto("s3", moto_endpoint).create_bucket(Bucket=name)
    return name


def _moderation(
    secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **environment: str
) -> tuple[Handler, ReviewWriter | None]:
    secrets.create_secret(Name=secret_name, SecretString=KEY)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY), encoding="utf-8")
    handler = load_handler(
        "moderation", monkeypatch, API_KEY_SECRET_ID=secret_name, MODERATION_POLICY_FILE=str(policy), **environment
    )
    review: ReviewWriter | None = sys.modules["moderation.handler"].review
    return handler, review


def _moderate(handler: Handler, point: str, params: dict[str, Any]) -> dict[str, Any]:
    status, body = call(handler, "/moderation", {"point": f"app.moderation.{point}", "params": params}, KEY)
    assert status == 200
    return body


def _samples(moto_endpoint: str, bucket: str) -> dict[str, list[dict[str, Any]]]:
    s3 = boto("s3", moto_endpoint)
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    found = {}
    for key in keys:
        stored = s3.get_object(Bucket=bucket, Key=key)
        assert stored["ContentType"] == "application/x-ndjson"
        found[key] = [json.loads(line) for line in stored["Body"].read().decode().splitlines()]
    return found


def test_flagged_and_monitored_decisions_reach_the_bucket(
    moto_endpoint: str,
    bucket: str,
    secrets: Any,
    secret_name: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    handler, review = _moderation(
        secrets, secret_name, monkeypatch, tmp_path, REVIEW_SAMPLE_PERCENT="100", REVIEW_BUCKET=bucket
    )
    assert review is not None
    blocked = _moderate(handler, "input", {"app_id": "app-1", "inputs": {}, "query": "damn, mail ana@example.com"})
    assert blocked["flagged"] is True
    monitored = _moderate(handler, "input", {"app_id": "app-2", "inputs": {"q": "price of cocaine"}, "query": "hi"})
    assert monitored["flagged"] is False  # a monitor rule changes no answer, and is still sampled
    masked = _moderate(handler, "output", {"app_id": "app-1", "text": "Write to bob@example.org"})
    assert masked["text"] == "Write to [EMAIL]"
    _moderate(handler, "input", {"app_id": "app-1", "inputs": {}, "query": "hello there"})  # nothing matched
    assert review.flush(10)

    samples = _samples(moto_endpoint, bucket)
    assert len(samples) == 3
    assert {key.split("/")[5] for key in samples} == {"input", "output"}
    assert all(key.startswith("samples/") and key.endswith(".jsonl") for key in samples)
    records = sorted((record for found in samples.values() for record in found), key=lambda r: (r["app_id"], r["key"]))
    summary = [(r["app_id"], r["stage"], r["action"], r["rule_id"], r["monitored"], r["excerpt"]) for r in records]
    assert sorted(summary) == [
        ("app-1", "input", "block", "pii/email", False, "damn, mail [EMAIL]"),
        ("app-1", "input", "block", "profanity", False, "damn, mail [EMAIL]"),
        ("app-1", "output", "mask", "pii/email", False, "Write to [EMAIL]"),
        ("app-2", "input", "pass", "drugs", True, "price of cocaine"),
    ]
    assert all("text" not in record for record in records)
    monitored_record = next(record for record in records if record["monitored"])
    assert (monitored_record["key"], monitored_record["keyword"]) == ("inputs.q", "cocaine")


def test_the_whole_text_only_when_the_stack_asks(
    moto_endpoint: str,
    bucket: str,
    secrets: Any,
    secret_name: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    handler, review = _moderation(
        secrets,
        secret_name,
        monkeypatch,
        tmp_path,
        REVIEW_SAMPLE_PERCENT="100",
        REVIEW_BUCKET=bucket,
        REVIEW_STORE_FULL_TEXT="true",
    )
    assert review is not None
    _moderate(handler, "input", {"app_id": "app-1", "inputs": {}, "query": "damn, mail ana@example.com"})
    assert review.flush(10)
    ((_, records),) = _samples(moto_endpoint, bucket).items()
    assert {record["text"] for record in records} == {"damn, mail ana@example.com"}
    assert {record["excerpt"] for record in records} == {"damn, mail [EMAIL]"}


def test_off_by_default_nothing_is_sampled(
    moto_endpoint: str,
    bucket: str,
    secrets: Any,
    secret_name: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The template's defaults (ReviewSamplePercent 0) sample nothing, even with a bucket named."""
    handler, review = _moderation(secrets, secret_name, monkeypatch, tmp_path, REVIEW_BUCKET=bucket)
    assert review is None
    assert "moderation.review.writer" not in sys.modules
    assert _moderate(handler, "input", {"app_id": "app-1", "inputs": {}, "query": "damn"})["flagged"] is True
    assert _samples(moto_endpoint, bucket) == {}
