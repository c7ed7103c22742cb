"""Signed requests to AWS over http.client: region, credentials and endpoints read as Lambda and boto3 provide them.

No botocore: importing it costs ~0.4 s of cold start (docs/speed.md, "Cold start"). Service clients (aws_json.py, s3.py)
add their protocol on top: how to name the operation, how errors look. Plain classes and tuples, no NamedTuples: this
module is imported before the key prefetch starts, where every tenth of a millisecond counts.
"""

from __future__ import annotations

import http.client
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

from dify_extension.deadline import time_left
from dify_extension.sigv4 import Credentials, sign
from dify_extension.timed_http import ResponseTooLarge, connection, read_body

DEFAULT_TIMEOUT_SECONDS = 3.0
"""The longest a call may take in all, from connecting to the last byte of the answer (less when the deadline in
force, a request's or a Flight's, comes first)."""
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
"""The longest answer read: a config object in S3 may be this big."""

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
        """One signed request, answered within `timeout_seconds` (or the deadline in force) in all; transport
        failures and timeouts are AwsError NetworkError, an answer over MAX_RESPONSE_BYTES is ResponseTooLarge, AWS's
        own errors are left to the caller (each protocol reports them differently)."""
        https, netloc = target
        deadline = time.monotonic() + time_left(self.timeout_seconds)
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
        opened: http.client.HTTPConnection | None = None
        try:
            opened = connection(https, netloc, deadline)
            opened.request(method, path, body=body or None, headers=signed)
            response = opened.getresponse()
            return response.status, response.headers, read_body(response, MAX_RESPONSE_BYTES)
        except ResponseTooLarge:
            raise AwsError("ResponseTooLarge", f"the answer is over {MAX_RESPONSE_BYTES} bytes") from None
        except (OSError, http.client.HTTPException) as error:
            raise AwsError("NetworkError", type(error).__name__) from error
        finally:
            if opened is not None:
                opened.close()
