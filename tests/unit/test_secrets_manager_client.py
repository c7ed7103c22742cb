"""SecretsManagerClient, load_api_keys, api_key_loader and key_cache_from_environment against a fake Secrets Manager:
a tiny HTTP server on 127.0.0.1 that records each request and answers as AWS does."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dify_extension import aws_http
from dify_extension.api_keys import key_cache_from_environment
from dify_extension.deadline import ANSWER_MARGIN_SECONDS, request_time
from dify_extension.keys import KeyUnavailableError
from dify_extension.secrets_manager import SecretsManagerClient, SecretsManagerError, api_key_loader, load_api_keys
from dify_extension.sigv4 import Credentials, sign
from tests.tools.fake_upstream import dripping_server

SECRET_ID = "prod/dify-api-key"
CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
REGION = "eu-central-1"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> object:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def secret_reply(value: str) -> Reply:
    """A successful GetSecretValue answer, shaped as AWS sends it."""
    document = {"ARN": "arn:aws:secretsmanager:x", "Name": SECRET_ID, "SecretString": value, "VersionId": "v1"}
    return Reply(200, json.dumps(document).encode())


def aws_error(code: str, message: str, status: int = 400) -> Reply:
    """An AWS JSON-protocol error answer."""
    return Reply(status, json.dumps({"__type": f"com.amazonaws.secretsmanager#{code}", "message": message}).encode())


class FakeSecretsManager:
    """Answers GetSecretValue from `replies` by VersionStage (ResourceNotFoundException when absent).

    `mode` "slow" holds the answer until the test ends; "hang-up" closes the connection without answering.
    """

    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {}
        self.requests: list[Recorded] = []
        self.mode = "normal"
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fake.requests.append(
                    Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                if fake.mode == "hang-up":
                    self.close_connection = True
                    return
                if fake.mode == "slow":
                    fake.release.wait(10)
                stage = str(json.loads(body).get("VersionStage", ""))
                reply = fake.replies.get(stage) or aws_error("ResourceNotFoundException", "no such version")
                self.send_response(reply.status)
                for name, value in {"Content-Type": "application/x-amz-json-1.1", **reply.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    def client(self, timeout_seconds: float = 3.0) -> SecretsManagerClient:
        return SecretsManagerClient(
            region=REGION, endpoint_url=self.url, credentials=CREDENTIALS, timeout_seconds=timeout_seconds
        )

    def environ(self, **extra: str) -> dict[str, str]:
        """What Lambda would set, pointed at this server."""
        return {
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": CREDENTIALS.access_key_id,
            "AWS_SECRET_ACCESS_KEY": CREDENTIALS.secret_access_key,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": self.url,
            **extra,
        }


@pytest.fixture
def fake() -> Iterator[FakeSecretsManager]:
    server = FakeSecretsManager()
    server.thread.start()
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_success_returns_the_secret_string(fake: FakeSecretsManager) -> None:
    """A 200 answer gives back SecretString exactly (whitespace is the cache's business, not the client's)."""
    fake.replies["AWSCURRENT"] = secret_reply("the-key\n")
    assert fake.client().get_secret_string(SECRET_ID, "AWSCURRENT") == "the-key\n"


def test_request_is_a_signed_get_secret_value(fake: FakeSecretsManager) -> None:
    """POST / with the JSON-1.1 target GetSecretValue, the secret id and stage, signed for the Host it was sent to."""
    fake.replies["AWSPENDING"] = secret_reply("k")
    fake.client().get_secret_string(SECRET_ID, "AWSPENDING")

    [request] = fake.requests
    assert (request.method, request.path) == ("POST", "/")
    assert request.headers["x-amz-target"] == "secretsmanager.GetSecretValue"
    assert request.headers["content-type"] == "application/x-amz-json-1.1"
    assert request.json == {"SecretId": SECRET_ID, "VersionStage": "AWSPENDING"}
    assert request.headers["host"] == fake.url.removeprefix("http://")
    assert "x-amz-security-token" not in request.headers

    stamped = datetime.strptime(request.headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamped).total_seconds()) < 60
    expected = sign(
        method="POST",
        host=request.headers["host"],
        path="/",
        headers={"Content-Type": request.headers["content-type"], "X-Amz-Target": request.headers["x-amz-target"]},
        body=request.body,
        region=REGION,
        service="secretsmanager",
        credentials=CREDENTIALS,
        now=stamped,
    )
    assert request.headers["authorization"] == expected["authorization"]
    assert (
        f"Credential={CREDENTIALS.access_key_id}/{stamped:%Y%m%d}/{REGION}/secretsmanager/aws4_request"
        in (request.headers["authorization"])
    )


@pytest.mark.parametrize(
    ("reply", "code", "message"),
    [
        pytest.param(
            aws_error("AccessDeniedException", "User is not authorized to perform GetSecretValue"),
            "AccessDeniedException",
            "not authorized",
            id="access-denied",
        ),
        pytest.param(aws_error("ThrottlingException", "Rate exceeded"), "ThrottlingException", "Rate exceeded"),
        pytest.param(
            Reply(400, json.dumps({"__type": "ResourceNotFoundException", "Message": "gone"}).encode()),
            "ResourceNotFoundException",
            "gone",
            id="no-namespace-capital-message",
        ),
        pytest.param(
            aws_error("InternalServiceError", "try again", status=500), "InternalServiceError", "try again", id="500"
        ),
        pytest.param(Reply(502, b"<html>Bad Gateway</html>"), "HTTP502", "Bad Gateway", id="non-json-502"),
        pytest.param(Reply(503, b""), "HTTP503", "", id="empty-503"),
        pytest.param(Reply(400, b"[1, 2]"), "HTTP400", "", id="json-not-object"),
        pytest.param(
            Reply(
                403,
                b"<AccessDeniedException/>",
                {"x-amzn-ErrorType": "AccessDeniedException:http://internal.amazon.com/coral/"},
            ),
            "AccessDeniedException",
            "",
            id="error-type-header",
        ),
    ],
)
def test_error_answers_raise_with_the_code(fake: FakeSecretsManager, reply: Reply, code: str, message: str) -> None:
    """A non-200 answer is a SecretsManagerError with the AWS code (namespace dropped) or HTTP<status>."""
    fake.replies["AWSCURRENT"] = reply
    with pytest.raises(SecretsManagerError) as caught:
        fake.client().get_secret_string(SECRET_ID, "AWSCURRENT")
    assert caught.value.code == code
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"Name": SECRET_ID, "SecretBinary": "AAEC", "VersionId": "v1"}, id="binary-only"),
        pytest.param({"Name": SECRET_ID, "SecretString": None}, id="null-string"),
        pytest.param({"Name": SECRET_ID, "SecretString": 12345}, id="number"),
    ],
)
def test_success_without_a_secret_string_is_refused(fake: FakeSecretsManager, body: dict[str, object]) -> None:
    """A version holding no SecretString (binary) is NoSecretString, never a key of the wrong type."""
    fake.replies["AWSCURRENT"] = Reply(200, json.dumps(body).encode())
    with pytest.raises(SecretsManagerError) as caught:
        fake.client().get_secret_string(SECRET_ID, "AWSCURRENT")
    assert caught.value.code == "NoSecretString"


def test_success_with_a_non_json_body_is_an_error(fake: FakeSecretsManager) -> None:
    """A 200 whose body is not JSON (a misbehaving proxy) raises SecretsManagerError rather than crashing."""
    fake.replies["AWSCURRENT"] = Reply(200, b"<html>login</html>")
    with pytest.raises(SecretsManagerError):
        fake.client().get_secret_string(SECRET_ID, "AWSCURRENT")


def test_unreachable_port_is_a_network_error() -> None:
    """Nothing listening: NetworkError, not an OSError."""
    client = SecretsManagerClient(
        region=REGION, endpoint_url=f"http://127.0.0.1:{unused_port()}", credentials=CREDENTIALS
    )
    with pytest.raises(SecretsManagerError) as caught:
        client.get_secret_string(SECRET_ID, "AWSCURRENT")
    assert caught.value.code == "NetworkError"


def test_server_hanging_up_is_a_network_error(fake: FakeSecretsManager) -> None:
    """A connection closed without an answer: NetworkError, not an http.client exception."""
    fake.mode = "hang-up"
    with pytest.raises(SecretsManagerError) as caught:
        fake.client().get_secret_string(SECRET_ID, "AWSCURRENT")
    assert caught.value.code == "NetworkError"
    assert len(fake.requests) == 1


def test_slow_server_times_out(fake: FakeSecretsManager) -> None:
    """An answer slower than `timeout_seconds` is a NetworkError after about that long."""
    fake.mode = "slow"
    fake.replies["AWSCURRENT"] = secret_reply("late")
    started = time.monotonic()
    with pytest.raises(SecretsManagerError) as caught:
        fake.client(timeout_seconds=0.3).get_secret_string(SECRET_ID, "AWSCURRENT")
    elapsed = time.monotonic() - started
    assert caught.value.code == "NetworkError"
    assert 0.25 <= elapsed < 1.5


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\n", id="headers"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", id="body"),
    ],
)
def test_a_server_dripping_bytes_is_cut_at_the_timeout_in_all(head: bytes) -> None:
    """A byte every 0.1 s keeps each socket read short: the call still ends at `timeout_seconds` in all."""
    with dripping_server(head, b"X-A: b\r\n" if head.endswith(b"OK\r\n") else b"{", every=0.1) as address:
        client = SecretsManagerClient(
            region=REGION, endpoint_url=f"http://{address}", credentials=CREDENTIALS, timeout_seconds=0.5
        )
        started = time.monotonic()
        with pytest.raises(SecretsManagerError) as caught:
            client.get_secret_string(SECRET_ID, "AWSCURRENT")
        elapsed = time.monotonic() - started
    assert (caught.value.code, str(caught.value)) == ("NetworkError", "NetworkError: TimeoutError")
    assert 0.45 <= elapsed < 1.5


def test_the_requests_deadline_cuts_a_call_shorter(fake: FakeSecretsManager) -> None:
    """Within a request with 0.3 s left, a client with a 3 s timeout gives up after 0.3 s."""
    fake.mode = "slow"
    with request_time(ANSWER_MARGIN_SECONDS + 0.3):
        started = time.monotonic()
        with pytest.raises(SecretsManagerError):
            fake.client(timeout_seconds=3.0).get_secret_string(SECRET_ID, "AWSCURRENT")
        assert time.monotonic() - started < 1.0


def test_an_answer_over_the_size_limit_is_refused(fake: FakeSecretsManager, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws_http, "MAX_RESPONSE_BYTES", 1000)
    fake.replies["AWSCURRENT"] = secret_reply("k" * 2000)
    with pytest.raises(SecretsManagerError) as caught:
        fake.client().get_secret_string(SECRET_ID, "AWSCURRENT")
    assert caught.value.code == "ResponseTooLarge"


@pytest.mark.parametrize("url", ["ftp://host/", "secretsmanager.amazonaws.com", "http://", ""])
def test_endpoint_must_be_an_http_url(url: str) -> None:
    """An endpoint that is not http(s)://host is refused when the client is built."""
    with pytest.raises(ValueError, match="endpoint"):
        SecretsManagerClient(region=REGION, endpoint_url=url, credentials=CREDENTIALS)


