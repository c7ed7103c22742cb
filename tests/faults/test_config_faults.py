"""A policy or tools config in SSM or S3 when the store misbehaves: at start the function fails loudly within
READ_SECONDS (never hangs its init); later, a re-read that hangs, drips, fails or answers garbage costs the request
that started it at most WAIT_SECONDS, and every request is served the last good config."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dify_extension.config_files import ConfigFileError
from dify_extension.config_source import READ_SECONDS, WAIT_SECONDS, ConfigSource
from local_api.events import LambdaContext, dify_event
from tests.faults.faulty_aws import FAULTS, FaultyAws, Mode, faulty_aws
from tests.faults.test_key_faults import BOUND, KEY
from tests.handlers.conftest import FUNCTIONS, load_handler
from tests.unit.moto_aws import CREDENTIALS, REGION, boto, unique
from tests.unit.test_config_source import Clock, Logs, Rules, rules

PREFIX = "FAULT_CONFIG"
STORES = ["ssm", "s3"]


class Store:
    """One config in moto (SSM parameter or S3 object) behind a faulty endpoint."""

    def __init__(self, kind: str, moto_endpoint: str, proxy: FaultyAws) -> None:
        self.kind = kind
        self.proxy = proxy
        self._moto = moto_endpoint
        if kind == "ssm":
            self.name = "/" + unique("dify/fault")
            self.variable = f"{PREFIX}_SSM_PARAMETER"
        else:
            self._bucket = unique("fault-config")
            boto("s3", moto_endpoint).create_bucket(Bucket=self._bucket)
            self.name = f"s3://{self._bucket}/config.json"
            self.variable = f"{PREFIX}_S3_URI"
        self.put(rules("v1", "x"))

    def put(self, text: str) -> None:
        if self.kind == "ssm":
            boto("ssm", self._moto).put_parameter(Name=self.name, Value=text, Type="String", Overwrite=True)
        else:
            boto("s3", self._moto).put_object(Bucket=self._bucket, Key="config.json", Body=text.encode())

    def environ(self) -> dict[str, str]:
        return {
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": CREDENTIALS.access_key_id,
            "AWS_SECRET_ACCESS_KEY": CREDENTIALS.secret_access_key,
            f"AWS_ENDPOINT_URL_{self.kind.upper()}": self.proxy.url,
            self.variable: self.name,
        }

    def source(self, clock: Clock, logs: Logs, tmp_path: Path) -> ConfigSource[Rules]:
        bundled = tmp_path / "bundled.json"
        bundled.write_text(rules("bundled", "a"), encoding="utf-8")
        return ConfigSource.from_environment(
            PREFIX, bundled=bundled, model=Rules, environ=self.environ(), clock=clock, logger=logs.logger
        )


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, moto_endpoint: str) -> Iterator[Store]:
    with faulty_aws(moto_endpoint, s3=request.param == "s3") as proxy:
        yield Store(request.param, moto_endpoint, proxy)


@pytest.mark.parametrize("mode", FAULTS)
def test_a_faulty_store_at_start_fails_loudly_in_time(mode: Mode, store: Store, tmp_path: Path) -> None:
    store.proxy.mode = mode
    started = time.monotonic()
    with pytest.raises(ConfigFileError) as caught:
        store.source(Clock(), Logs(), tmp_path)
    assert time.monotonic() - started < READ_SECONDS + 0.5
    assert str(caught.value).startswith(f"{store.name if store.kind == 's3' else 'ssm:' + store.name}: ")


def warnings_of(logs: Logs) -> list[dict[str, Any]]:
    return [record for record in logs.records if record["message"].startswith("config reload failed")]


@pytest.mark.parametrize("mode", FAULTS)
def test_a_faulty_re_read_serves_the_last_good_config_in_time(mode: Mode, store: Store, tmp_path: Path) -> None:
    """The request that finds the re-read due waits at most WAIT_SECONDS, then gets the last good config, as do the
    requests after it; the re-read ends within READ_SECONDS with a warning; once the store is fixed, a new version
    is picked up one TTL later."""
    clock, logs = Clock(), Logs()
    loaded = store.source(clock, logs, tmp_path)
    store.put(rules("v2", "y"))
    store.proxy.mode = mode
    clock.now += 60

    started = time.monotonic()
    assert loaded.current().name == "v1"
    assert time.monotonic() - started < WAIT_SECONDS + 0.3
    deadline = time.monotonic() + READ_SECONDS + 1.0
    while not warnings_of(logs) and time.monotonic() < deadline:
        assert loaded.current().name == "v1"
        time.sleep(0.05)
    (warning,) = warnings_of(logs)
    assert warning["config_source"] == (store.name if store.kind == "s3" else f"ssm:{store.name}")
    assert "v2" not in json.dumps(warning)  # never the content

    store.proxy.mode = "pass"
    clock.now += 60
    assert loaded.current().name == "v2"


def test_a_hung_policy_store_never_holds_a_moderation_request(
    moto_endpoint: str, secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The moderation function with its policy in SSM and a TTL of 1 s: once SSM hangs, a request that finds the
    policy due is answered, with the last good policy, well within the bound."""
    secrets.create_secret(Name=secret_name, SecretString=KEY)
    rule = {"id": "r", "category": "test", "action": "block", "keywords": ["forbidden-word"]}
    policy = json.dumps({"default": {"input": {"rules": [rule]}}})
    parameter = "/" + unique("dify/policy")
    boto("ssm", moto_endpoint).put_parameter(Name=parameter, Value=policy, Type="String")
    payload = {"point": "app.moderation.input", "params": {"app_id": "a", "inputs": {}, "query": "a forbidden-word"}}
    with faulty_aws(moto_endpoint) as ssm:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", ssm.url)
        handler = load_handler(
            "moderation",
            monkeypatch,
            API_KEY_SECRET_ID=secret_name,
            MODERATION_POLICY_SSM_PARAMETER=parameter,
            MODERATION_POLICY_TTL_SECONDS="1",
        )
        ssm.mode = "hang"
        time.sleep(1.05)
        for _ in range(3):
            context = LambdaContext("moderation", timeout_seconds=FUNCTIONS["moderation"].timeout_seconds)
            started = time.monotonic()
            response = handler(dify_event("/moderation", payload, KEY), context)
            elapsed = time.monotonic() - started
            assert (response["statusCode"], json.loads(response["body"])["flagged"]) == (200, True)
            assert elapsed < min(BOUND, WAIT_SECONDS + 0.5)
