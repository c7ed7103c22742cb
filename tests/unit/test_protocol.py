"""The protocol models: what Dify sends is accepted as Dify sends it, and answers carry every field, never a null."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from dify_extension.protocol import (
    PARAMS_MODELS,
    Answer,
    ExtensionRequest,
    ExternalDataToolAnswer,
    ExternalDataToolParams,
    ModerationAction,
    ModerationInputAnswer,
    ModerationInputParams,
    ModerationOutputAnswer,
    Params,
    PingAnswer,
    PingParams,
    Point,
)

VALID_PARAMS: dict[Point, dict[str, Any]] = {
    Point.PING: {},
    Point.MODERATION_INPUT: {"app_id": "app-1", "inputs": {"name": "Ann"}, "query": "hello"},
    Point.MODERATION_OUTPUT: {"app_id": "app-1", "text": "an answer"},
    Point.EXTERNAL_DATA_TOOL_QUERY: {
        "app_id": "app-1",
        "tool_variable": "weather_retrieve",
        "inputs": {"location": "London"},
        "query": "weather?",
    },
}
"""One valid params object per point, as Dify sends it."""


def _without(params: dict[str, Any], field: str) -> dict[str, Any]:
    return {name: value for name, value in params.items() if name != field}


def _error_fields(error: ValidationError) -> set[str]:
    return {".".join(str(part) for part in item["loc"]) for item in error.errors()}


def test_params_models_cover_every_point() -> None:
    """Every point Dify defines has a params model, and no model is registered for anything else."""
    assert set(PARAMS_MODELS) == set(Point)
    assert all(issubclass(model, Params) for model in PARAMS_MODELS.values())


def test_point_values_are_difys_names() -> None:
    """The points are spelt exactly as Dify sends them."""
    assert {point.value for point in Point} == {
        "ping",
        "app.moderation.input",
        "app.moderation.output",
        "app.external_data_tool.query",
    }


def test_moderation_action_values_are_exactly_difys() -> None:
    """Only `direct_output` and `overridden` exist (not the old spelling `overrided`)."""
    assert {action.value for action in ModerationAction} == {"direct_output", "overridden"}
    with pytest.raises(ValueError, match="overrided"):
        ModerationAction("overrided")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"point": "ping"}', id="params-absent"),
        pytest.param('{"point": "ping", "params": {}}', id="params-empty"),
        pytest.param('{"point": "ping", "params": null}', id="params-null"),
    ],
)
def test_ping_envelope_accepts_params_absent_empty_or_null(body: str) -> None:
    """`ping` is accepted with no params, `{}` or `null`, and its params validate as PingParams."""
    request = ExtensionRequest.model_validate_json(body)
    assert request.point == Point.PING
    assert request.params == {}
    assert isinstance(PARAMS_MODELS[Point(request.point)].model_validate(request.params), PingParams)


def test_envelope_ignores_extra_keys_and_keeps_params() -> None:
    """Unknown envelope keys are ignored; the params object is passed through untouched."""
    params = VALID_PARAMS[Point.MODERATION_INPUT]
    request = ExtensionRequest.model_validate({"point": "app.moderation.input", "params": params, "version": 2})
    assert request.point == "app.moderation.input"
    assert request.params == params


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"params": {}}, "point", id="point-missing"),
        pytest.param({"point": 1}, "point", id="point-not-string"),
        pytest.param({"point": "ping", "params": []}, "params", id="params-list"),
        pytest.param({"point": "ping", "params": "x"}, "params", id="params-string"),
    ],
)
def test_envelope_rejects_bad_shapes_naming_the_field(body: dict[str, Any], field: str) -> None:
    """A missing point or a params that is not an object is a ValidationError at that field."""
    with pytest.raises(ValidationError) as caught:
        ExtensionRequest.model_validate(body)
    assert _error_fields(caught.value) == {field}


@pytest.mark.parametrize(
    ("point", "model"),
    [
        (Point.MODERATION_INPUT, ModerationInputParams),
        (Point.EXTERNAL_DATA_TOOL_QUERY, ExternalDataToolParams),
    ],
)
@pytest.mark.parametrize("query", ["absent", None])
def test_query_null_or_absent_becomes_empty_string(point: Point, model: type[Params], query: str | None) -> None:
    """Dify sends `query: null` (or nothing) when the app has no query box: it reads as ""."""
    params = _without(VALID_PARAMS[point], "query")
    if query != "absent":
        params["query"] = query
    validated = PARAMS_MODELS[point].model_validate(params)
    assert isinstance(validated, model)
    assert validated.model_dump()["query"] == ""


@pytest.mark.parametrize(
    ("point", "field"),
    [
        (point, field)
        for point, fields in {
            Point.MODERATION_INPUT: ["app_id", "inputs"],
            Point.MODERATION_OUTPUT: ["app_id", "text"],
            Point.EXTERNAL_DATA_TOOL_QUERY: ["app_id", "tool_variable", "inputs"],
        }.items()
        for field in fields
    ],
)
def test_missing_required_field_is_named(point: Point, field: str) -> None:
    """Leaving out a required field is a ValidationError naming exactly that field."""
    with pytest.raises(ValidationError) as caught:
        PARAMS_MODELS[point].model_validate(_without(VALID_PARAMS[point], field))
    assert _error_fields(caught.value) == {field}
    assert caught.value.errors()[0]["type"] == "missing"


@pytest.mark.parametrize(
    ("point", "field", "value"),
    [
        (Point.MODERATION_INPUT, "app_id", 42),
        (Point.MODERATION_INPUT, "app_id", None),
        (Point.MODERATION_INPUT, "inputs", ["a", "b"]),
        (Point.MODERATION_INPUT, "inputs", "text"),
        (Point.MODERATION_INPUT, "inputs", None),
        (Point.MODERATION_INPUT, "query", 7),
        (Point.MODERATION_INPUT, "query", {"q": "x"}),
        (Point.MODERATION_OUTPUT, "app_id", ["app"]),
        (Point.MODERATION_OUTPUT, "text", None),
        (Point.MODERATION_OUTPUT, "text", 3.5),
        (Point.MODERATION_OUTPUT, "text", {"t": "x"}),
        (Point.EXTERNAL_DATA_TOOL_QUERY, "app_id", True),
        (Point.EXTERNAL_DATA_TOOL_QUERY, "tool_variable", 1),
        (Point.EXTERNAL_DATA_TOOL_QUERY, "tool_variable", None),
        (Point.EXTERNAL_DATA_TOOL_QUERY, "inputs", [1]),
        (Point.EXTERNAL_DATA_TOOL_QUERY, "query", ["q"]),
    ],
)
def test_wrong_type_is_named(point: Point, field: str, value: object) -> None:
    """A field of the wrong type is a ValidationError naming that field (no silent coercion to a string)."""
    params = {**VALID_PARAMS[point], field: value}
    with pytest.raises(ValidationError) as caught:
        PARAMS_MODELS[point].model_validate(params)
    assert _error_fields(caught.value) == {field}


@pytest.mark.parametrize("point", list(Point))
def test_params_ignore_extra_keys(point: Point) -> None:
    """Keys a newer Dify might add are ignored, and the known fields keep their values."""
    params = {**VALID_PARAMS[point], "user_id": "u-1", "conversation_id": None}
    validated = PARAMS_MODELS[point].model_validate(params)
    dumped = validated.model_dump()
    assert "user_id" not in dumped
    assert "conversation_id" not in dumped
    assert dumped == VALID_PARAMS[point]


def test_params_keep_inputs_as_sent() -> None:
    """Inputs of any JSON shape (numbers, lists, objects, null) reach the handler unchanged."""
    inputs = {"n": 3, "files": [{"url": "https://x"}], "flag": True, "none": None, "text": "ü"}
    validated = ModerationInputParams.model_validate({"app_id": "a", "inputs": inputs, "query": "q"})
    assert validated.inputs == inputs


ANSWERS: list[tuple[BaseModel, dict[str, Any]]] = [
    (PingAnswer(), {"result": "pong"}),
    (
        ModerationInputAnswer(flagged=False, action=ModerationAction.OVERRIDDEN, inputs={}, query=""),
        {"flagged": False, "action": "overridden", "preset_response": "", "inputs": {}, "query": ""},
    ),
    (
        ModerationInputAnswer(
            flagged=True,
            action=ModerationAction.DIRECT_OUTPUT,
            preset_response="no",
            inputs={"a": "b"},
            query="q",
        ),
        {"flagged": True, "action": "direct_output", "preset_response": "no", "inputs": {"a": "b"}, "query": "q"},
    ),
    (
        ModerationOutputAnswer(flagged=False, action=ModerationAction.DIRECT_OUTPUT, text="t"),
        {"flagged": False, "action": "direct_output", "preset_response": "", "text": "t"},
    ),
    (
        ModerationOutputAnswer(flagged=True, action=ModerationAction.OVERRIDDEN, preset_response="p", text=""),
        {"flagged": True, "action": "overridden", "preset_response": "p", "text": ""},
    ),
    (ExternalDataToolAnswer(result=""), {"result": ""}),
]


@pytest.mark.parametrize(("answer", "expected"), ANSWERS, ids=lambda value: type(value).__name__)
def test_answers_serialise_every_field_and_no_null(answer: BaseModel, expected: dict[str, Any]) -> None:
    """The JSON of an answer has every field (action even when not flagged, preset_response "" by default)."""
    assert isinstance(answer, Answer)
    text = answer.model_dump_json()
    assert json.loads(text) == expected
    assert "null" not in text


def test_ping_answer_is_pong_at_top_level() -> None:
    """Dify checks `result == "pong"` at the top level of the ping answer (issue #3014)."""
    assert json.loads(PingAnswer().model_dump_json()) == {"result": "pong"}


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (ModerationInputAnswer, {"flagged": False, "inputs": {}, "query": ""}),
        (ModerationOutputAnswer, {"flagged": False, "text": ""}),
    ],
)
def test_moderation_answer_requires_action(model: type[BaseModel], fields: dict[str, Any]) -> None:
    """An answer cannot be built without an action, even when not flagged (Dify issue #17038)."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(fields)
    assert _error_fields(caught.value) == {"action"}


@pytest.mark.parametrize(
    ("model", "fields", "field"),
    [
        (ModerationInputAnswer, {"flagged": True, "action": "direct_output", "inputs": {}, "query": None}, "query"),
        (ModerationInputAnswer, {"flagged": True, "action": "direct_output", "inputs": None, "query": ""}, "inputs"),
        (ModerationOutputAnswer, {"flagged": True, "action": "overrided", "text": ""}, "action"),
        (ModerationOutputAnswer, {"flagged": None, "action": "overridden", "text": ""}, "flagged"),
        (ModerationOutputAnswer, {"flagged": True, "action": "overridden", "text": None}, "text"),
        (
            ModerationOutputAnswer,
            {"flagged": True, "action": "overridden", "preset_response": None, "text": ""},
            "preset_response",
        ),
        (ExternalDataToolAnswer, {"result": None}, "result"),
        (ExternalDataToolAnswer, {"result": 5}, "result"),
    ],
)
def test_answers_refuse_null_and_bad_values(model: type[BaseModel], fields: dict[str, Any], field: str) -> None:
    """An answer that Dify would reject (a null, the old `overrided`, a non-string result) cannot be built."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(fields)
    assert _error_fields(caught.value) == {field}
