"""`make review`: the samples the moderation function wrote (its writer, to moto's S3 behind a CloudFormation stack,
or to a folder as under `make run`), grouped by rule and keyword, filtered, or exported as JSON lines."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from authoring.review import main
from dify_extension.protocol import ModerationInputParams, ModerationOutputParams
from dify_extension.s3 import S3Client
from moderation.moderator import Moderator
from moderation.policy import ModerationPolicy
from moderation.review.records import iso_time, object_key
from moderation.review.writer import FolderSink, ReviewWriter, S3Sink, Sink
from tests.authoring.conftest import run_make
from tests.unit.moto_aws import CREDENTIALS, REGION, unique

POLICY = ModerationPolicy.model_validate(
    {
        "default": {
            "input": {
                "rules": [
                    {"id": "profanity", "category": "profanity", "action": "block", "keywords": ["damn", "heck"]},
                    {"id": "drugs", "category": "drugs", "action": "block", "monitor": True, "keywords": ["cocaine"]},
                    {"id": "pii", "category": "pii", "action": "mask", "pii": ["email"]},
                ]
            },
            "output": {"rules": [{"id": "pii", "category": "pii", "action": "mask", "pii": ["email"]}]},
        }
    }
)


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """boto3 (make review's) on the session's moto server, with test credentials."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secret_access_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    return moto_endpoint


def _stack(review: bool) -> str:
    """A stack with a bucket and, when `review`, the ReviewBucketName output the real template has."""
    name = unique("dify")
    template: dict[str, Any] = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}
    if review:
        template["Outputs"] = {"ReviewBucketName": {"Value": {"Ref": "Bucket"}}}
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
    return name


def _bucket(stack: str) -> str:
    resources = boto3.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
    (bucket,) = [resource["PhysicalResourceId"] for resource in resources]
    return str(bucket)


def _moderate(sink: Sink) -> None:
    """What the function would sample: four profanity matches (one in leetspeak), two monitored, PII in and out."""
    writer = ReviewWriter(sink, percent=100)
    moderator = Moderator(lambda: POLICY, (), review=writer)
    for query in ("damn it", "oh damn", "d4mn you", "heck no", "price of cocaine?", "cocaine again", "hi"):
        moderator.moderate_input(ModerationInputParams(app_id="app-1", inputs={}, query=query))
    moderator.moderate_input(ModerationInputParams(app_id="app-2", inputs={"mail": "ana@example.com"}, query="x"))
    moderator.moderate_output(ModerationOutputParams(app_id="app-1", text="Mail bob@example.org"))
    assert writer.flush(10)
    assert writer.written == 8


