"""A Secrets Manager on loopback (moto), holding the API key the functions read as they do in AWS."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import boto3
from moto.server import ThreadedMotoServer

from local_api import environment

SECRET_NAME = "local/dify-extension-api-key"  # noqa: S105 - a name, not a secret


@contextmanager
def local_secrets_manager() -> Iterator[str]:
    """Runs moto on 127.0.0.1 at a free port while the block runs; yields its endpoint URL."""
    # werkzeug would log every GetSecretValue call on the console.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def create_secret(runtime: Mapping[str, str], api_key: str) -> str:
    """Stores `api_key` as SecretString under SECRET_NAME, with the functions' runtime environment (region, fake
    credentials, local endpoint); returns the name."""
    with environment.applied(runtime):
        client = boto3.client("secretsmanager")
        client.create_secret(Name=SECRET_NAME, SecretString=api_key)
    return SECRET_NAME
