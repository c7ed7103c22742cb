"""The key as both functions read it from Secrets Manager (moto): rotation, failures, fail-closed."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.request import Request, urlopen

import boto3
import pytest

from tests.handlers.conftest import PING, call, load_handler

OLD_KEY = "old-key-" + "a" * 24
NEW_KEY = "new-key-" + "b" * 24
ROUTES = [("moderation", "/moderation"), ("external_data_tool", "/external-data-tool")]


@pytest.mark.parametrize(("package", "path"), ROUTES)
def test_the_current_key_is_accepted_and_others_refused(
    package: str, path: str, secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets.create_secret(Name=secret_name, SecretString=OLD_KEY)
    handler = load_handler(package, monkeypatch, API_KEY_SECRET_ID=secret_name)

    assert call(handler, path, PING, OLD_KEY) == (200, {"result": "pong"})
    status, body = call(handler, path, PING, NEW_KEY)
    assert status == 401
    assert NEW_KEY not in json.dumps(body)


def test_a_pending_version_is_accepted_beside_the_current_one(
    secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets.create_secret(Name=secret_name, SecretString=OLD_KEY)
    secrets.put_secret_value(SecretId=secret_name, SecretString=NEW_KEY, VersionStages=["AWSPENDING"])
    handler = load_handler("moderation", monkeypatch, API_KEY_SECRET_ID=secret_name)

    assert call(handler, "/moderation", PING, OLD_KEY)[0] == 200
    assert call(handler, "/moderation", PING, NEW_KEY)[0] == 200


def test_without_a_pending_version_only_the_current_key_works(
    secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets.create_secret(Name=secret_name, SecretString=OLD_KEY)
    handler = load_handler("moderation", monkeypatch, API_KEY_SECRET_ID=secret_name)

    assert call(handler, "/moderation", PING, NEW_KEY)[0] == 401
    assert call(handler, "/moderation", PING, OLD_KEY)[0] == 200


def test_rotation_through_the_pending_stage_fails_no_request(
    secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented rotation: put the new key as AWSPENDING, switch Dify to it, promote it. Every request made
    along the way with the key Dify holds at that moment succeeds; once promoted and the cache has expired, the old
    key stops working."""
    ttl = 0.3
    secrets.create_secret(Name=secret_name, SecretString=OLD_KEY)
    handler = load_handler(
        "moderation",
        monkeypatch,
        API_KEY_SECRET_ID=secret_name,
        API_KEY_CACHE_TTL_SECONDS=str(ttl),
        API_KEY_REFRESH_INTERVAL_SECONDS="0.05",
    )
    assert call(handler, "/moderation", PING, OLD_KEY)[0] == 200

    old_version = secrets.describe_secret(SecretId=secret_name)["VersionIdsToStages"]
    (old_version_id,) = [version for version, stages in old_version.items() if "AWSCURRENT" in stages]
    new_version_id = secrets.put_secret_value(SecretId=secret_name, SecretString=NEW_KEY, VersionStages=["AWSPENDING"])[
        "VersionId"
    ]
    # Dify still holds the old key for a while, then switches to the new one: its first use after the refresh
    # interval reloads the keys.
    assert call(handler, "/moderation", PING, OLD_KEY)[0] == 200
    time.sleep(0.06)
    assert call(handler, "/moderation", PING, NEW_KEY)[0] == 200
    assert call(handler, "/moderation", PING, NEW_KEY)[0] == 200

    secrets.update_secret_version_stage(
        SecretId=secret_name,
        VersionStage="AWSCURRENT",
        MoveToVersionId=new_version_id,
        RemoveFromVersionId=old_version_id,
    )
    secrets.update_secret_version_stage(
        SecretId=secret_name, VersionStage="AWSPENDING", RemoveFromVersionId=new_version_id
    )
    assert call(handler, "/moderation", PING, NEW_KEY)[0] == 200

    time.sleep(ttl + 0.1)
    assert call(handler, "/moderation", PING, NEW_KEY)[0] == 200
    assert call(handler, "/moderation", PING, OLD_KEY)[0] == 401