# load_api_keys


def test_load_api_keys_returns_current_only_when_no_pending(fake: FakeSecretsManager) -> None:
    """Outside a rotation AWSPENDING does not exist (ResourceNotFoundException): only the current key."""
    fake.replies["AWSCURRENT"] = secret_reply("current")
    assert load_api_keys(fake.client(), SECRET_ID) == ("current",)
    assert [request.json for request in fake.requests] == [
        {"SecretId": SECRET_ID, "VersionStage": "AWSCURRENT"},
        {"SecretId": SECRET_ID, "VersionStage": "AWSPENDING"},
    ]


def test_load_api_keys_returns_current_then_pending(fake: FakeSecretsManager) -> None:
    """During a rotation both versions' values are returned, current first."""
    fake.replies["AWSCURRENT"] = secret_reply("current")
    fake.replies["AWSPENDING"] = secret_reply("pending")
    assert load_api_keys(fake.client(), SECRET_ID) == ("current", "pending")


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (aws_error("AccessDeniedException", "no access to AWSPENDING"), "AccessDeniedException"),
        (aws_error("ThrottlingException", "slow down"), "ThrottlingException"),
        (Reply(500, b"oops"), "HTTP500"),
    ],
)
def test_load_api_keys_raises_other_errors_on_pending(fake: FakeSecretsManager, reply: Reply, code: str) -> None:
    """Only a missing AWSPENDING is normal; any other failure to read it is raised, not ignored."""
    fake.replies["AWSCURRENT"] = secret_reply("current")
    fake.replies["AWSPENDING"] = reply
    with pytest.raises(SecretsManagerError) as caught:
        load_api_keys(fake.client(), SECRET_ID)
    assert caught.value.code == code


