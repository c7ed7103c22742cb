"""The committed JSON Schemas: generated from the models, up to date, accepting every valid file and refusing what the
models refuse (unknown keys, wrong kinds)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from authoring import configs, schemas
from authoring.configs import POLICY, TOOLS, ConfigKind, load
from dify_extension.config_files import ConfigFileError, parse_config
from moderation.examples import ExamplesFailed, prove
from moderation.matcher import CompiledPolicy
from moderation.policy import ModerationPolicy
from tests.authoring.conftest import CONFIG_FILES, EXAMPLE_POLICY, EXAMPLE_TOOLS, ROOT

README = ROOT / "README.md"


def validator(kind: ConfigKind) -> jsonschema.Draft202012Validator:
    schema = json.loads(kind.schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(kind: ConfigKind, document: Any) -> list[str]:
    return [error.message for error in validator(kind).iter_errors(document)]


def model_accepts(kind: ConfigKind, document: Any) -> bool:
    try:
        parse_config(kind.model, json.dumps(document), "test.json")
    except ConfigFileError:
        return False
    return True


def examples_pass(document: Any) -> bool:
    """Whether a policy's examples all pass (the check make check and the function add to the model's)."""
    try:
        prove(CompiledPolicy(ModerationPolicy.model_validate(document)))
    except ExamplesFailed:
        return False
    return True


def test_the_committed_schemas_are_what_the_models_generate() -> None:
    for kind in configs.KINDS:
        assert kind.schema_path.read_text(encoding="utf-8") == schemas.render(kind), f"run make schemas ({kind.label})"
    assert schemas.main(["--check"]) == 0


def test_check_mode_fails_when_a_committed_schema_is_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for kind in configs.KINDS:
        (tmp_path / kind.schema_file).write_text(schemas.render(kind), encoding="utf-8")
    stale = tmp_path / POLICY.schema_file
    stale.write_text(stale.read_text(encoding="utf-8").replace('"block"', '"warn"'), encoding="utf-8")
    monkeypatch.setattr(configs, "SCHEMAS", tmp_path)
    assert schemas.main(["--check"]) == 1
    assert POLICY.schema_file in capsys.readouterr().err
    assert stale.read_text(encoding="utf-8") != schemas.render(POLICY)  # --check changes nothing
    assert schemas.main([]) == 0
    assert stale.read_text(encoding="utf-8") == schemas.render(POLICY)


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda path: path.name)
def test_bundled_and_example_files_point_at_their_schema_and_validate(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    kind, _, _ = load(path)
    assert (path.parent / document["$schema"]).resolve() == kind.schema_path
    assert schema_errors(kind, document) == []


DOCUMENTED = [README, *sorted((ROOT / "docs").glob("**/*.md"))]


def _documented_configs() -> list[tuple[str, Any, bool]]:
    """Every policy and tools file the README and the docs show, whole or as single tools (wrapped in a tools file),
    with whether it is shown as broken (a fence titled "... (broken)")."""
    found: list[tuple[str, Any, bool]] = []
    for page in DOCUMENTED:
        text = page.read_text(encoding="utf-8")
        blocks = re.findall(r"```json([^\n]*)\n(.*?)```", text, re.DOTALL)
        blocks += [("", block) for block in re.findall(r"cat > my-tools.json <<'EOF'\n(.*?)EOF", text, re.DOTALL)]
        for number, (header, block) in enumerate(blocks):
            try:
                document = json.loads(block)
            except ValueError:
                try:
                    document = {"tools": json.loads("{" + block + "}")}
                except ValueError:
                    continue  # a sketch with "..." in it
            if isinstance(document, dict) and ({"tools", "default"} & document.keys()):
                found.append((f"{page.name} block {number}", document, "(broken)" in header))
    return found


DOCUMENTED_CONFIGS = _documented_configs()


# The pages that show configs, and how many at least: a page whose examples stop being found (a fence renamed,
# a page moved) fails here instead of silently leaving its examples unchecked.
SHOWN_AT_LEAST = {
    "README.md": 2,  # the tour: one policy, one tools file
    "moderation-policy.md": 1,  # the complete two-app example
    "external-data-tools.md": 6,  # every kind, and the file of "Try a tools file with make run"
    "authoring-tools.md": 2,
    "schemas.md": 2,
}


def test_the_readme_and_docs_show_policies_and_tools() -> None:
    kinds = {configs.kind_of(document, label) for label, document, _ in DOCUMENTED_CONFIGS}
    assert kinds == {POLICY, TOOLS}
    readme_kinds = {
        configs.kind_of(document, label) for label, document, _ in DOCUMENTED_CONFIGS if label.startswith("README.md ")
    }
    assert readme_kinds == {POLICY, TOOLS}
    for page, least in SHOWN_AT_LEAST.items():
        assert len([label for label, _, _ in DOCUMENTED_CONFIGS if label.startswith(f"{page} ")]) >= least, page


@pytest.mark.parametrize(
    ("label", "document", "broken"), DOCUMENTED_CONFIGS, ids=[label for label, _, _ in DOCUMENTED_CONFIGS]
)
def test_every_documented_config_validates_and_loads_unless_shown_broken(
    label: str, document: Any, broken: bool
) -> None:
    kind = configs.kind_of(document, label)
    assert kind is not None
    if broken:
        assert not model_accepts(kind, document) or (kind is POLICY and not examples_pass(document))
        return
    assert schema_errors(kind, document) == []
    assert model_accepts(kind, document)


DOCUMENTED_POLICIES = [
    (label, document) for label, document, broken in DOCUMENTED_CONFIGS if not broken and "default" in document
]


@pytest.mark.parametrize(("label", "document"), DOCUMENTED_POLICIES, ids=[label for label, _ in DOCUMENTED_POLICIES])
def test_every_documented_policy_carries_examples_that_pass(label: str, document: Any) -> None:
    """A policy the docs show is one a reader copies: it shows how to prove itself, and its examples pass."""
    assert document.get("examples"), f"{label}: a documented policy without examples"
    assert examples_pass(document)


def _policy() -> Any:
    return json.loads(EXAMPLE_POLICY.read_text(encoding="utf-8"))


def _tools() -> Any:
    return json.loads(EXAMPLE_TOOLS.read_text(encoding="utf-8"))


def _changed(document: Any, path: tuple[str | int, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


POLICY_BREAKS = {
    "unknown top-level key": (("polciy",), {}),
    "typo in a rule key": (("default", "input", "rules", 0, "keyword"), ["x"]),
    "unknown stage key": (("apps", "3f1c2a8e-support-bot", "inptu"), {}),
    "unknown action": (("default", "input", "rules", 0, "action"), "warn"),
    "keywords not a list": (("default", "input", "rules", 0, "keywords"), "ignore previous instructions"),
    "unknown pii type": (("default", "input", "rules", 1, "pii"), ["passport"]),
    "rule id with spaces": (("default", "input", "rules", 0, "id"), "prompt injection"),
    "empty preset response": (("default", "output", "preset_response"), ""),
    "whole_word not a boolean": (("default", "input", "rules", 0, "whole_word"), ["yes"]),
    "unknown example key": (("examples", 0, "expected"), "block"),
    "example expecting warn": (("examples", 0, "expect"), "warn"),
    "example of no stage": (("examples", 0, "stage"), "both"),
    "example with an empty text": (("examples", 0, "text"), ""),
    "transliterate not a boolean": (("default", "input", "rules", 0, "transliterate"), "all"),
}


@pytest.mark.parametrize(("path", "value"), POLICY_BREAKS.values(), ids=POLICY_BREAKS.keys())
def test_schema_and_model_both_refuse_a_broken_policy(path: tuple[str | int, ...], value: Any) -> None:
    broken = _changed(_policy(), path, value)
    assert schema_errors(POLICY, broken) != []
    assert not model_accepts(POLICY, broken)


def _rule(**fields: Any) -> Any:
    return {"default": {"input": {"rules": [{"id": "r", "category": "c", "action": "block", **fields}]}}}


def _example(**fields: Any) -> Any:
    return {**_rule(keywords=["a"]), "examples": [{"text": "a", **fields}]}


CROSS_FIELD_RULES = {
    "no matcher": (_rule(), False),
    "two matchers": (_rule(keywords=["a"], regex="b"), False),
    "three matchers": (_rule(keywords=["a"], regex="b", pii=["email"]), False),
    "a matcher and nulls": (_rule(keywords=["a"], regex=None, pii=None), True),
    "whole_word on a regex rule": (_rule(regex="b", whole_word=True), False),
    "whole_word false on a regex rule": (_rule(regex="b", whole_word=False), True),
    "whole_word on keywords": (_rule(keywords=["a"], whole_word=True), True),
    "transliterate on a regex rule": (_rule(regex="b", transliterate=False), False),
    "transliterate null on a regex rule": (_rule(regex="b", transliterate=None), True),
    "transliterate on keywords": (_rule(keywords=["сука"], transliterate=True), True),
    "replacement on a block rule": (_rule(keywords=["a"], replacement="[X]"), False),
    "preset_response on a mask rule": (_rule(keywords=["a"], action="mask", preset_response="no"), False),
    "replacement on a mask rule": (_rule(keywords=["a"], action="mask", replacement="[X]"), True),
    "preset_response on a block rule": (_rule(keywords=["a"], preset_response="no"), True),
    "result of a masked example": (_example(expect="mask", result="[EMAIL]"), True),
    "result of a blocked example": (_example(expect="block", result="[EMAIL]"), False),
    "result of a passed example": (_example(expect="pass", result="a"), False),
    "null result of a passed example": (_example(expect="pass", result=None), True),
}


@pytest.mark.parametrize(("document", "valid"), CROSS_FIELD_RULES.values(), ids=CROSS_FIELD_RULES.keys())
def test_schema_and_model_agree_on_rules_across_fields(document: Any, valid: bool) -> None:
    assert (schema_errors(POLICY, document) == []) is valid
    assert model_accepts(POLICY, document) is valid


@pytest.mark.parametrize(
    ("step", "valid"),
    [
        ({"url": "https://example.com/x", "body": {"a": 1}}, False),
        ({"url": "https://example.com/x", "method": "GET", "body": "x"}, False),
        ({"url": "https://example.com/x", "method": "POST", "body": {"a": "{{query}}"}}, True),
        ({"url": "https://example.com/x", "body": None}, True),
    ],
)
def test_schema_and_model_agree_that_a_get_has_no_body(step: Any, valid: bool) -> None:
    document = {"tools": {"t": {"kind": "http", "steps": [step]}}}
    assert (schema_errors(TOOLS, document) == []) is valid
    assert model_accepts(TOOLS, document) is valid


TOOLS_BREAKS = {
    "unknown top-level key": (("tool",), {}),
    "unknown kind": (("tools", "greeting", "kind"), "sql"),
    "missing kind": (("tools", "greeting"), {"template": "hi"}),
    "typo in a tool key": (("tools", "greeting", "templat"), "x"),
    "typo in an http step": (("tools", "order_status", "steps", 0, "urll"), "https://example.com"),
    "http method not GET/POST": (("tools", "order_status", "steps", 0, "method"), "PUT"),
    "retries out of range": (("tools", "order_status", "retries"), 9),
    "max_result_chars zero": (("tools", "weather_retrieve", "max_result_chars"), 0),
    "tool name with a space": (("tools", "my tool"), {"kind": "template", "template": "x"}),
    "dynamodb key type": (("tools", "customer", "key", "email", "type"), "B"),
    "python settings not an object": (("tools", "support_hours", "settings"), ["x"]),
    "per-app tool of the wrong shape": (("apps", "3f1c2a8e-support-bot", "greeting"), "hello"),
}


@pytest.mark.parametrize(("path", "value"), TOOLS_BREAKS.values(), ids=TOOLS_BREAKS.keys())
def test_schema_and_model_both_refuse_a_broken_tools_file(path: tuple[str | int, ...], value: Any) -> None:
    broken = _changed(_tools(), path, value)
    assert schema_errors(TOOLS, broken) != []
    assert not model_accepts(TOOLS, broken)


def test_every_tool_kind_is_described() -> None:
    schema = json.loads(TOOLS.schema_path.read_text(encoding="utf-8"))
    tool = schema["$defs"]["BaseTool"]
    assert tool["properties"]["kind"]["enum"] == ["template", "http", "dynamodb", "bedrock_knowledge_base", "python"]
    assert len(tool["allOf"]) == 5
    # Field docstrings reach the schema: what an editor shows on hover.
    assert "JMESPath" in schema["$defs"]["HttpStep"]["properties"]["pick"]["description"]


def test_schema_accepts_dollar_schema_and_the_models_ignore_it() -> None:
    for kind, document in ((POLICY, _policy()), (TOOLS, _tools())):
        document["$schema"] = "https://example.com/anything.json"
        assert schema_errors(kind, document) == []
        assert model_accepts(kind, document)
