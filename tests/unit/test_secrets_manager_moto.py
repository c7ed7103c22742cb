"""The client against moto's Secrets Manager (real AWS response shapes), through a whole key rotation."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest

from dify_extension.secrets_manager import SecretsManagerClient, SecretsManagerError, load_api_keys
from dify_extension.sigv4 import Credentials

REGION = "us-east-1"
CREDENTIALS = Credentials("testing", "testing")


@pytest.fixture
def boto(moto_endpoint: str) -> Any:
    return boto3.client(
        "secretsmanager",
        region_name=REGION,
        endpoint_url=moto_endpoint,
        aws_access_key_id=CREDENTIALS.access_key_id,
        aws_secret_access_key=CREDENTIALS.secret_access_key,
    )


@pytest.fixture
def client(moto_endpoint: str) -> SecretsManagerClient:
    return SecretsManagerClient(region=REGION, endpoint_url=moto_endpoint, credentials=CREDENTIALS)


@pytest.fixture
def name() -> str:
    """A fresh secret name per test: moto's state lives as long as the module's server."""
    return f"dify/key-{uuid.uuid4().hex[:8]}"


def test_rotation_accepts_current_then_both_then_the_new_one(
    boto: Any, client: SecretsManagerClient, name: str
) -> None:
    """Before, during and after a rotation, load_api_keys returns exactly the keys that should work."""
    boto.create_secret(Name=name, SecretString="old-key")
    assert load_api_keys(client, name) == ("old-key",)

    pending = boto.put_secret_value(SecretId=name, SecretString="new-key", VersionStages=["AWSPENDING"])
    assert load_api_keys(client, name) == ("old-key", "new-key")

    current = boto.describe_secret(SecretId=name)["VersionIdsToStages"]
    current_id = next(version for version, stages in current.items() if "AWSCURRENT" in stages)
    boto.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=pending["VersionId"], RemoveFromVersionId=current_id
    )
    boto.update_secret_version_stage(SecretId=name, VersionStage="AWSPENDING", RemoveFromVersionId=pending["VersionId"])
    assert load_api_keys(client, name) == ("new-key",)


def test_missing_secret_is_resource_not_found(client: SecretsManagerClient, name: str) -> None:
    """A secret that does not exist gives moto's ResourceNotFoundException code."""
    with pytest.raises(SecretsManagerError) as caught:
        client.get_secret_string(name, "AWSCURRENT")
    assert caught.value.code == "ResourceNotFoundException"


def test_binary_secret_is_refused(boto: Any, client: SecretsManagerClient, name: str) -> None:
    """A secret stored as SecretBinary is NoSecretString."""
    boto.create_secret(Name=name, SecretBinary=b"\x00\x01binary")
    with pytest.raises(SecretsManagerError) as caught:
        client.get_secret_string(name, "AWSCURRENT")
    assert caught.value.code == "NoSecretString"


def test_secret_string_is_returned_verbatim(boto: Any, client: SecretsManagerClient, name: str) -> None:
    """Unicode and surrounding whitespace survive the round trip (the cache strips, not the client)."""
    boto.create_secret(Name=name, SecretString="  clé-ü\n")
    assert client.get_secret_string(name, "AWSCURRENT") == "  clé-ü\n"
