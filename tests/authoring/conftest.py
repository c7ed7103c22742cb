"""Authoring tools' tests: files written as the docs show them, valid and broken."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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


# The handler tests' AWS fixtures (moto's Secrets Manager holding the key), for tests that compare with a handler.
from tests.handlers.conftest import fresh_powertools_loggers, runtime, secret_name, secrets  # noqa: E402, F401
