"""local_api.secrets_store: moto on loopback holds the key where the functions look for it."""

from __future__ import annotations

from urllib.parse import urlsplit

import boto3

from local_api.environment import applied, lambda_runtime
from local_api.secrets_store import SECRET_NAME, create_secret, local_secrets_manager


def test_secret_is_readable_through_the_functions_runtime_environment() -> None:
    with local_secrets_manager() as endpoint:
        url = urlsplit(endpoint)
        assert url.scheme == "http"
        assert url.hostname == "127.0.0.1"
        assert url.port
        runtime = lambda_runtime(region="eu-west-1", aws_endpoint=endpoint, log_level="WARNING")
        assert create_secret(runtime, "a-local-key") == SECRET_NAME
        with applied(runtime):
            value = boto3.client("secretsmanager").get_secret_value(SecretId=SECRET_NAME)
        assert value["SecretString"] == "a-local-key"
