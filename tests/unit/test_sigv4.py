"""sign produces exactly the Authorization header botocore's own SigV4 signers produce for the same request: JSON POSTs
(SigV4Auth) and S3 GETs and PUTs (S3SigV4Auth)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials

from dify_extension.s3 import EMPTY_BODY_SHA256
from dify_extension.sigv4 import Credentials, sign

HEADERS = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue"}
BODY = json.dumps({"SecretId": "prod/dify-api-key", "VersionStage": "AWSCURRENT"}).encode()
KEYS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SESSION = Credentials("ASIAEXAMPLE", "c2VjcmV0L3dpdGgrc2xhc2hlcw==", "IQoJb3JpZ2luX2VjEJr//////////session+token=")


def _botocore_sign(
    url: str,
    headers: dict[str, str],
    body: bytes,
    region: str,
    service: str,
    credentials: Credentials,
    *,
    method: str = "POST",
    signer: type[SigV4Auth] = SigV4Auth,
) -> tuple[str, datetime, dict[str, str]]:
    """botocore's Authorization, the time it stamped, and all the headers it sent."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    botocore_credentials = BotocoreCredentials(
        credentials.access_key_id, credentials.secret_access_key, credentials.session_token
    )
    signer(botocore_credentials, service, region).add_auth(request)
    stamped = datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return request.headers["Authorization"], stamped, {name.lower(): value for name, value in request.headers.items()}


NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _signed(
    *,
    host: str = "h.example",
    body: bytes = BODY,
    region: str = "us-east-1",
    credentials: Credentials = KEYS,
    now: datetime = NOW,
) -> dict[str, str]:
    return sign(
        method="POST",
        host=host,
        path="/",
        headers=HEADERS,
        body=body,
        region=region,
        service="secretsmanager",
        credentials=credentials,
        now=now,
    )


@pytest.mark.parametrize(
    ("url", "host"),
    [
        pytest.param("https://secretsmanager.eu-west-1.amazonaws.com/", "secretsmanager.eu-west-1.amazonaws.com"),
        pytest.param("http://127.0.0.1:4566/", "127.0.0.1:4566", id="host-with-port"),
        pytest.param("https://vpce-1.secretsmanager.us-east-1.vpce.amazonaws.com:8443/", None, id="https-port"),
    ],
)
@pytest.mark.parametrize("credentials", [KEYS, SESSION], ids=["keys", "session-token"])
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "cn-north-1"])
def test_authorization_matches_botocore(url: str, host: str | None, credentials: Credentials, region: str) -> None:
    """Same credentials, region, host, headers and body, same time: the same Authorization header as botocore."""
    netloc = host or url.split("/")[2]
    expected, stamped, botocore_headers = _botocore_sign(url, HEADERS, BODY, region, "secretsmanager", credentials)
    signed = _signed(host=netloc, region=region, credentials=credentials, now=stamped)
    assert signed["authorization"] == expected
    assert signed["x-amz-date"] == botocore_headers["x-amz-date"]
    assert signed["host"] == netloc
    assert signed.get("x-amz-security-token") == botocore_headers.get("x-amz-security-token")


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        pytest.param({"Content-Type": "application/x-amz-json-1.1"}, b"", id="empty-body"),
        pytest.param({"Content-Type": "  application/json ", "X-Amz-Target": "a  b"}, b"{}", id="spaces-in-values"),
        pytest.param(
            {"content-type": "application/x-amz-json-1.1", "x-amz-target": "secretsmanager.ListSecrets"},
            '{"Filter": "é"}'.encode(),
            id="lowercase-names-utf8-body",
        ),
    ],
)
def test_header_and_body_variants_match_botocore(headers: dict[str, str], body: bytes) -> None:
    """Header names are lower-cased, runs of spaces in values collapsed, and the body hashed, as botocore does."""
    expected, stamped, _ = _botocore_sign("https://example.amazonaws.com/", headers, body, "us-west-2", "svc", KEYS)
    signed = sign(
        method="POST",
        host="example.amazonaws.com",
        path="/",
        headers=headers,
        body=body,
        region="us-west-2",
        service="svc",
        credentials=KEYS,
        now=stamped,
    )
    assert signed["authorization"] == expected


def test_signature_depends_on_every_input() -> None:
    """Changing the body, the time, the region, the host or the secret key changes the signature."""
    variants = {
        _signed(body=BODY + b" ")["authorization"],
        _signed(region="us-east-2")["authorization"],
        _signed(host="h.example:444")["authorization"],
        _signed(credentials=Credentials(KEYS.access_key_id, KEYS.secret_access_key + "x"))["authorization"],
        _signed(now=NOW.replace(second=6))["authorization"],
    }
    assert _signed()["authorization"] not in variants
    assert len(variants) == 5
    assert _signed()["authorization"] == _signed()["authorization"]


