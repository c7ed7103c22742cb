"""External data tools: the config file's shape, and the registry that answers a query.

tools.json maps each `tool_variable` to a tool; `apps` maps a Dify app id to tools that replace (same name) or add to
those for that app only. Each tool's `kind` picks its module, imported only when a config uses it, so a cold start
pays only for the kinds it has (and never for boto3 unless a dynamodb or bedrock_knowledge_base tool is called).
"""

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, WrapValidator

from dify_extension.errors import InvalidRequestError, printable
from dify_extension.protocol import ExternalDataToolAnswer, ExternalDataToolParams
from external_data_tool.base import BaseTool, config_error
from external_data_tool.templates import NAME

BUNDLED_TOOLS = Path(__file__).with_name("tools.json")
MAX_REQUEST_BYTES = 1024 * 1024
"""The largest request body the endpoint serves (a larger one is a 400): far more than any tool reads (each value a
lookup takes is at most its max_input_chars, 10,000 at most), while bounding what one request costs to parse."""

KINDS = {
    "template": "external_data_tool.template_tool:TemplateTool",
    "http": "external_data_tool.http_tool:HttpTool",
    "dynamodb": "external_data_tool.dynamodb_tool:DynamoDbTool",
    "bedrock_knowledge_base": "external_data_tool.knowledge_base_tool:KnowledgeBaseTool",
    "python": "external_data_tool.python_tool:PythonTool",
}


def _tool(value: Any, _handler: Callable[[Any], Any], _info: ValidationInfo) -> BaseTool:
    """Validate one tool with the model its `kind` names (errors located inside the tool, without the kind)."""
    if not isinstance(value, dict):
        raise config_error((), "a tool must be an object with a kind")
    kind = value.get("kind")
    if kind not in KINDS:
        known = ", ".join(KINDS)
        raise config_error(("kind",), f"missing kind; one of {known}" if kind is None else f"unknown kind; use {known}")
    module, _, name = KINDS[kind].partition(":")
    model: type[BaseTool] = getattr(importlib.import_module(module), name)
    return model.model_validate(value)


Tool = Annotated[BaseTool, WrapValidator(_tool)]
ToolName = Annotated[str, Field(pattern=rf"^{NAME}$")]


class ToolRegistry(BaseModel):
    """The tools by `tool_variable` (the name a Dify app gives the external data tool's variable)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: str | None = Field(default=None, alias="$schema")
    """Where editors find the JSON Schema (schemas/external-data-tools.schema.json); ignored here."""
    tools: dict[ToolName, Tool]
    apps: dict[str, dict[ToolName, Tool]] = Field(default_factory=dict)
    """Per Dify app id: tools that replace the same-named tool of `tools`, or add one, for that app only."""

    _configured: dict[str | None, str] = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        self._configured = {}
        for name, tool in self.tools.items():
            tool.bind(name)
        self._configured[None] = ", ".join(sorted(self.tools)) or "none"
        for app_id, tools in self.apps.items():
            for name, tool in tools.items():
                tool.bind(name)
            self._configured[app_id] = ", ".join(sorted({*self.tools, *tools}))

    def tool_for(self, app_id: str, tool_variable: str) -> BaseTool | None:
        app_tools = self.apps.get(app_id)
        if app_tools is not None and tool_variable in app_tools:
            return app_tools[tool_variable]
        return self.tools.get(tool_variable)

    def query(self, params: ExternalDataToolParams) -> ExternalDataToolAnswer:
        tool = self.tool_for(params.app_id, params.tool_variable)
        if tool is None:
            name = printable(params.tool_variable[:40])
            configured = self._configured.get(params.app_id if params.app_id in self.apps else None)
            raise InvalidRequestError(f"unknown tool_variable '{name}'; configured: {configured}")
        return ExternalDataToolAnswer(result=tool.answer(params))
