"""`make review STACK=name` (or `DIR=.review`): the review samples the moderation function wrote (docs/review.md),
grouped by rule and keyword with counts and a few excerpts each, or with FORMAT=jsonl the records themselves, one
JSON object a line (what `make impact TEXTS=...` reads). boto3, with your AWS credentials, for a stack's bucket."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from authoring import cli
from authoring.aws_setup import AwsSetupError, describe_stack, explain, session_for, stack_outputs

OUTPUT = "ReviewBucketName"
PREFIX = "samples/"
MAX_OBJECTS = 5000
"""Samples read at most in one run (oldest first): narrow SINCE, RULE or STAGE for more."""
EXCERPTS_SHOWN = 3
READERS = 16
DURATION = re.compile(r"(\d+)([mhdw])")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ReviewError(Exception):
    """The samples cannot be read; the message says why and what to do."""


def since_time(text: str, now: datetime) -> datetime:
    """`30m`, `24h`, `7d`, `2w` before `now`, or an ISO date or time (UTC unless it says otherwise)."""
    duration = DURATION.fullmatch(text.strip())
    if duration:
        return now - timedelta(**{UNITS[duration[2]]: int(duration[1])})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        name = "SINCE" if cli.via_make() else "--since"
        raise ValueError(f"{name} must be like 30m, 24h, 7d, 2w or a date such as 2026-12-01, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def start_after(since: datetime) -> str:
    """The listing starts after this key: every sample of `since`'s hour and later sorts after it."""
    return f"{PREFIX}{since.astimezone(UTC):%Y/%m/%d/%H}/"


@dataclass
class Filters:
    since: datetime
    rule: str | None = None
    stage: str | None = None
    app_id: str | None = None
    _since_text: str = field(init=False)

    def __post_init__(self) -> None:
        # Comparable with a record's "time" (2026-12-07T00:45:12.123Z) as text.
        self._since_text = f"{self.since.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.{self.since.microsecond // 1000:03d}Z"

    def key_wanted(self, key: str) -> bool:
        """By the key's stage (samples/YYYY/MM/DD/HH/<stage>/...), before reading the object."""
        parts = key.split("/")
        return key.endswith(".jsonl") and (self.stage is None or (len(parts) > 5 and parts[5] == self.stage))

    def wanted(self, record: dict[str, Any]) -> bool:
        rule_id = str(record.get("rule_id", ""))
        if self.rule is not None and rule_id != self.rule and not rule_id.startswith(self.rule + "/"):
            return False  # RULE=pii takes pii/email, pii/phone...
        if self.stage is not None and record.get("stage") != self.stage:
            return False
        if self.app_id is not None and record.get("app_id") != self.app_id:
            return False
        return str(record.get("time", "")) >= self._since_text


@dataclass
class Samples:
    where: str
    records: list[dict[str, Any]] = field(default_factory=list)
    decisions: int = 0
    unreadable: int = 0
    capped: bool = False

    def add(self, body: bytes, filters: Filters) -> None:
        """One sampled decision's object: its records the filters want."""
        before = len(self.records)
        for line in body.decode("utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                self.unreadable += 1
                continue
            if isinstance(record, dict) and filters.wanted(record):
                self.records.append(record)
        self.decisions += len(self.records) > before


def from_folder(folder: Path, filters: Filters) -> Samples:
    """The samples `make run` wrote under `folder` (the bucket's keys as paths)."""
    if not (folder / PREFIX).is_dir():
        raise ReviewError(
            f"no review samples in {folder}: `REVIEW_SAMPLE_PERCENT=100 make run` writes them there "
            "(REVIEW_DIR=... for another folder)"
        )
    samples = Samples(str(folder))
    after = start_after(filters.since)
    keys = sorted(path.relative_to(folder).as_posix() for path in (folder / PREFIX).rglob("*.jsonl"))
    for key in _capped((key for key in keys if key > after and filters.key_wanted(key)), samples):
        samples.add((folder / key).read_bytes(), filters)
    return samples


def bucket_of(session: Any, stack: str) -> str:
    """The stack's review bucket, from its outputs; ReviewError when the stack has review off."""
    outputs = stack_outputs(describe_stack(session, stack))
    if not outputs.get(OUTPUT):
        raise ReviewError(
            f"stack {stack} has review off (ReviewSamplePercent is 0, so it has no {OUTPUT} output). Turn it on "
            "with: sam deploy --parameter-overrides ReviewSamplePercent=10 (docs/review.md)"
        )
    return str(outputs[OUTPUT])


def from_bucket(session: Any, bucket: str, filters: Filters) -> Samples:
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - boto3 only for a stack

    s3 = session.client("s3")
    samples = Samples(f"s3://{bucket}")
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=PREFIX, StartAfter=start_after(filters.since)
        )
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        wanted = list(_capped((key for key in keys if filters.key_wanted(key)), samples))

        def read(key: str) -> bytes:
            body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            return body

        with ThreadPoolExecutor(READERS) as readers:
            for body in readers.map(read, wanted):  # in key order, which is time order within an hour and stage
                samples.add(body, filters)
    except (ClientError, BotoCoreError) as error:
        raise explain(error, f"s3://{bucket}") from None
    return samples


def _capped(keys: Iterable[str], samples: Samples) -> Iterator[str]:
    for count, key in enumerate(keys):
        if count == MAX_OBJECTS:
            samples.capped = True
            return
        yield key


def as_jsonl(records: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in _by_time(records))


