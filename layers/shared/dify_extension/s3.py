"""S3 `GetObject`, conditional on the ETag, and `PutObject`, over plain HTTPS (REST + XML errors), without botocore's
cold start."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import NamedTuple, Self
from urllib.parse import quote

from dify_extension.aws_http import (
    DEFAULT_TIMEOUT_SECONDS,
    Signer,
    Target,
    dns_suffix,
    endpoint_override,
    parse_target,
    region_and_credentials,
    xml_error,
)
from dify_extension.sigv4 import Credentials

EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


class S3Object(NamedTuple):
    body: bytes
    etag: str


class S3Client:
    def __init__(
        self,
        *,
        region: str,
        credentials: Credentials,
        endpoint_url: str | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        """Without `endpoint_url`, AWS's virtual-hosted https://<bucket>.s3.<region>.amazonaws.com; with one (moto,
        a gateway), path-style <endpoint_url>/<bucket>/<key>."""
        self._region = region
        self._endpoint = parse_target(endpoint_url) if endpoint_url else None
        self._signer = Signer("s3", region, credentials, timeout_seconds)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Self:
        region, credentials = region_and_credentials(environ)
        return cls(
            region=region,
            credentials=credentials,
            endpoint_url=endpoint_override("AWS_ENDPOINT_URL_S3", environ),
        )

    def locate(self, bucket: str, key: str) -> tuple[Target, str]:
        """Host and URI-encoded path of an object (S3's encoding: every byte but unreserved characters and "/")."""
        path = "/" + quote(key, safe="/")
        if self._endpoint is not None:
            return self._endpoint, f"/{quote(bucket, safe='')}{path}"
        host = f"s3.{self._region}.{dns_suffix(self._region)}"
        if "." in bucket:
            # A dotted bucket name breaks TLS name checks under *.s3.<region>...: path-style, as botocore does.
            return (True, host), f"/{bucket}{path}"
        return (True, f"{bucket}.{host}"), path

    def get_object(self, bucket: str, key: str, *, if_none_match: str | None = None) -> S3Object | None:
        """The object's bytes and ETag; None when its ETag still equals `if_none_match` (304 Not Modified)."""
        target, path = self.locate(bucket, key)
        headers = {"x-amz-content-sha256": EMPTY_BODY_SHA256}
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        status, response_headers, body = self._signer.send(target, "GET", path, headers, b"")
        if status == 304 and if_none_match:
            return None
        if status != 200:
            raise xml_error(status, body)
        return S3Object(body, response_headers.get("ETag", ""))

    def put_object(self, bucket: str, key: str, body: bytes, *, content_type: str = "application/octet-stream") -> None:
        """Writes the object in one PUT; the bucket's default encryption applies. AwsError when S3 refuses it."""
        target, path = self.locate(bucket, key)
        headers = {"Content-Type": content_type, "x-amz-content-sha256": hashlib.sha256(body).hexdigest()}
        status, _, response = self._signer.send(target, "PUT", path, headers, body)
        if status != 200:
            raise xml_error(status, response)