def test_a_key_changed_in_secrets_manager_works_on_its_first_use(
    secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown key refreshes the cache (rate-limited), so a key put straight into AWSCURRENT works at once."""
    secrets.create_secret(Name=secret_name, SecretString=OLD_KEY)
    handler = load_handler("external_data_tool", monkeypatch, API_KEY_SECRET_ID=secret_name)
    assert call(handler, "/external-data-tool", PING, OLD_KEY)[0] == 200

    secrets.put_secret_value(SecretId=secret_name, SecretString=NEW_KEY)

    assert call(handler, "/external-data-tool", PING, NEW_KEY)[0] == 200


@pytest.mark.parametrize(("package", "path"), ROUTES)
def test_a_missing_secret_refuses_everyone_with_503(
    package: str, path: str, secret_name: str, runtime: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    handler = load_handler(package, monkeypatch, API_KEY_SECRET_ID=secret_name)

    status, body = call(handler, path, PING, OLD_KEY)

    assert status == 503
    assert body == {"error": "API key unavailable; try again later"}
    assert "ResourceNotFoundException" in capsys.readouterr().out


def test_an_empty_secret_refuses_everyone(secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets.create_secret(Name=secret_name, SecretString="  \n")
    handler = load_handler("moderation", monkeypatch, API_KEY_SECRET_ID=secret_name)

    assert call(handler, "/moderation", PING, "  \n")[0] == 401  # not even a well-formed key
    assert call(handler, "/moderation", PING, "anything")[0] == 503


def test_a_missing_secret_id_refuses_everyone(monkeypatch: pytest.MonkeyPatch, runtime: Any, capsys: Any) -> None:
    handler = load_handler("moderation", monkeypatch, API_KEY_SECRET_ID="")

    assert call(handler, "/moderation", PING, OLD_KEY)[0] == 503
    assert "API_KEY_SECRET_ID is not set" in capsys.readouterr().out


@contextmanager
def _iam_enforced(moto_endpoint: str) -> Iterator[None]:
    """moto checks signatures and IAM policies of every call while the block runs."""

    def reset_auth(count: str) -> None:
        request = Request(
            f"{moto_endpoint}/moto-api/reset-auth",
            data=count.encode(),
            headers={"Content-Type": "text/plain"},
            method="POST",
        )
        with urlopen(request):
            pass

    reset_auth("0")
    try:
        yield
    finally:
        reset_auth("inf")


def test_access_denied_refuses_everyone_with_503(
    secrets: Any, secret_name: str, runtime: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """With IAM enforced, a user without secretsmanager:GetSecretValue gets AccessDenied: 503, and nobody gets in.
    The same call by a user with the permission succeeds, which also shows that moto accepts our signatures.
    (moto evaluates IAM actions, not resource ARNs: least privilege per secret is asserted on the template.)"""
    secrets.create_secret(Name=secret_name, SecretString=OLD_KEY)
    iam = boto3.client("iam", endpoint_url=runtime["AWS_ENDPOINT_URL_SECRETS_MANAGER"])

    def user_allowed_to(action: str) -> dict[str, str]:
        name = f"reader-{uuid.uuid4().hex[:8]}"
        iam.create_user(UserName=name)
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
        }
        iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=json.dumps(document))
        access_key = iam.create_access_key(UserName=name)["AccessKey"]
        return {"AWS_ACCESS_KEY_ID": access_key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": access_key["SecretAccessKey"]}

    denied = user_allowed_to("secretsmanager:DescribeSecret")
    allowed = user_allowed_to("secretsmanager:GetSecretValue")
    monkeypatch.delenv("AWS_SESSION_TOKEN")

    with _iam_enforced(runtime["AWS_ENDPOINT_URL_SECRETS_MANAGER"]):
        denied_handler = load_handler("moderation", monkeypatch, API_KEY_SECRET_ID=secret_name, **denied)
        status, body = call(denied_handler, "/moderation", PING, OLD_KEY)
        allowed_handler = load_handler("moderation", monkeypatch, API_KEY_SECRET_ID=secret_name, **allowed)
        allowed_status, _ = call(allowed_handler, "/moderation", PING, OLD_KEY)

    assert (status, body) == (503, {"error": "API key unavailable; try again later"})
    assert "AccessDenied" in capsys.readouterr().out
    assert allowed_status == 200


class _FakeSecretsManager(BaseHTTPRequestHandler):
    """Secrets Manager as it answers under load: every call throttled. Counts the calls it gets."""

    calls = 0
    answer: tuple[int, dict[str, Any]] = (400, {"__type": "ThrottlingException", "message": "Rate exceeded"})

    def do_POST(self) -> None:
        type(self).calls += 1
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, document = self.answer
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def throttling_secrets_manager(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_FakeSecretsManager]]:
    handler_class = type("Throttling", (_FakeSecretsManager,), {"calls": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", f"http://127.0.0.1:{server.server_address[1]}")
    yield handler_class
    server.shutdown()
    server.server_close()


def test_throttling_refuses_everyone_and_backs_off(
    throttling_secrets_manager: type[_FakeSecretsManager], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Throttled: 503 for everyone, and a flood of requests makes no more Secrets Manager calls than the
    refresh interval allows."""
    handler = load_handler(
        "external_data_tool", monkeypatch, API_KEY_SECRET_ID="any", API_KEY_REFRESH_INTERVAL_SECONDS="60"
    )
    statuses = {call(handler, "/external-data-tool", PING, f"guess-{attempt}")[0] for attempt in range(50)}

    assert statuses == {503}
    assert "ThrottlingException" in capsys.readouterr().out
    # At most: one prefetch at import, and one load by the first request (a failed prefetch never blocks it).
    assert 1 <= throttling_secrets_manager.calls <= 2


def test_a_flood_of_wrong_keys_makes_at_most_one_read_per_interval(
    throttling_secrets_manager: type[_FakeSecretsManager], monkeypatch: pytest.MonkeyPatch
) -> None:
    throttling_secrets_manager.answer = (200, {"SecretString": OLD_KEY, "Name": "any"})
    handler = load_handler("moderation", monkeypatch, API_KEY_SECRET_ID="any", API_KEY_REFRESH_INTERVAL_SECONDS="60")
    assert call(handler, "/moderation", PING, OLD_KEY)[0] == 200
    calls_when_warm = throttling_secrets_manager.calls

    statuses = {call(handler, "/moderation", PING, f"guess-{attempt}")[0] for attempt in range(100)}

    assert statuses == {401}
    # One early refresh (AWSCURRENT + AWSPENDING: two GetSecretValue calls) for the whole flood.
    assert throttling_secrets_manager.calls - calls_when_warm == 2
    assert call(handler, "/moderation", PING, OLD_KEY)[0] == 200