def test_signed_headers_are_returned_with_the_originals() -> None:
    """The result carries the given headers plus host, x-amz-date and the scope for that date and region."""
    signed = _signed(region="ap-south-1", credentials=SESSION, now=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC))
    assert signed["content-type"] == HEADERS["Content-Type"]
    assert signed["x-amz-target"] == HEADERS["X-Amz-Target"]
    assert signed["x-amz-date"] == "20260304T050607Z"
    assert signed["x-amz-security-token"] == SESSION.session_token
    assert signed["authorization"].startswith(
        f"AWS4-HMAC-SHA256 Credential={SESSION.access_key_id}/20260304/ap-south-1/secretsmanager/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature="
    )
    assert len(signed["authorization"].rpartition("Signature=")[2]) == len(hashlib.sha256().hexdigest())


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/policy.json", id="plain"),
        pytest.param("/dify/policies/prod%20v2/policy.json", id="space"),
        pytest.param("/a%2Bb/%E7%AD%96%E7%95%A5~x_y-z.json", id="plus-utf8-unreserved"),
        pytest.param("/a//b/./c/../d.json", id="dots-and-double-slashes-not-normalised"),
        pytest.param("/bucket.with.dots/key.json", id="path-style"),
    ],
)
@pytest.mark.parametrize("credentials", [KEYS, SESSION], ids=["keys", "session-token"])
@pytest.mark.parametrize("if_none_match", [None, '"9b2cf535f27731c974343645a3985328"'])
def test_s3_get_matches_botocore(path: str, credentials: Credentials, if_none_match: str | None) -> None:
    """A GET of an S3 object, its key already URI-encoded, signed as botocore's S3 signer signs it (the path as
    sent, never normalised or encoded twice; x-amz-content-sha256 of the empty body; If-None-Match signed)."""
    headers = {"x-amz-content-sha256": EMPTY_BODY_SHA256}
    if if_none_match:
        headers["If-None-Match"] = if_none_match
    host = "my-bucket.s3.eu-central-1.amazonaws.com"
    expected, stamped, botocore_headers = _botocore_sign(
        f"https://{host}{path}", headers, b"", "eu-central-1", "s3", credentials, method="GET", signer=S3SigV4Auth
    )
    signed = sign(
        method="GET",
        host=host,
        path=path,
        headers=headers,
        body=b"",
        region="eu-central-1",
        service="s3",
        credentials=credentials,
        now=stamped,
    )
    assert botocore_headers["x-amz-content-sha256"] == EMPTY_BODY_SHA256
    assert signed["authorization"] == expected


@pytest.mark.parametrize("credentials", [KEYS, SESSION], ids=["keys", "session-token"])
def test_s3_put_matches_botocore(credentials: Credentials) -> None:
    """A PUT of an S3 object with a body: its Content-Type and the body's SHA-256 (x-amz-content-sha256) signed as
    botocore's S3 signer signs them."""
    body = '{"rule_id": "pii/email", "excerpt": "é [EMAIL]"}\n'.encode()
    headers = {"Content-Type": "application/x-ndjson", "x-amz-content-sha256": hashlib.sha256(body).hexdigest()}
    host = "my-bucket.s3.eu-central-1.amazonaws.com"
    path = "/samples/2026/12/07/00/input/20261207T004512.123Z-0f1e.jsonl"
    expected, stamped, _ = _botocore_sign(
        f"https://{host}{path}", headers, body, "eu-central-1", "s3", credentials, method="PUT", signer=S3SigV4Auth
    )
    signed = sign(
        method="PUT",
        host=host,
        path=path,
        headers=headers,
        body=body,
        region="eu-central-1",
        service="s3",
        credentials=credentials,
        now=stamped,
    )
    assert signed["authorization"] == expected


def test_method_and_path_are_signed() -> None:
    """The same request with another method or another path has another signature."""

    def signature(method: str, path: str) -> str:
        return sign(
            method=method,
            host="b.s3.us-east-1.amazonaws.com",
            path=path,
            headers={},
            body=b"",
            region="us-east-1",
            service="s3",
            credentials=KEYS,
            now=NOW,
        )["authorization"]

    assert len({signature("GET", "/a"), signature("HEAD", "/a"), signature("GET", "/b"), signature("GET", "/a/")}) == 4
