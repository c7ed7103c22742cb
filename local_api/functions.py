"""The functions' handlers, imported and invoked in this process with their own environment."""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from local_api import environment
from local_api.events import LambdaContext
from local_api.template import FunctionSpec

Handler = Callable[[dict[str, Any], LambdaContext], Any]

# os.environ is process-wide, so imports and invocations take turns, like one Lambda container per function.
_LOCK = threading.Lock()


class HandlerImportError(Exception):
    """A function's Handler cannot be imported or is not callable; the cause is chained."""

    def __init__(self, function: str, message: str) -> None:
        super().__init__(f"{function}: {message}")
        self.function = function


@dataclass(frozen=True)
class LocalFunction:
    """One imported function; `invoke` is what API Gateway's Lambda integration does for a request."""

    spec: FunctionSpec
    environment: Mapping[str, str]
    handler: Handler

    def invoke(self, event: dict[str, Any]) -> Any:
        """Calls the handler with `event` and a fresh context, under the function's environment."""
        with _LOCK, environment.applied(self.environment):
            context = LambdaContext(
                self.spec.logical_id,
                timeout_seconds=self.spec.timeout_seconds,
                memory_limit_in_mb=self.spec.memory_mb,
                region=self.environment.get("AWS_REGION", "us-east-1"),
            )
            return self.handler(event, context)


def load(spec: FunctionSpec, function_environment: Mapping[str, str]) -> LocalFunction:
    """Imports spec.handler ("package.module.function") with the code and layer directories on sys.path, the
    code first as in Lambda (/var/task before /opt/python)."""
    for directory in reversed((spec.code_uri, *spec.layer_dirs)):
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    module_name, _, attribute = spec.handler.rpartition(".")
    try:
        with _LOCK, environment.applied(function_environment):
            module = importlib.import_module(module_name)
    except Exception as error:
        raise HandlerImportError(spec.logical_id, f"cannot import {module_name} ({spec.handler})") from error
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise HandlerImportError(spec.logical_id, f"{spec.handler} is not a function")
    return LocalFunction(spec, dict(function_environment), handler)
