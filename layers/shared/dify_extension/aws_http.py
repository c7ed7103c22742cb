"""Signed requests to AWS over http.client: region, credentials and endpoints read as Lambda and boto3 provide them.

No botocore: importing it costs ~0.4 s of cold start (see README, "Cold start"). Service clients (aws_json.py, s3.py)
add their protocol on top: how to name the operation, how errors look. Plain classes and tuples, no NamedTuples: this
module is imported before the key prefetch starts, where every tenth of a millisecond counts.
"""

from __future__ import annotations

import http.client
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dify_extension.sigv4 import Credentials, sign

if TYPE_CHECKING:
    import ssl

DEFAULT_TIMEOUT_SECONDS = 3.0

Target = tuple[bool, str]
"""Where a request goes: (https, or plain http for a local emulator; the Host header's host[:port])."""

Response = tuple[int, http.client.HTTPMessage, bytes]
"""Status, headers, body."""


class AwsError(Exception):
    """A failed call, with the AWS error code (e.g. AccessDeniedException) or a local one (NetworkError...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def parse_target(url: str) -> Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) endpoint URL: {url!r}")
    return parts.scheme == "https", parts.netloc


def _xml_text(body: bytes, tag: bytes) -> str | None:
    start = body.find(b"<" + tag + b">")
    end = body.find(b"</" + tag + b">", start)
    if start < 0 or end < 0:
        return None
    return body[start + len(tag) + 2 : end][:200].decode(errors="replace")


def xml_error(status: int, body: bytes) -> AwsError:
    """An error answer in AWS's XML (S3; also IAM's denials in front of other services): its Code and Message,
    else HTTP<status> and the start of the body."""
    return AwsError(
        _xml_text(body, b"Code") or f"HTTP{status}",
        _xml_text(body, b"Message") or body[:200].decode(errors="replace"),
    )


@cache
def _tls_context() -> ssl.SSLContext:
    import ssl  # noqa: PLC0415 - only https endpoints need it, and it is slow to import

    return ssl.create_default_context()


def dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def endpoint_override(variable: str, environ: Mapping[str, str]) -> str | None:
    """The service's own variable (e.g. AWS_ENDPOINT_URL_SSM), else AWS_ENDPOINT_URL: what boto3 honours, so moto
    (tests, `make run`) and VPC endpoints work without code."""
    return environ.get(variable) or environ.get("AWS_ENDPOINT_URL") or None


def region_and_credentials(environ: Mapping[str, str] = os.environ) -> tuple[str, Credentials]:
    """As Lambda provides them (AWS_REGION, AWS_ACCESS_KEY_ID, ...); AwsError ConfigurationError when missing."""
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    access_key_id = environ.get("AWS_ACCESS_KEY_ID")
    secret_access_key = environ.get("AWS_SECRET_ACCESS_KEY")
    if not region:
        raise AwsError("ConfigurationError", "AWS_REGION is not set")
    if not access_key_id or not secret_access_key:
        raise AwsError("ConfigurationError", "no AWS credentials in the environment")
    return region, Credentials(access_key_id, secret_access_key, environ.get("AWS_SESSION_TOKEN") or None)


class Signer:
    """Signs and sends every request of one client."""

    __slots__ = ("credentials", "region", "service", "timeout_seconds")

    def __init__(self, service: str, region: str, credentials: Credentials, timeout_seconds: float) -> None:
        self.service = service
        self.region = region
        self.credentials = credentials
        self.timeout_seconds = timeout_seconds

    def send(self, target: Target, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Response:
        """One signed request; transport failures are AwsError NetworkError, AWS's own errors are left to the
        caller (each protocol reports them differently)."""
        https, netloc = target
        signed = sign(
            method=method,
            host=netloc,
            path=path,
            headers=headers,
            body=body,
            region=self.region,
            service=self.service,
            credentials=self.credentials,
            now=datetime.now(UTC),
        )
        connection: http.client.HTTPConnection
        if https:
            connection = http.client.HTTPSConnection(netloc, timeout=self.timeout_seconds, context=_tls_context())
        else:
            connection = http.client.HTTPConnection(netloc, timeout=self.timeout_seconds)
        try:
            connection.request(method, path, body=body or None, headers=signed)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        except (OSError, http.client.HTTPException) as error:
            raise AwsError("NetworkError", type(error).__name__) from error
        finally:
            connection.close()