def _review(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # the moderator's own log lines
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _s3_sink(moto_endpoint: str, bucket: str) -> S3Sink:
    return S3Sink(S3Client(region=REGION, credentials=CREDENTIALS, endpoint_url=moto_endpoint), bucket)


@pytest.mark.usefixtures("aws")
def test_samples_are_grouped_by_rule_and_keyword_most_first(
    moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = _stack(review=True)
    bucket = _bucket(stack)
    _moderate(_s3_sink(moto_endpoint, bucket))
    code, out, err = _review(capsys, "--stack", stack)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"Review samples in s3://{bucket} since ")
    assert lines[0].endswith("UTC: 8 matches in 8 sampled decisions")
    headings = [line for line in lines if line and not line.startswith(" ") and line != lines[0]]
    assert headings == [
        "profanity (profanity): 4 (block 4)",
        "drugs (drugs): 2 (monitored, would block 2)",
        "pii/email (pii): 2 (mask 2)",
    ]
    assert '  "damn": 3 (evasions: leetspeak)' in lines
    assert '  "heck": 1' in lines
    assert '  "cocaine": 2' in lines
    assert "  (no keyword: regex or PII): 2" in lines
    excerpts = [line.strip() for line in lines if line.startswith("    ")]
    assert any(line.endswith("input  app app-1  query: «d4mn» you") for line in excerpts)
    assert any(line.endswith("output  app app-1  text: Mail «[EMAIL]»") for line in excerpts)
    assert not any("example" in line for line in lines)  # personal data masked


@pytest.mark.usefixtures("aws")
def test_a_rule_filter_and_json_lines_for_make_impact(moto_endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    stack = _stack(review=True)
    _moderate(_s3_sink(moto_endpoint, _bucket(stack)))
    code, out, _ = _review(capsys, "--stack", stack, "--rule", "pii", "--format", "jsonl")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert sorted((record["rule_id"], record["stage"], record["excerpt"]) for record in records) == [
        ("pii/email", "input", "[EMAIL]"),
        ("pii/email", "output", "Mail [EMAIL]"),
    ]
    assert [record["time"] for record in records] == sorted(record["time"] for record in records)
    code, out, _ = _review(capsys, "--stack", stack, "--rule", "drugs", "--stage", "input", "--format", "jsonl")
    assert {json.loads(line)["keyword"] for line in out.splitlines()} == {"cocaine"}
    code, out, _ = _review(capsys, "--stack", stack, "--app-id", "app-2", "--format", "jsonl")
    assert [json.loads(line)["app_id"] for line in out.splitlines()] == ["app-2"]


@pytest.mark.usefixtures("aws")
def test_since_leaves_older_samples_out(moto_endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    stack = _stack(review=True)
    bucket = _bucket(stack)
    three_days_ago = time.time() - 3 * 86_400
    old = {"time": iso_time(three_days_ago), "app_id": "a", "stage": "input", "rule_id": "old-rule", "excerpt": "x"}
    key = object_key(three_days_ago, "input", "0000")
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=(json.dumps(old) + "\n").encode())
    _moderate(_s3_sink(moto_endpoint, bucket))
    _, recent, _ = _review(capsys, "--stack", stack, "--format", "jsonl")
    assert "old-rule" not in recent
    assert len(recent.splitlines()) == 8
    _, week, _ = _review(capsys, "--stack", stack, "--since", "7d", "--format", "jsonl")
    week_rules = [json.loads(line)["rule_id"] for line in week.splitlines()]
    assert (week_rules[0], len(week_rules)) == ("old-rule", 9)  # oldest first
    _, dated, _ = _review(capsys, "--stack", stack, "--since", iso_time(three_days_ago + 1)[:19])
    assert "old-rule" not in dated


@pytest.mark.usefixtures("aws")
def test_a_stack_with_review_off_says_how_to_turn_it_on(capsys: pytest.CaptureFixture[str]) -> None:
    stack = _stack(review=False)
    code, out, err = _review(capsys, "--stack", stack)
    assert (code, out) == (1, "")
    assert f"stack {stack} has review off" in err
    assert "ReviewSamplePercent=" in err


@pytest.mark.usefixtures("aws")
def test_a_missing_stack_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _review(capsys, "--stack", "no-such-stack")
    assert code == 1
    assert err.startswith("review: stack no-such-stack: ")


def test_the_folder_make_run_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _moderate(FolderSink(tmp_path))
    code, out, _ = _review(capsys, "--dir", str(tmp_path), "--rule", "profanity")
    assert code == 0
    assert out.splitlines()[0].endswith("UTC: 4 matches in 4 sampled decisions")
    assert "profanity (profanity): 4 (block 4)" in out
    code, _, err = _review(capsys, "--dir", str(tmp_path / "empty"))
    assert code == 1
    assert "REVIEW_SAMPLE_PERCENT=100 make run" in err


def test_make_review_usage() -> None:
    """Through make, as a user types it: neither STACK nor DIR, or a SINCE it cannot read, is a usage error."""
    result = run_make("review")
    assert result.returncode == 2
    assert "make review STACK=name" in result.stderr
    result = run_make("review", "DIR=.review", "SINCE=yesterday")
    assert result.returncode == 2
    assert "SINCE must be like 30m, 24h, 7d" in result.stderr
