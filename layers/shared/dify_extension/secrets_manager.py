"""Secrets Manager `GetSecretValue` over plain HTTPS, without botocore's cold start."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from dify_extension.aws_http import AwsError
from dify_extension.aws_json import AwsJsonClient, JsonService

NOT_FOUND = "ResourceNotFoundException"

SecretsManagerError = AwsError
"""The name callers know the client's errors by."""


class SecretsManagerClient(AwsJsonClient):
    service = JsonService("secretsmanager", "secretsmanager", "AWS_ENDPOINT_URL_SECRETS_MANAGER")

    def get_secret_string(self, secret_id: str, version_stage: str) -> str:
        """The SecretString of the version carrying `version_stage`; raises SecretsManagerError otherwise."""
        document = self.call("GetSecretValue", {"SecretId": secret_id, "VersionStage": version_stage})
        secret = document.get("SecretString")
        if not isinstance(secret, str):
            raise SecretsManagerError("NoSecretString", "the secret version has no SecretString")
        return secret


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
