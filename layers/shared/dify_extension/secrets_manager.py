"""Secrets Manager `GetSecretValue` over plain HTTPS: the functions' only AWS call, without botocore's cold start."""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dify_extension.sigv4 import Credentials, sign_post

if TYPE_CHECKING:
    import ssl

SERVICE = "secretsmanager"
NOT_FOUND = "ResourceNotFoundException"


class SecretsManagerError(Exception):
    """A failed call, with the AWS error code (e.g. AccessDeniedException) or a local one (NetworkError...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@cache
def _tls_context() -> ssl.SSLContext:
    import ssl  # noqa: PLC0415 - only https endpoints need it, and it is slow to import

    return ssl.create_default_context()


def _endpoint_url(region: str, environ: Mapping[str, str]) -> str:
    # The same variables boto3 honours, so moto (tests, `make run`) and VPC endpoints work without code.
    explicit = environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") or environ.get("AWS_ENDPOINT_URL")
    if explicit:
        return explicit
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{SERVICE}.{region}.{suffix}"


class SecretsManagerClient:
    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str,
        credentials: Credentials,
        timeout_seconds: float = 3.0,
    ) -> None:
        url = urlsplit(endpoint_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) endpoint URL: {endpoint_url!r}")
        self._region = region
        self._https = url.scheme == "https"
        self._netloc = url.netloc
        self._credentials = credentials
        self._timeout = timeout_seconds

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> SecretsManagerClient:
        """Region, endpoint and credentials as Lambda provides them (AWS_REGION, AWS_ACCESS_KEY_ID, ...)."""
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        access_key_id = environ.get("AWS_ACCESS_KEY_ID")
        secret_access_key = environ.get("AWS_SECRET_ACCESS_KEY")
        if not region:
            raise SecretsManagerError("ConfigurationError", "AWS_REGION is not set")
        if not access_key_id or not secret_access_key:
            raise SecretsManagerError("ConfigurationError", "no AWS credentials in the environment")
        credentials = Credentials(access_key_id, secret_access_key, environ.get("AWS_SESSION_TOKEN") or None)
        return cls(region=region, endpoint_url=_endpoint_url(region, environ), credentials=credentials)

    def get_secret_string(self, secret_id: str, version_stage: str) -> str:
        """The SecretString of the version carrying `version_stage`; raises SecretsManagerError otherwise."""
        body = json.dumps({"SecretId": secret_id, "VersionStage": version_stage}).encode()
        headers = sign_post(
            host=self._netloc,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "secretsmanager.GetSecretValue",
            },
            body=body,
            region=self._region,
            service=SERVICE,
            credentials=self._credentials,
            now=datetime.now(UTC),
        )
        status, error_type, payload = self._post(body, headers)
        try:
            document = json.loads(payload)
        except ValueError:
            document = None
        if status != 200:
            # JSON errors carry __type; anything else (a proxy, an XML 403) is reported by header or status.
            details = document if isinstance(document, dict) else {}
            code = error_type or str(details.get("__type") or f"HTTP{status}")
            message = details.get("message") or details.get("Message") or payload[:200].decode(errors="replace")
            raise SecretsManagerError(code.rpartition("#")[2].partition(":")[0], str(message))
        secret = document.get("SecretString") if isinstance(document, dict) else None
        if not isinstance(secret, str):
            raise SecretsManagerError("NoSecretString", "the secret version has no SecretString")
        return secret

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str, bytes]:
        """Status, x-amzn-ErrorType header (or ""), body."""
        connection: http.client.HTTPConnection
        if self._https:
            connection = http.client.HTTPSConnection(self._netloc, timeout=self._timeout, context=_tls_context())
        else:
            connection = http.client.HTTPConnection(self._netloc, timeout=self._timeout)
        try:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("x-amzn-ErrorType", ""), response.read()
        except (OSError, http.client.HTTPException) as error:
            raise SecretsManagerError("NetworkError", type(error).__name__) from error
        finally:
            connection.close()


def load_api_keys(client: SecretsManagerClient, secret_id: str) -> tuple[str, ...]:
    """The key of the AWSCURRENT version, then that of the AWSPENDING version when one exists."""
    current = client.get_secret_string(secret_id, "AWSCURRENT")
    try:
        pending = client.get_secret_string(secret_id, "AWSPENDING")
    except SecretsManagerError as error:
        if error.code != NOT_FOUND:
            raise
        return (current,)
    return (current, pending)


def api_key_loader(secret_id: str, environ: Mapping[str, str] = os.environ) -> Callable[[], tuple[str, ...]]:
    """A loader for ApiKeyCache; configuration errors surface on each load, as a refused request, not a crash."""

    def load() -> tuple[str, ...]:
        if not secret_id:
            raise SecretsManagerError("ConfigurationError", "API_KEY_SECRET_ID is not set")
        return load_api_keys(SecretsManagerClient.from_environment(environ), secret_id)

    return load
