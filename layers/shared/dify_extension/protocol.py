"""The shape of Dify's API-based extension protocol: every point's params and answer.

Dify's client (see shared/dify-protocol.md) sends `{"point": ..., "params": {...}}` and accepts only answers whose
fields are all present and non-null; these models are the one place that shape is written down.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class Point(StrEnum):
    """Every point Dify defines."""

    PING = "ping"
    MODERATION_INPUT = "app.moderation.input"
    MODERATION_OUTPUT = "app.moderation.output"
    EXTERNAL_DATA_TOOL_QUERY = "app.external_data_tool.query"


class ModerationAction(StrEnum):
    DIRECT_OUTPUT = "direct_output"
    """Dify shows `preset_response` instead of the message or answer."""
    OVERRIDDEN = "overridden"
    """Dify replaces the whole inputs and query (input) or the checked text (output) with the returned ones."""


def _none_as_empty_str(value: object) -> object:
    return "" if value is None else value


def _none_as_empty_dict(value: object) -> object:
    return {} if value is None else value


# Dify sends `query: null` when an app has no query box; the answer must never carry a null.
QueryText = Annotated[str, BeforeValidator(_none_as_empty_str)]


class ExtensionRequest(BaseModel):
    """The envelope of every call. `params` may be missing: Dify's docs show `ping` without it."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    point: str
    params: Annotated[dict[str, Any], BeforeValidator(_none_as_empty_dict)] = Field(default_factory=dict)


class Params(BaseModel):
    """Base of every point's params: unknown keys are ignored so newer Dify versions keep working."""

    # defer_build: a validator is built on first use, so a cold start builds only the models its point needs.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class PingParams(Params):
    pass


class ModerationInputParams(Params):
    app_id: str
    inputs: dict[str, Any]
    query: QueryText = ""


class ModerationOutputParams(Params):
    app_id: str
    text: str


class ExternalDataToolParams(Params):
    app_id: str
    tool_variable: str
    inputs: dict[str, Any]
    query: QueryText = ""


class Answer(BaseModel):
    """Base of every answer: no optional fields, so nothing is ever serialised as null."""

    model_config = ConfigDict(frozen=True, defer_build=True)


class PingAnswer(Answer):
    result: Literal["pong"] = "pong"


class ModerationInputAnswer(Answer):
    flagged: bool
    action: ModerationAction
    preset_response: str = ""
    inputs: dict[str, Any]
    query: str


class ModerationOutputAnswer(Answer):
    flagged: bool
    action: ModerationAction
    preset_response: str = ""
    text: str


class ExternalDataToolAnswer(Answer):
    result: str


PARAMS_MODELS: dict[Point, type[Params]] = {
    Point.PING: PingParams,
    Point.MODERATION_INPUT: ModerationInputParams,
    Point.MODERATION_OUTPUT: ModerationOutputParams,
    Point.EXTERNAL_DATA_TOOL_QUERY: ExternalDataToolParams,
}
