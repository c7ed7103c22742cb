"""The `template` kind: text from the request alone (query, app id, inputs); nothing is fetched."""

from typing import Literal, Self

from pydantic import PrivateAttr, model_validator

from dify_extension.protocol import ExternalDataToolParams
from external_data_tool.base import BaseTool, compile_at, request_scope
from external_data_tool.templates import REQUEST_ROOTS, Template


class TemplateTool(BaseTool):
    """Text rendered from the query and inputs; a missing input renders as an empty string."""

    kind: Literal["template"]
    template: str

    _template: Template = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> Self:
        self._template = compile_at(("template",), self.template, roots=REQUEST_ROOTS)
        return self

    def answer_text(self, params: ExternalDataToolParams) -> str:
        return self._template.render(request_scope(params))
