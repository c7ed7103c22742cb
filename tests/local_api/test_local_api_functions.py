"""local_api.functions: handlers imported and invoked in-process, each under its own environment."""

from __future__ import annotations

import os
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from local_api import functions
from local_api.events import http_api_event
from local_api.template import FunctionSpec

HANDLER_SOURCE = """
import os

from helper_{tag} import LAYER

SEEN_AT_IMPORT = os.environ.get("DEMO_SETTING")


def lambda_handler(event, context):
    return {{
        "import": SEEN_AT_IMPORT,
        "invoke": os.environ.get("DEMO_SETTING"),
        "profile": os.environ.get("AWS_PROFILE"),
        "layer": LAYER,
        "path": event["rawPath"],
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "remaining": context.get_remaining_time_in_millis(),
    }}
"""


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FunctionSpec:
    """A function in a fresh package (unique names: imports are cached per process) using a layer module."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    tag = uuid.uuid4().hex[:8]
    package = tmp_path / "code" / f"demo_{tag}"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text(HANDLER_SOURCE.format(tag=tag))
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / f"helper_{tag}.py").write_text("LAYER = 'from the layer'\n")
    return FunctionSpec(
        logical_id="DemoFunction",
        code_uri=tmp_path / "code",
        handler=f"demo_{tag}.handler.lambda_handler",
        layer_dirs=(layer,),
        environment={},
        timeout_seconds=5,
        memory_mb=256,
        routes=(),
    )


def test_handler_runs_with_its_environment_and_context(spec: FunctionSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    function = functions.load(spec, {"DEMO_SETTING": "on", "AWS_REGION": "eu-west-1"})
    assert sys.path.index(str(spec.code_uri)) < sys.path.index(str(spec.layer_dirs[0]))
    before = dict(os.environ)
    result = function.invoke(http_api_event("POST", "/demo"))
    assert dict(os.environ) == before
    assert result["import"] == result["invoke"] == "on"
    assert result["profile"] is None  # the user's AWS_* never reach a function
    assert result["layer"] == "from the layer"
    assert result["path"] == "/demo"
    assert result["function_name"] == "DemoFunction"
    assert result["memory"] == 256
    assert 4_000 < result["remaining"] <= 5_000


def test_import_failure_names_the_function(spec: FunctionSpec) -> None:
    broken = replace(spec, handler="missing_module_xyz.handler.lambda_handler")
    with pytest.raises(functions.HandlerImportError, match=r"DemoFunction: cannot import missing_module_xyz\.handler"):
        functions.load(broken, {})


def test_missing_handler_function_is_refused(spec: FunctionSpec) -> None:
    module = spec.handler.rpartition(".")[0]
    wrong = replace(spec, handler=f"{module}.no_such_handler")
    with pytest.raises(functions.HandlerImportError, match="is not a function"):
        functions.load(wrong, {})
