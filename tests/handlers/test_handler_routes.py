"""template.yaml's routes and the layer's routes.py agree: each function serves, at the path the template gives it,
exactly the points routes.py says belong there (plus ping)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from dify_extension.protocol import Point
from dify_extension.routes import SERVED_AT
from local_api.events import LambdaContext, dify_event
from tests.handlers.conftest import FUNCTIONS, load_handler

KEY = "routes-test-key-0123456789"


@pytest.mark.parametrize("package", sorted(FUNCTIONS))
def test_each_function_serves_its_points_at_its_template_path(
    package: str, secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets.create_secret(Name=secret_name, SecretString=KEY)
    handler = load_handler(package, monkeypatch, API_KEY_SECRET_ID=secret_name)
    (route,) = FUNCTIONS[package].routes
    endpoint = sys.modules[f"{package}.handler"].endpoint

    assert (route.method, route.path) == ("POST", endpoint.path)
    for point in Point:
        response = handler(dify_event(route.path, {"point": point.value, "params": {}}, KEY), LambdaContext("test"))
        belongs_here = point is Point.PING or SERVED_AT[point] == route.path
        # A point served here fails only on its (empty) params; one served elsewhere is sent there.
        assert ("is served at" in response["body"]) is not belongs_here, (point, response["body"])
