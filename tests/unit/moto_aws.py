"""Helpers for tests against the session's moto server (tests/conftest.py moto_endpoint)."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import boto3

from dify_extension.sigv4 import Credentials

REGION = "us-east-1"
CREDENTIALS = Credentials("testing", "testing")


def boto(service: str, endpoint: str) -> Any:
    """A boto3 client on moto, to arrange what a test reads."""
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=CREDENTIALS.access_key_id,
        aws_secret_access_key=CREDENTIALS.secret_access_key,
    )


def unique(prefix: str) -> str:
    """A fresh name: moto's state is shared by the whole session."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _set_moto_auth(endpoint: str, unauthenticated_requests: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=unauthenticated_requests.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200


class Restricted(NamedTuple):
    credentials: Credentials
    parameter: str
    """A SecureString parameter the user may read, holding the value given to ssm_reader."""


@contextmanager
def ssm_reader(endpoint: str, value: str = "secret-config") -> Iterator[Restricted]:
    """Keys of an IAM user allowed ssm:GetParameter and nothing else, with moto enforcing IAM (and checking
    SigV4 signatures as AWS does) until the block ends."""
    iam = boto("iam", endpoint)
    user = unique("reader")
    iam.create_user(UserName=user)
    statement = {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    parameter = "/" + unique("dify/auth")
    boto("ssm", endpoint).put_parameter(Name=parameter, Value=value, Type="SecureString")
    _set_moto_auth(endpoint, "0")
    try:
        yield Restricted(Credentials(key["AccessKeyId"], key["SecretAccessKey"]), parameter)
    finally:
        _set_moto_auth(endpoint, "inf")
