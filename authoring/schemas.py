"""JSON Schemas of the moderation policy and the tools file, generated from the pydantic models that load them.

    python -m authoring.schemas           write schemas/*.schema.json
    python -m authoring.schemas --check   exit 1 if a committed schema differs from what the models give

The models stay the one source of truth. The schema says what JSON can say (keys, types, ranges, patterns, unknown
keys refused); what only loading can tell (a regex that compiles, a template's names, a python tool's import) is
`make check`'s job.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import itertools
import json
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from authoring.configs import KINDS, POLICY, TOOLS, ConfigKind
from external_data_tool.tools import KINDS as TOOL_KINDS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DESCRIPTIONS = {
    POLICY.schema_file: "A moderation policy of dify-extension-aws (MODERATION_POLICY_*). Generated from "
    "moderation.policy.ModerationPolicy by `make schemas`: do not edit.",
    TOOLS.schema_file: "An external data tools file of dify-extension-aws (EXTERNAL_DATA_TOOLS_*). Generated from "
    "external_data_tool.tools.ToolRegistry by `make schemas`: do not edit.",
}


def _attribute_docstrings(cls: type) -> dict[str, str]:
    """The docstring under each field of `cls` and its bases (what editors show on hover): the models document
    their fields that way, and pydantic reads such docstrings only if told to at class creation (a cold-start cost)."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, BaseModel)) or klass is BaseModel:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for statement, following in itertools.pairwise(body):
            if (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                found[statement.target.id] = inspect.cleandoc(following.value.value)
    return found


class _Strict(GenerateJsonSchema):
    """pydantic's schema, plus: each field's docstring as its description, and a dict whose keys must match a
    pattern refuses other keys (as pydantic does)."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        generated = super().model_schema(schema)
        properties = generated.get("properties", {})
        for name, text in _attribute_docstrings(schema["cls"]).items():
            field = schema["cls"].model_fields.get(name)
            key = field.alias if field is not None and field.alias else name
            if key in properties and "description" not in properties[key]:
                properties[key]["description"] = text
        return generated

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        generated = super().dict_schema(schema)
        if "patternProperties" in generated:
            generated.setdefault("additionalProperties", False)
        return generated


def _given(name: str) -> dict[str, Any]:
    """`name` is there and not null (the models read a null as "not given")."""
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}


def _null(name: str) -> dict[str, Any]:
    return {"properties": {name: {"type": "null"}}}


CROSS_FIELD: dict[str, dict[str, Any]] = {
    # What the models' validators check across fields and pydantic cannot put in a schema: written again here so
    # that editors flag it too (tests/authoring check that schema and model agree on each case).
    "Rule": {
        "oneOf": [_given("keywords"), _given("regex"), _given("pii")],
        "allOf": [
            {
                "if": {"required": ["whole_word"], "properties": {"whole_word": {"const": True}}},
                "then": _given("keywords"),
            },
            {"if": _given("transliterate"), "then": _given("keywords")},
            {"if": {"properties": {"action": {"const": "block"}}}, "then": _null("replacement")},
            {"if": {"properties": {"action": {"const": "mask"}}}, "then": _null("preset_response")},
        ],
    },
    "HttpStep": {"if": {"properties": {"method": {"const": "GET"}}}, "then": _null("body")},
    "Example": {"if": {"properties": {"expect": {"enum": ["block", "pass"]}}}, "then": _null("result")},
}


def _tool_models() -> list[type[BaseModel]]:
    models = []
    for target in TOOL_KINDS.values():
        module, _, name = target.partition(":")
        models.append(getattr(importlib.import_module(module), name))
    return models


def _by_kind(refs: dict[str, str]) -> dict[str, Any]:
    """One tool: its `kind` chooses the kind's schema (if/then, so an editor reports the right kind's problems)."""
    return {
        "type": "object",
        "description": "One tool; its kind chooses the other fields.",
        "required": ["kind"],
        "properties": {"kind": {"enum": list(TOOL_KINDS)}},
        "allOf": [
            {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": {"$ref": ref}}
            for kind, ref in refs.items()
        ],
    }


def generate(kind: ConfigKind) -> dict[str, Any]:
    if kind is TOOLS:
        # The registry validates each tool with the model its kind names (imported on demand, to keep cold starts
        # small): here every kind's model is generated too and the tool's place takes the choice between them.
        tools = _tool_models()
        entries = [(model, "validation") for model in (kind.model, *tools)]
        refs, document = models_json_schema(entries, schema_generator=_Strict)  # type: ignore[arg-type]
        definitions = document["$defs"]
        kind_refs = {name: refs[(model, "validation")]["$ref"] for name, model in zip(TOOL_KINDS, tools, strict=True)}
        definitions["BaseTool"] = _by_kind(kind_refs)
        schema = {**definitions.pop(kind.model.__name__), "$defs": definitions}
    else:
        schema = kind.model.model_json_schema(schema_generator=_Strict)
    for name, constraints in CROSS_FIELD.items():
        if name in schema["$defs"]:
            schema["$defs"][name].update(constraints)
    return {"$schema": DIALECT, **schema, "title": kind.label, "description": DESCRIPTIONS[kind.schema_file]}


def render(kind: ConfigKind) -> str:
    return json.dumps(generate(kind), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make schemas",
        description="Write the JSON Schemas of the moderation policy and the tools file into schemas/, generated "
        "from the pydantic models that load them.",
    )
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a schema is out of date")
    arguments = parser.parse_args(argv)
    stale = []
    for kind in KINDS:
        text = render(kind)
        current = kind.schema_path.read_text(encoding="utf-8") if kind.schema_path.exists() else None
        if current == text:
            continue
        if arguments.check:
            stale.append(str(kind.schema_path.relative_to(kind.schema_path.parents[1])))
        else:
            kind.schema_path.parent.mkdir(parents=True, exist_ok=True)
            kind.schema_path.write_text(text, encoding="utf-8")
            print(f"wrote {kind.schema_path}")
    if stale:
        print(f"out of date (a model changed): {', '.join(stale)}; run `make schemas`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
