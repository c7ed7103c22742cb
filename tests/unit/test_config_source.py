"""ConfigSource: which variable chooses the source, loud failures at start, TTL re-reads that fetch only what
changed, and the last good config kept (and the reason logged) when a re-read fails. SSM and S3 are moto's."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, field_validator

from dify_extension.config_files import ConfigFileError
from dify_extension.config_source import ConfigSource
from tests.unit.moto_aws import CREDENTIALS, REGION, boto, ssm_reader, unique

PREFIX = "SAMPLE_CONFIG"
SECRET_MARKER = "do-not-log-me"


class Rules(BaseModel):
    """A config whose validation compiles something, as the moderation policy does."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    parsed: ClassVar[list[str]] = []

    name: str
    patterns: list[str]

    @field_validator("patterns")
    @classmethod
    def compile_all(cls, patterns: list[str]) -> list[str]:
        if "crash" in patterns:
            raise RuntimeError("a validator bug")  # not a ValueError: pydantic lets it through
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"not a regular expression: {error.msg}") from None
        cls.parsed.append(",".join(patterns))
        return patterns


def rules(name: str, *patterns: str) -> str:
    return json.dumps({"name": name, "patterns": list(patterns)})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Logs:
    """A Powertools logger writing to memory: the records a source logged."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.logger = Logger(service=unique("config-test"), stream=self.stream)

    @property
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture(autouse=True)
def parse_count() -> Iterator[list[str]]:
    Rules.parsed.clear()
    yield Rules.parsed


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    path = tmp_path / "bundled.json"
    path.write_text(rules("bundled", "a+"), encoding="utf-8")
    return path


@pytest.fixture
def aws(moto_endpoint: str) -> dict[str, str]:
    """What Lambda sets, with SSM and S3 pointed at moto."""
    return {
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": CREDENTIALS.access_key_id,
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS.secret_access_key,
        "AWS_ENDPOINT_URL_SSM": moto_endpoint,
        "AWS_ENDPOINT_URL_S3": moto_endpoint,
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def logs() -> Logs:
    return Logs()


@pytest.fixture
def parameter(moto_endpoint: str) -> str:
    name = "/" + unique("dify/rules")
    boto("ssm", moto_endpoint).put_parameter(Name=name, Value=rules("v1", "x"), Type="SecureString")
    return name


@pytest.fixture
def s3_uri(moto_endpoint: str) -> str:
    bucket = unique("config")
    boto("s3", moto_endpoint).create_bucket(Bucket=bucket)
    boto("s3", moto_endpoint).put_object(Bucket=bucket, Key="dify/rules v1.json", Body=rules("v1", "x").encode())
    return f"s3://{bucket}/dify/rules v1.json"


def put_parameter(endpoint: str, name: str, value: str) -> None:
    boto("ssm", endpoint).put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)


def put_object(endpoint: str, uri: str, body: str) -> None:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    boto("s3", endpoint).put_object(Bucket=bucket, Key=key, Body=body.encode())


def source(
    bundled: Path, environ: dict[str, str], clock: Clock | None = None, logs: Logs | None = None
) -> ConfigSource[Rules]:
    return ConfigSource.from_environment(
        PREFIX,
        bundled=bundled,
        model=Rules,
        environ=environ,
        clock=clock or Clock(),
        logger=logs.logger if logs else None,
    )


# Choosing the source


def test_bundled_file_by_default(bundled: Path) -> None:
    """No variable set (or only empty ones): the bundled file, read once."""
    loaded = source(bundled, {f"{PREFIX}_FILE": "", f"{PREFIX}_SSM_PARAMETER": " ", f"{PREFIX}_TTL_SECONDS": "5"})
    assert loaded.current().name == "bundled"
    bundled.write_text(rules("edited"), encoding="utf-8")
    assert loaded.current().name == "bundled"


def test_file_variable_is_relative_to_the_working_directory(
    bundled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine.json").write_text(rules("mine"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert source(bundled, {f"{PREFIX}_FILE": "mine.json"}).current().name == "mine"


def test_bad_file_fails_naming_the_file_and_place(bundled: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "n", "patterns": ["ok", "(unclosed"]}), encoding="utf-8")
    with pytest.raises(ConfigFileError, match=re.escape(f"{path}: patterns: Value error, not a regular expression")):
        source(bundled, {f"{PREFIX}_FILE": str(path)})
    with pytest.raises(ConfigFileError, match="cannot read"):
        source(bundled, {f"{PREFIX}_FILE": str(tmp_path / "missing.json")})


@pytest.mark.parametrize(
    "chosen",
    [("FILE", "SSM_PARAMETER"), ("SSM_PARAMETER", "S3_URI"), ("FILE", "S3_URI"), ("FILE", "SSM_PARAMETER", "S3_URI")],
)
def test_more_than_one_source_is_refused(bundled: Path, chosen: tuple[str, ...]) -> None:
    environ = {f"{PREFIX}_{kind}": "s3://b/k" for kind in chosen}
    with pytest.raises(ConfigFileError) as caught:
        source(bundled, environ)
    message = str(caught.value)
    assert message.startswith("set at most one of")
    for kind in chosen:
        assert f"{PREFIX}_{kind}" in message.partition("found")[2]


@pytest.mark.parametrize(
    "uri", ["bucket/key", "s3://bucket", "s3://bucket/", "s3:///key", "https://b.s3.amazonaws.com/k"]
)
def test_malformed_s3_uri_is_refused(bundled: Path, aws: dict[str, str], uri: str) -> None:
    with pytest.raises(ConfigFileError, match=f"{PREFIX}_S3_URI must look like s3://bucket/key"):
        source(bundled, {**aws, f"{PREFIX}_S3_URI": uri})


@pytest.mark.parametrize("ttl", ["soon", "-1", "nan"])
def test_bad_ttl_is_refused_naming_the_variable(bundled: Path, aws: dict[str, str], parameter: str, ttl: str) -> None:
    with pytest.raises(ConfigFileError, match=f"{PREFIX}_TTL_SECONDS"):
        source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": parameter, f"{PREFIX}_TTL_SECONDS": ttl})


# First load: loud


def test_ssm_secure_string_is_loaded_at_start(bundled: Path, aws: dict[str, str], parameter: str, logs: Logs) -> None:
    loaded = source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": parameter}, logs=logs)
    assert loaded.current().name == "v1"
    (record,) = logs.records
    assert (record["message"], record["config_source"]) == ("config loaded", f"ssm:{parameter}")
    assert record["config_version"].startswith("1:")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SSM_PARAMETER", "/dify/missing-parameter", "ssm:/dify/missing-parameter: cannot read: ParameterNotFound"),
        ("S3_URI", "s3://no-such-bucket-here/p.json", "s3://no-such-bucket-here/p.json: cannot read: NoSuchBucket"),
    ],
)
def test_missing_at_start_is_a_loud_error(
    bundled: Path, aws: dict[str, str], variable: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigFileError, match=re.escape(expected)):
        source(bundled, {**aws, f"{PREFIX}_{variable}": value})


def test_access_denied_at_start_is_a_loud_error(
    bundled: Path, aws: dict[str, str], moto_endpoint: str, s3_uri: str
) -> None:
    """A function whose role may not read the object cannot start, and says which object and why."""
    with ssm_reader(moto_endpoint, rules("readable")) as reader:
        environ = {
            **aws,
            "AWS_ACCESS_KEY_ID": reader.credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": reader.credentials.secret_access_key,
        }
        with pytest.raises(ConfigFileError, match=re.escape(f"{s3_uri}: cannot read: AccessDenied")):
            source(bundled, {**environ, f"{PREFIX}_S3_URI": s3_uri})
        # The same user may read SSM: the signed request passes moto's IAM and signature checks.
        assert source(bundled, {**environ, f"{PREFIX}_SSM_PARAMETER": reader.parameter}).current().name == "readable"


def test_no_region_at_start_is_a_loud_error(bundled: Path, aws: dict[str, str], parameter: str) -> None:
    environ = {name: value for name, value in aws.items() if name != "AWS_REGION"}
    with pytest.raises(ConfigFileError, match=re.escape(f"ssm:{parameter}: cannot read: ConfigurationError")):
        source(bundled, {**environ, f"{PREFIX}_SSM_PARAMETER": parameter})


def test_invalid_at_start_names_the_source_and_place(bundled: Path, aws: dict[str, str], moto_endpoint: str) -> None:
    name = "/" + unique("dify/bad")
    boto("ssm", moto_endpoint).put_parameter(Name=name, Value=rules("n", "ok", "[z-a]"), Type="String")
    with pytest.raises(ConfigFileError, match=re.escape(f"ssm:{name}: patterns: Value error, not a regular")):
        source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": name})


# Re-reads


def test_changed_parameter_is_picked_up_after_the_ttl(
    bundled: Path, aws: dict[str, str], moto_endpoint: str, parameter: str, clock: Clock, logs: Logs
) -> None:
    loaded = source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": parameter, f"{PREFIX}_TTL_SECONDS": "30"}, clock, logs)
    put_parameter(moto_endpoint, parameter, rules("v2", "y"))
    clock.now += 29.9
    assert loaded.current().name == "v1"
    clock.now += 0.1
    assert loaded.current().name == "v2"
    assert logs.records[-1]["message"] == "config reloaded"
    assert logs.records[-1]["config_version"].startswith("2:")


def test_unchanged_parameter_is_not_parsed_again(
    bundled: Path, aws: dict[str, str], parameter: str, clock: Clock, parse_count: list[str]
) -> None:
    loaded = source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": parameter}, clock)
    first = loaded.current()
    for _ in range(3):
        clock.now += 61
        assert loaded.current() is first
    assert parse_count == ["x"]


def test_default_ttl_is_60_seconds(bundled: Path, aws: dict[str, str], moto_endpoint: str, parameter: str) -> None:
    clock = Clock()
    loaded = source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": parameter}, clock)
    put_parameter(moto_endpoint, parameter, rules("v2"))
    clock.now += 59
    assert loaded.current().name == "v1"
    clock.now += 1
    assert loaded.current().name == "v2"


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (json.dumps({"name": "v2", "patterns": [f"({SECRET_MARKER}"]}), "patterns: Value error, not a regular"),
        (f'{{"name": "{SECRET_MARKER}", ', "(top level): Invalid JSON"),
        (json.dumps({"name": "v2", "patterns": [], "extra": SECRET_MARKER}), "extra: Extra inputs are not permitted"),
    ],
    ids=["compile-error", "not-json", "unknown-key"],
)
def test_broken_new_version_keeps_the_last_good_one(
    bundled: Path,
    aws: dict[str, str],
    moto_endpoint: str,
    parameter: str,
    clock: Clock,
    logs: Logs,
    broken: str,
    reason: str,
) -> None:
    """The function keeps serving with the last good config, logs the source and the reason (never the content),
    and tries again one TTL later, when a fixed version is picked up."""
    loaded = source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": parameter}, clock, logs)
    put_parameter(moto_endpoint, parameter, broken)
    clock.now += 60
    assert loaded.current().name == "v1"
    warning = logs.records[-1]
    assert warning["level"] == "WARNING"
    assert warning["config_source"] == f"ssm:{parameter}"
    assert warning["config_version"].startswith("1:")
    assert warning["reason"].startswith(f"ssm:{parameter}: ")
    assert reason in warning["reason"]
    assert SECRET_MARKER not in logs.stream.getvalue()

    put_parameter(moto_endpoint, parameter, rules("v3"))
    clock.now += 59
    assert loaded.current().name == "v1"
    clock.now += 1
    assert loaded.current().name == "v3"


def test_validator_bug_keeps_the_last_good_one(
    bundled: Path, aws: dict[str, str], moto_endpoint: str, parameter: str, clock: Clock, logs: Logs
) -> None:
    """An exception no validation should raise (a bug) on a re-read is logged by type and the function goes on."""
    loaded = source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": parameter}, clock, logs)
    put_parameter(moto_endpoint, parameter, rules("v2", "crash"))
    clock.now += 60
    assert loaded.current().name == "v1"
    assert logs.records[-1]["reason"] == "unexpected RuntimeError"


def test_failed_read_keeps_the_last_good_one_and_waits_a_ttl(
    bundled: Path, aws: dict[str, str], moto_endpoint: str, parameter: str, clock: Clock, logs: Logs
) -> None:
    """A parameter deleted (or a network failure) after start: last good config, a warning with the AWS error,
    and no new attempt before the TTL has passed again. Created again, it starts over at Version 1 with new
    content, which is picked up."""
    loaded = source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": parameter}, clock, logs)
    boto("ssm", moto_endpoint).delete_parameter(Name=parameter)
    clock.now += 60
    assert loaded.current().name == "v1"
    assert logs.records[-1]["reason"].startswith("ParameterNotFound")
    warnings = len(logs.records)

    boto("ssm", moto_endpoint).put_parameter(Name=parameter, Value=rules("back"), Type="SecureString")
    clock.now += 30
    assert loaded.current().name == "v1"
    assert len(logs.records) == warnings
    clock.now += 30
    assert loaded.current().name == "back"


def test_s3_object_unchanged_is_a_304_and_not_parsed(
    bundled: Path, aws: dict[str, str], moto_endpoint: str, s3_uri: str, clock: Clock, parse_count: list[str]
) -> None:
    loaded = source(bundled, {**aws, f"{PREFIX}_S3_URI": s3_uri}, clock)
    first = loaded.current()
    clock.now += 60
    assert loaded.current() is first
    assert parse_count == ["x"]

    put_object(moto_endpoint, s3_uri, rules("v2", "y"))
    clock.now += 60
    assert loaded.current().name == "v2"
    assert parse_count == ["x", "y"]


def test_s3_broken_version_keeps_the_last_good_one(
    bundled: Path, aws: dict[str, str], moto_endpoint: str, s3_uri: str, clock: Clock, logs: Logs
) -> None:
    loaded = source(bundled, {**aws, f"{PREFIX}_S3_URI": s3_uri}, clock, logs)
    put_object(moto_endpoint, s3_uri, "[]")
    clock.now += 60
    assert loaded.current().name == "v1"
    assert logs.records[-1]["reason"] == f"{s3_uri}: (top level): Input should be an object"


def test_concurrent_requests_fetch_once(
    bundled: Path, aws: dict[str, str], moto_endpoint: str, parameter: str, clock: Clock, parse_count: list[str]
) -> None:
    """Requests that find the config due at the same time (the local API's threads) cause one re-read; the others
    go on with the config they have instead of waiting for it."""
    loaded = source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": parameter}, clock)
    put_parameter(moto_endpoint, parameter, rules("v2", "y"))
    clock.now += 60
    start = threading.Barrier(8)
    names: list[str] = []

    def request() -> None:
        start.wait()
        names.append(loaded.current().name)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(names) == 8
    assert set(names) <= {"v1", "v2"}
    assert loaded.current().name == "v2"
    assert parse_count == ["x", "y"]


# A check beyond validation (the moderation policy's examples)


def no_forbidden_name(config: Rules) -> None:
    """A check as a function gives one: a ValueError refuses a config that validated."""
    if config.name.startswith("forbidden"):
        raise ValueError("examples.0: expected block, got pass")


def checked_source(
    bundled: Path, environ: dict[str, str], clock: Clock | None = None, logs: Logs | None = None
) -> ConfigSource[Rules]:
    return ConfigSource.from_environment(
        PREFIX,
        bundled=bundled,
        model=Rules,
        environ=environ,
        clock=clock or Clock(),
        logger=logs.logger if logs else None,
        check=no_forbidden_name,
    )


def test_a_config_failing_the_check_at_start_is_refused_naming_the_source(
    bundled: Path, aws: dict[str, str], moto_endpoint: str, parameter: str, tmp_path: Path
) -> None:
    put_parameter(moto_endpoint, parameter, rules("forbidden"))
    with pytest.raises(ConfigFileError) as raised:
        checked_source(bundled, {**aws, f"{PREFIX}_SSM_PARAMETER": parameter})
    assert str(raised.value) == f"ssm:{parameter}: examples.0: expected block, got pass"
    path = tmp_path / "mine.json"
    path.write_text(rules("forbidden too"), encoding="utf-8")
    with pytest.raises(ConfigFileError) as raised:
        checked_source(bundled, {f"{PREFIX}_FILE": str(path)})
    assert str(raised.value) == f"{path}: examples.0: expected block, got pass"


def test_the_bundled_config_is_not_given_to_the_check(bundled: Path) -> None:
    """The project's tests prove the bundled config; the start does not pay for it again."""
    bundled.write_text(rules("forbidden but bundled"), encoding="utf-8")
    assert checked_source(bundled, {}).current().name == "forbidden but bundled"


def test_a_new_version_failing_the_check_keeps_the_last_good_one_and_is_counted(
    bundled: Path,
    aws: dict[str, str],
    moto_endpoint: str,
    s3_uri: str,
    clock: Clock,
    logs: Logs,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "config-test")
    loaded = checked_source(bundled, {**aws, f"{PREFIX}_S3_URI": s3_uri}, clock, logs)
    put_object(moto_endpoint, s3_uri, rules("forbidden v2", "y"))
    clock.now += 60
    assert loaded.current().name == "v1"
    warning = logs.records[-1]
    assert (warning["level"], warning["message"]) == ("WARNING", "config reload failed; keeping the last good config")
    assert warning["reason"] == f"{s3_uri}: examples.0: expected block, got pass"
    (counted,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "ConfigReloadFailures" in line]
    assert counted["ConfigReloadFailures"] == [1.0]

    put_object(moto_endpoint, s3_uri, rules("v3"))
    clock.now += 60
    assert loaded.current().name == "v3"
