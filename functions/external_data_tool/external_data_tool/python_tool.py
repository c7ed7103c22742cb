"""The `python` kind: a function you write, `module:function`, in this package's `custom` folder.

    from external_data_tool.python_tool import ToolRequest

    def tool(request: ToolRequest) -> str | dict | list: ...

It gets the request (app_id, tool_variable, inputs, query) and the tool's `settings` from config; what it returns is
{{result}} in the tool's template (default "{{result}}": a string is the answer as is). An exception is an upstream
failure (502, or the fallback), whatever it raises (SystemExit too). The module is imported, and the function
checked, when the config loads.

The query and every input are limited to `max_input_chars` (as text) before the call. The call is cut after
`budget_seconds` (504, or the fallback); Python cannot stop a thread, so a late function runs on in the background
and its answer is dropped.
"""

import importlib
import inspect
import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Literal, Self

from pydantic import Field, PrivateAttr, field_validator, model_validator

from dify_extension.deadline import time_left
from dify_extension.protocol import ExternalDataToolParams
from external_data_tool.base import FetchingTool, Scope, ToolFailure, config_error, within

PACKAGE = "external_data_tool.custom."


class ToolRequest:
    """What a python tool is called with."""

    __slots__ = ("app_id", "inputs", "query", "settings", "tool_variable")

    def __init__(
        self, *, app_id: str, tool_variable: str, inputs: Mapping[str, Any], query: str, settings: Mapping[str, Any]
    ) -> None:
        self.app_id = app_id
        self.tool_variable = tool_variable
        self.inputs = inputs
        """The app's inputs as Dify sent them (values are usually text; may be missing)."""
        self.query = query
        """The user's message ("" when the app has none)."""
        self.settings = settings
        """The tool's `settings` from tools.json."""


class PythonTool(FetchingTool):
    kind: Literal["python"]
    function: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    """"external_data_tool.custom.MODULE:FUNCTION"."""
    settings: dict[str, Any] = Field(default_factory=dict)

    _function: Callable[[ToolRequest], Any] = PrivateAttr()

    @field_validator("function")
    @classmethod
    def _in_custom(cls, function: str) -> str:
        if not function.startswith(PACKAGE):
            raise ValueError(f"must name a module in the function's package, {PACKAGE}MODULE:FUNCTION")
        return function

    @model_validator(mode="after")
    def _import(self) -> Self:
        module_name, _, name = self.function.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise config_error(("function",), f"cannot import {module_name}: {error}") from None
        function = getattr(module, name, None)
        if not callable(function):
            raise config_error(("function",), f"{module_name} has no function {name}")
        try:
            inspect.signature(function).bind(None)
        except TypeError:
            raise config_error(("function",), "the function must take one argument, the ToolRequest") from None
        self._function = function
        return self

    def checked_fields(self, scope: Scope) -> frozenset[str]:
        # The function is given the query and every input.
        return frozenset({"query", *(f"inputs.{name}" for name in scope["inputs"])})

    def cache_key(self, scope: Scope) -> str:
        # The function sees the whole request, so the whole request is the key.
        return json.dumps(scope, ensure_ascii=False, sort_keys=True, default=str)

    def fetch(self, scope: Scope, params: ExternalDataToolParams) -> Scope:
        request = ToolRequest(
            app_id=params.app_id,
            tool_variable=params.tool_variable,
            inputs=params.inputs,
            query=params.query,
            settings=self.settings,
        )
        budget = time_left(self.budget_seconds)
        return {"result": within(budget, partial(self._call, request), "function timed out")}

    def _call(self, request: ToolRequest) -> Any:
        try:
            result = self._function(request)
        except BaseException as error:
            # SystemExit and KeyboardInterrupt too: this runs in a flight's thread, where they end only the call.
            # The message could quote the user's values: only the exception's type is reported (and logged).
            raise ToolFailure(f"raised {type(error).__name__}") from None
        # What the template renders must be JSON's kind of data (text, finite numbers, lists, objects), as fetched
        # data is: nan and inf are not.
        try:
            return json.loads(json.dumps(result, ensure_ascii=False, allow_nan=False))
        except (TypeError, ValueError, RecursionError):  # RecursionError: nested too deeply (or in a cycle)
            raise ToolFailure(f"returned a {type(result).__name__} that is not JSON data") from None