def test_load_api_keys_raises_when_current_is_missing(fake: FakeSecretsManager) -> None:
    """A missing secret (no AWSCURRENT) is an error, even though a missing AWSPENDING is not."""
    with pytest.raises(SecretsManagerError) as caught:
        load_api_keys(fake.client(), SECRET_ID)
    assert caught.value.code == "ResourceNotFoundException"
    assert len(fake.requests) == 1


# SecretsManagerClient.from_environment


def test_from_environment_prefers_the_service_specific_endpoint(fake: FakeSecretsManager) -> None:
    """AWS_ENDPOINT_URL_SECRETS_MANAGER wins over AWS_ENDPOINT_URL."""
    fake.replies["AWSCURRENT"] = secret_reply("via-service-endpoint")
    environ = fake.environ(AWS_ENDPOINT_URL=f"http://127.0.0.1:{unused_port()}")
    client = SecretsManagerClient.from_environment(environ)
    assert client.get_secret_string(SECRET_ID, "AWSCURRENT") == "via-service-endpoint"
    assert len(fake.requests) == 1


def test_from_environment_falls_back_to_the_global_endpoint(fake: FakeSecretsManager) -> None:
    """Without the service-specific variable, AWS_ENDPOINT_URL is used."""
    fake.replies["AWSCURRENT"] = secret_reply("via-global-endpoint")
    environ = fake.environ(AWS_ENDPOINT_URL=fake.url)
    del environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"]
    assert SecretsManagerClient.from_environment(environ).get_secret_string(SECRET_ID, "AWSCURRENT") == (
        "via-global-endpoint"
    )


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us-east-1", "secretsmanager.us-east-1.amazonaws.com"),
        ("eu-west-3", "secretsmanager.eu-west-3.amazonaws.com"),
        ("cn-north-1", "secretsmanager.cn-north-1.amazonaws.com.cn"),
        ("cn-northwest-1", "secretsmanager.cn-northwest-1.amazonaws.com.cn"),
    ],
)
def test_from_environment_defaults_to_the_regional_https_endpoint(region: str, host: str) -> None:
    """Without endpoint variables, the client talks HTTPS to the region's public endpoint (.com.cn in China)."""
    client = SecretsManagerClient.from_environment(
        {"AWS_REGION": region, "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}
    )
    assert client.target == (True, host)


@pytest.mark.parametrize(
    ("region_variables", "region"),
    [
        ({"AWS_REGION": "ap-southeast-2"}, "ap-southeast-2"),
        ({"AWS_DEFAULT_REGION": "sa-east-1"}, "sa-east-1"),
        ({"AWS_REGION": "ap-southeast-2", "AWS_DEFAULT_REGION": "sa-east-1"}, "ap-southeast-2"),
    ],
)
def test_from_environment_signs_for_the_configured_region(
    fake: FakeSecretsManager, region_variables: dict[str, str], region: str
) -> None:
    """AWS_REGION (else AWS_DEFAULT_REGION) is the region in the signature's scope."""
    fake.replies["AWSCURRENT"] = secret_reply("k")
    environ = fake.environ()
    del environ["AWS_REGION"]
    SecretsManagerClient.from_environment({**environ, **region_variables}).get_secret_string(SECRET_ID, "AWSCURRENT")
    assert f"/{region}/secretsmanager/aws4_request" in fake.requests[0].headers["authorization"]


def test_from_environment_sends_the_session_token(fake: FakeSecretsManager) -> None:
    """Lambda's temporary credentials: AWS_SESSION_TOKEN travels as a signed X-Amz-Security-Token."""
    fake.replies["AWSCURRENT"] = secret_reply("k")
    client = SecretsManagerClient.from_environment(fake.environ(AWS_SESSION_TOKEN="session-token-xyz"))
    client.get_secret_string(SECRET_ID, "AWSCURRENT")
    headers = fake.requests[0].headers
    assert headers["x-amz-security-token"] == "session-token-xyz"
    assert "x-amz-security-token" in headers["authorization"].partition("SignedHeaders=")[2].partition(",")[0]


@pytest.mark.parametrize(
    "missing",
    [
        ("AWS_REGION",),
        ("AWS_ACCESS_KEY_ID",),
        ("AWS_SECRET_ACCESS_KEY",),
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
    ],
)
def test_from_environment_without_region_or_credentials_is_a_configuration_error(missing: tuple[str, ...]) -> None:
    """No region or no credentials: SecretsManagerError with code ConfigurationError."""
    environ = {"AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}
    for name in missing:
        environ[name] = ""
    with pytest.raises(SecretsManagerError) as caught:
        SecretsManagerClient.from_environment(environ)
    assert caught.value.code == "ConfigurationError"
    for name in missing:
        del environ[name]
    with pytest.raises(SecretsManagerError) as caught:
        SecretsManagerClient.from_environment(environ)
    assert caught.value.code == "ConfigurationError"


# api_key_loader and key_cache_from_environment


def test_api_key_loader_with_empty_secret_id_fails_on_load(fake: FakeSecretsManager) -> None:
    """An unset secret id is not a crash at start-up but a ConfigurationError on each load, with no AWS call."""
    load = api_key_loader("", fake.environ())
    with pytest.raises(SecretsManagerError) as caught:
        load()
    assert caught.value.code == "ConfigurationError"
    assert fake.requests == []


def test_api_key_loader_reports_a_missing_region_on_load() -> None:
    """A broken AWS environment is reported when loading, not when the loader is made."""
    load = api_key_loader(SECRET_ID, {})
    with pytest.raises(SecretsManagerError) as caught:
        load()
    assert caught.value.code == "ConfigurationError"


def test_api_key_loader_loads_current_and_pending(fake: FakeSecretsManager) -> None:
    """The loader reads the named secret's AWSCURRENT and AWSPENDING through the configured endpoint."""
    fake.replies["AWSCURRENT"] = secret_reply("current")
    fake.replies["AWSPENDING"] = secret_reply("pending")
    assert api_key_loader(SECRET_ID, fake.environ())() == ("current", "pending")
    assert {request.json["SecretId"] for request in fake.requests if isinstance(request.json, dict)} == {SECRET_ID}


def test_key_cache_from_environment_verifies_against_the_secret(fake: FakeSecretsManager) -> None:
    """The configured cache accepts the secret's keys (stripped) and caches them (300 s TTL by default)."""
    fake.replies["AWSCURRENT"] = secret_reply("current-key\n")
    fake.replies["AWSPENDING"] = secret_reply("pending-key")
    cache = key_cache_from_environment(fake.environ(API_KEY_SECRET_ID=SECRET_ID))
    assert cache.verify("current-key")
    assert cache.verify("pending-key")
    assert len(fake.requests) == 2


def test_key_cache_from_environment_uses_the_ttl_setting(fake: FakeSecretsManager) -> None:
    """API_KEY_CACHE_TTL_SECONDS=0 reloads the keys on every check."""
    fake.replies["AWSCURRENT"] = secret_reply("current-key")
    cache = key_cache_from_environment(fake.environ(API_KEY_SECRET_ID=SECRET_ID, API_KEY_CACHE_TTL_SECONDS="0"))
    assert cache.verify("current-key")
    assert cache.verify("current-key")
    assert len(fake.requests) == 4


def test_key_cache_from_environment_takes_a_snapshot(fake: FakeSecretsManager) -> None:
    """Changing the environment mapping after the cache is made changes nothing (a Lambda sandbox's is fixed)."""
    fake.replies["AWSCURRENT"] = secret_reply("current-key")
    environ = fake.environ(API_KEY_SECRET_ID=SECRET_ID)
    cache = key_cache_from_environment(environ)
    environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = f"http://127.0.0.1:{unused_port()}"
    assert cache.verify("current-key")


def test_key_cache_from_environment_without_secret_id_fails_closed(fake: FakeSecretsManager) -> None:
    """No API_KEY_SECRET_ID: the cache is made, but every check is refused as unavailable."""
    cache = key_cache_from_environment(fake.environ())
    with pytest.raises(KeyUnavailableError, match="API_KEY_SECRET_ID"):
        cache.verify("anything")
    assert fake.requests == []


def test_key_cache_from_environment_rejects_bad_settings(fake: FakeSecretsManager) -> None:
    """An unusable setting stops the function at start-up, naming the variable."""
    with pytest.raises(ValueError, match="API_KEY_REFRESH_INTERVAL_SECONDS"):
        key_cache_from_environment(fake.environ(API_KEY_SECRET_ID=SECRET_ID, API_KEY_REFRESH_INTERVAL_SECONDS="-5"))