def _by_time(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda record: str(record.get("time", "")))


def report(samples: Samples, since: datetime) -> str:
    """Matches grouped by rule (most first), then by keyword, with counts by action and the newest excerpts."""
    records = samples.records
    lines = [
        f"Review samples in {samples.where} since {since.astimezone(UTC):%Y-%m-%d %H:%M} UTC: "
        f"{len(records)} match{'es' * (len(records) != 1)} in {samples.decisions} sampled "
        f"decision{'s' * (samples.decisions != 1)}"
    ]
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for record in _by_time(records):
        by_rule.setdefault(str(record.get("rule_id")), []).append(record)
    for rule_id, found in sorted(by_rule.items(), key=lambda item: (-len(item[1]), item[0])):
        actions = Counter(_what_it_did(record) for record in found)
        counts = ", ".join(f"{action} {count}" for action, count in actions.most_common())
        lines += ["", f"{rule_id} ({found[0].get('category')}): {len(found)} ({counts})"]
        by_keyword: dict[str | None, list[dict[str, Any]]] = {}
        for record in found:
            by_keyword.setdefault(record.get("keyword"), []).append(record)
        for keyword, hits in sorted(by_keyword.items(), key=lambda item: (-len(item[1]), str(item[0]))):
            evasions = sorted({evasion for record in hits for evasion in record.get("evasions") or []})
            label = json.dumps(keyword, ensure_ascii=False) if keyword is not None else "(no keyword: regex or PII)"
            lines.append(f"  {label}: {len(hits)}" + (f" (evasions: {', '.join(evasions)})" if evasions else ""))
            for record in reversed(hits[-EXCERPTS_SHOWN:]):
                lines.append(
                    f"    {str(record.get('time', ''))[:19].replace('T', ' ')}  {record.get('stage')}  "
                    f"app {record.get('app_id')}  {record.get('key')}: {_marked(record)}"
                )
    if not records:
        lines.append("No samples match. Wider: SINCE=7d; the samples kept: ReviewRetentionDays.")
    if samples.capped:
        lines.append(f"\nRead the first {MAX_OBJECTS} sampled decisions only: narrow SINCE, RULE or STAGE for more.")
    if samples.unreadable:
        lines.append(f"\n{samples.unreadable} lines were not JSON and were skipped.")
    return "\n".join(lines)


def _what_it_did(record: dict[str, Any]) -> str:
    """The rule's part: what it did, or would have done (monitored)."""
    action = str(record.get("rule_action"))
    return f"monitored, would {action}" if record.get("monitored") else action


def _marked(record: dict[str, Any]) -> str:
    """The excerpt on one line, the match between « and »."""
    excerpt = str(record.get("excerpt", ""))
    span = record.get("span")
    if isinstance(span, list) and len(span) == 2 and all(isinstance(end, int) for end in span):
        start, end = span
        excerpt = f"{excerpt[:start]}«{excerpt[start:end]}»{excerpt[end:]}"
    return " ".join(excerpt.split())


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.parser(
        "review",
        "make review STACK=name [SINCE=24h] [RULE=id] [STAGE=input|output] [APP_ID=id] [FORMAT=text|jsonl] "
        "[REGION=region]\n       make review DIR=.review [SINCE=...] [RULE=...] [FORMAT=...]",
        "The review samples of flagged and monitored moderation decisions (docs/review.md): from the bucket a "
        "deployed stack names in its ReviewBucketName output (read with CloudFormation DescribeStacks, then S3, with "
        "your AWS credentials and region as boto3 finds them), or from the folder `make run` writes them to. Grouped "
        "by rule and keyword, with counts and the newest excerpts («the match» marked); FORMAT=jsonl prints the "
        "records, one JSON object a line, oldest first (what `make impact TEXTS=file` reads).",
        "Examples: make review STACK=dify-extension SINCE=7d RULE=profanity\n"
        "          make review STACK=dify-extension FORMAT=jsonl > samples.jsonl",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", metavar="name", help="the deployed stack's name")
    source.add_argument("--dir", metavar="folder", type=Path, help="the folder make run wrote samples to (.review)")
    parser.add_argument("--since", metavar="24h", default="24h", help="30m, 24h (the default), 7d, 2w, or 2026-12-01")
    parser.add_argument("--rule", metavar="id", help="only this rule id (pii takes pii/email, pii/phone...)")
    parser.add_argument("--stage", choices=["input", "output"], help="only this moderation point")
    parser.add_argument("--app-id", metavar="id", help="only this Dify app")
    parser.add_argument("--format", choices=["text", "jsonl"], default="text", help="text (the default) or jsonl")
    parser.add_argument("--region", metavar="region", help="the stack's region (default: boto3's)")
    arguments = parser.parse_args(argv)
    try:
        since = since_time(arguments.since, datetime.now(UTC))
    except ValueError as error:
        parser.error(str(error))
    filters = Filters(since, arguments.rule, arguments.stage, arguments.app_id)
    try:
        if arguments.dir is not None:
            samples = from_folder(arguments.dir, filters)
        else:
            session = session_for(arguments.region)
            samples = from_bucket(session, bucket_of(session, arguments.stack), filters)
    except (ReviewError, AwsSetupError) as error:
        return cli.fail(f"review: {error}")
    if arguments.format == "jsonl":
        sys.stdout.write(as_jsonl(samples.records))
    else:
        print(report(samples, since))
    return cli.OK


if __name__ == "__main__":
    sys.exit(main())
