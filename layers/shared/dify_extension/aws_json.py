"""AWS's JSON 1.1 protocol (Secrets Manager, SSM, ...): `POST /` with an X-Amz-Target naming the operation."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from dify_extension.aws_http import (
    DEFAULT_TIMEOUT_SECONDS,
    AwsError,
    Signer,
    dns_suffix,
    endpoint_override,
    parse_target,
    region_and_credentials,
    xml_error,
)
from dify_extension.sigv4 import Credentials


class JsonService:
    __slots__ = ("endpoint_variable", "name", "target_prefix")

    def __init__(self, name: str, target_prefix: str, endpoint_variable: str) -> None:
        self.name = name
        """Signing name and endpoint host prefix, e.g. "ssm"."""
        self.target_prefix = target_prefix
        """X-Amz-Target is f"{target_prefix}.{operation}", e.g. "AmazonSSM.GetParameter"."""
        self.endpoint_variable = endpoint_variable
        """boto3's service-specific endpoint variable, e.g. AWS_ENDPOINT_URL_SSM."""


class AwsJsonClient:
    """One JSON-protocol service; subclasses set `service` and add typed operations on top of `call`."""

    service: ClassVar[JsonService]

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str,
        credentials: Credentials,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.target = parse_target(endpoint_url)
        self._signer = Signer(self.service.name, region, credentials, timeout_seconds)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Self:
        """Region, credentials and endpoint as Lambda provides them; AwsError ConfigurationError when missing."""
        region, credentials = region_and_credentials(environ)
        endpoint = endpoint_override(cls.service.endpoint_variable, environ)
        return cls(
            region=region,
            endpoint_url=endpoint or f"https://{cls.service.name}.{region}.{dns_suffix(region)}",
            credentials=credentials,
        )

    def call(self, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The operation's JSON answer; AwsError with AWS's code (namespace dropped) or HTTP<status> otherwise."""
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"{self.service.target_prefix}.{operation}",
        }
        request = json.dumps(payload).encode()
        status, response_headers, body = self._signer.send(self.target, "POST", "/", headers, request)
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply, as no AWS answer is
            document = None
        if status != 200:
            error_type = response_headers.get("x-amzn-ErrorType", "")
            if not error_type and body.lstrip().startswith(b"<"):
                raise xml_error(status, body)  # e.g. an IAM denial or a proxy's page
            details = document if isinstance(document, dict) else {}
            code = error_type or str(details.get("__type") or f"HTTP{status}")
            message = details.get("message") or details.get("Message") or body[:200].decode(errors="replace")
            raise AwsError(code.rpartition("#")[2].partition(":")[0], str(message))
        if not isinstance(document, dict):
            raise AwsError("InvalidResponse", f"{operation} answered 200 without a JSON object")
        return document
