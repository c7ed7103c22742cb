"""The sample events in events/ (for `sam local invoke -e ...`) are what the handlers accept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local_api.events import LambdaContext
from tests.handlers.conftest import FUNCTIONS, ROOT, load_handler

EVENTS = sorted(path for path in (ROOT / "events").glob("*.json") if path.name != "sam-local-env.json")
PLACEHOLDER_KEY = "replace-with-your-api-key"


@pytest.mark.parametrize("path", EVENTS, ids=[path.name for path in EVENTS])
def test_sample_event_is_answered(path: Path, secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    event = json.loads(path.read_text())
    assert event["headers"]["authorization"] == f"Bearer {PLACEHOLDER_KEY}"
    secrets.create_secret(Name=secret_name, SecretString=PLACEHOLDER_KEY)
    (package,) = [name for name, spec in FUNCTIONS.items() if any(r.key == event["routeKey"] for r in spec.routes)]

    response = load_handler(package, monkeypatch, API_KEY_SECRET_ID=secret_name)(event, LambdaContext("test"))

    assert response["statusCode"] == 200, response["body"]
    if path.name == "moderation-input.json":
        assert json.loads(response["body"])["flagged"] is True


def test_the_sam_local_env_file_names_only_template_variables() -> None:
    overrides = json.loads((ROOT / "events" / "sam-local-env.json").read_text())["Parameters"]
    declared = {name for spec in FUNCTIONS.values() for name in spec.environment}
    assert set(overrides) <= declared
    assert "API_KEY_SECRET_ID" in overrides
