"""Authoring tools' tests: files written as the docs show them, valid and broken."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]
BUNDLED_POLICY = ROOT / "functions/moderation/moderation/policy.json"
EXAMPLE_POLICY = ROOT / "functions/moderation/examples/moderation-policy.json"
BUNDLED_TOOLS = ROOT / "functions/external_data_tool/external_data_tool/tools.json"
EXAMPLE_TOOLS = ROOT / "functions/external_data_tool/examples/external-data-tools.json"
CONFIG_FILES = (BUNDLED_POLICY, EXAMPLE_POLICY, BUNDLED_TOOLS, EXAMPLE_TOOLS)

WriteJson = Callable[[Any], Path]


def run_make(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`make -s ARGUMENTS` in the repository, as a user types it."""
    return subprocess.run(
        [shutil.which("make") or "make", "--no-print-directory", "-s", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def write_json(tmp_path: Path) -> WriteJson:
    """Writes a document (or raw text) to a new file in tmp_path and returns its path."""
    count = iter(range(1000))

    def write(document: Any) -> Path:
        path = tmp_path / f"config-{next(count)}.json"
        text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's AWS in eu-west-1, with test credentials (never the user's profile)."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        yield


@pytest.fixture
def no_aws_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A shell with no AWS region and no credentials anywhere boto3 looks (env, files, instance metadata)."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ENDPOINT_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


# The handler tests' AWS fixtures (moto's Secrets Manager holding the key), for tests that compare with a handler.
from tests.handlers.conftest import (  # noqa: E402, F401
    fresh_function_modules,
    fresh_powertools_loggers,
    runtime,
    secret_name,
    secrets,
)
