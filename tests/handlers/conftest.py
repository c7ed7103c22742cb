"""Handler tests: the real Lambda handlers, imported as Lambda imports them, with Secrets Manager served by moto."""

from __future__ import annotations

import importlib
import json
import logging
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from local_api.environment import LOCAL_METRICS_NAMESPACE, function_environment, lambda_runtime
from local_api.events import LambdaContext, dify_event
from local_api.template import FunctionSpec, read_functions
from tests.tools.fake_upstream import FakeUpstream, fake_upstream, serve_open_meteo

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = {spec.handler.split(".")[0]: spec for spec in read_functions(ROOT / "template.yaml")}
"""The template's functions by package: "moderation", "external_data_tool"."""

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@pytest.fixture(autouse=True)
def fresh_powertools_loggers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Powertools reuses the logging.Logger of an earlier Logger with the same service name, with its handler bound
    to an earlier test's stdout; each test is a new sandbox, which starts without one. The loggers below one (a
    module's Logger(child=True), made once) still point at it and its stale stream: in this test they log to the
    root logger instead."""
    loggers = logging.Logger.manager.loggerDict
    earlier = {name: logger for name, logger in loggers.items() if getattr(logger, "powertools_handler", None)}
    for name in earlier:
        monkeypatch.delitem(loggers, name)
    for logger in list(loggers.values()):
        if isinstance(logger, logging.Logger) and any(logger.parent is parent for parent in earlier.values()):
            monkeypatch.setattr(logger, "parent", logging.root)


def _function_modules() -> dict[str, ModuleType]:
    return {name: module for name, module in sys.modules.items() if name.partition(".")[0] in FUNCTIONS}


@pytest.fixture(autouse=True)
def fresh_function_modules() -> Iterator[None]:
    """load_handler imports a function's package afresh, and the package imports more on first use (a tool's kind):
    those modules belong to the test's sandbox, bound to its environment and to its loggers' (closed) streams. After
    the test the modules from before are back and the sandbox's are gone, whichever test runs next."""
    before = _function_modules()
    yield
    for name in _function_modules().keys() - before.keys():
        del sys.modules[name]
    sys.modules.update(before)


@pytest.fixture
def runtime(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The AWS variables Lambda provides (fake credentials, moto's endpoint), applied to os.environ."""
    values = lambda_runtime(region="us-east-1", aws_endpoint=moto_endpoint, log_level="INFO")
    values.pop("POWERTOOLS_METRICS_DISABLED")  # as deployed: metrics on
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def secrets(runtime: Mapping[str, str]) -> Any:
    """A boto3 Secrets Manager client on moto."""
    return boto3.client("secretsmanager", endpoint_url=runtime["AWS_ENDPOINT_URL_SECRETS_MANAGER"])


@pytest.fixture
def secret_name() -> str:
    """A fresh name per test: moto's state is shared by the whole session."""
    return f"test/dify-api-key-{uuid.uuid4().hex[:8]}"


def load_handler(package: str, monkeypatch: pytest.MonkeyPatch, **overrides: str) -> Handler:
    """Import `package`'s handler module afresh (a new Lambda sandbox), with the environment template.yaml gives the
    function plus `overrides` (by default the local API's metrics namespace, as no stack names one)."""
    spec: FunctionSpec = FUNCTIONS[package]
    local = {"POWERTOOLS_METRICS_NAMESPACE": LOCAL_METRICS_NAMESPACE, **overrides}
    for name, value in function_environment(spec, local=local, shell={}).items():
        monkeypatch.setenv(name, value)
    for module in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
        monkeypatch.delitem(sys.modules, module)
    module_name, _, attribute = spec.handler.rpartition(".")
    handler: Handler = getattr(importlib.import_module(module_name), attribute)
    return handler


def call(handler: Handler, path: str, payload: Mapping[str, Any], key: str) -> tuple[int, dict[str, Any]]:
    """One call as Dify makes it; returns the status and the parsed JSON body."""
    response = handler(dify_event(path, payload, key), LambdaContext("test"))
    return response["statusCode"], json.loads(response["body"])


PING = {"point": "ping", "params": {}}


@pytest.fixture
def weather_upstream() -> Iterator[FakeUpstream]:
    """A fake Open-Meteo on loopback, for the weather_retrieve sample (point a tools file at its url)."""
    with fake_upstream() as upstream:
        serve_open_meteo(upstream)
        yield upstream
