"""External data tools: the config file's shape, and the tools that answer a query. Plain Python, no AWS."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator

from dify_extension.config_files import load_config_file
from dify_extension.errors import InvalidRequestError
from dify_extension.protocol import ExternalDataToolAnswer, ExternalDataToolParams

BUNDLED_TOOLS = Path(__file__).with_name("tools.json")

# {{query}}, {{app_id}} or {{inputs.<variable>}}, spaces allowed inside the braces, as in Dify's own prompts.
PLACEHOLDER = re.compile(r"\{\{\s*(query|app_id|inputs\.[A-Za-z0-9_\-]+)\s*\}\}")
ANY_BRACES = re.compile(r"\{\{.*?\}\}", re.DOTALL)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class TemplateTool(BaseModel):
    """Text rendered from the query and inputs; a missing input renders as an empty string."""

    # Built as part of ToolRegistry only (defer_build): building it on its own too would cost cold-start time.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    kind: Literal["template"]
    template: str

    @field_validator("template")
    @classmethod
    def _known_placeholders(cls, template: str) -> str:
        unknown = [match for match in ANY_BRACES.findall(template) if not PLACEHOLDER.fullmatch(match)]
        if unknown:
            hint = "use {{query}}, {{app_id}} or {{inputs.NAME}}"
            raise ValueError(f"unknown placeholder {unknown[0]}; {hint}")
        return template

    def run(self, params: ExternalDataToolParams) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "query":
                return params.query
            if name == "app_id":
                return params.app_id
            return _text(params.inputs.get(name.removeprefix("inputs.")))

        return PLACEHOLDER.sub(value, self.template)


class ToolRegistry(BaseModel):
    """The tools by `tool_variable`, the name a Dify app gives the external data tool's variable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tools: dict[str, TemplateTool]
    _configured: str = PrivateAttr(default="")

    def model_post_init(self, context: Any, /) -> None:
        self._configured = ", ".join(sorted(self.tools)) or "none"

    @classmethod
    def load(cls, path: Path) -> ToolRegistry:
        return load_config_file(cls, path)

    def query(self, params: ExternalDataToolParams) -> ExternalDataToolAnswer:
        tool = self.tools.get(params.tool_variable)
        if tool is None:
            name = params.tool_variable[:40]
            raise InvalidRequestError(f"unknown tool_variable '{name}'; configured: {self._configured}")
        return ExternalDataToolAnswer(result=tool.run(params))
