"""The template language of tools.json: values, paths, labels, #if and #each, and what is refused at load."""

from __future__ import annotations

from typing import Any

import pytest

from external_data_tool.templates import REQUEST_ROOTS, TemplateError, compile_template

ROOTS = REQUEST_ROOTS | {"result", "steps.place"}
SCOPE: dict[str, Any] = {
    "query": "q?",
    "app_id": "app-1",
    "inputs": {"city": "Kyoto", "blank": "  ", "n": 0},
    "result": {
        "name": "Ada",
        "items": [{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": []}],
        "empty": [],
        "flag": False,
        "code": 61,
        "nested": {"k": "é"},
    },
    "steps": {"place": {"lat": 51.5}},
}


def render(source: str, scope: dict[str, Any] = SCOPE) -> str:
    return compile_template(source, roots=ROOTS, tables={"wmo": {"61": "Slight rain"}}).render(scope)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{result.name}}", "Ada"),
        ("{{ result.items[1].id }}", "2"),
        ("{{result.items[0].tags}}", '["a", "b"]'),
        ("{{result.nested}}", '{"k": "é"}'),
        ("{{result.items[5].id}}|{{result.name.x}}|{{result.missing}}", "||"),
        ("{{result.flag}} {{inputs.n}}", "false 0"),
        ("{{steps.place.lat}}", "51.5"),
        ("{{result.code | wmo}}", "Slight rain"),
        ("{{result.name | wmo}}", "Ada"),  # no label: the value itself
        ("{{#if result.name}}yes{{else}}no{{/if}}", "yes"),
        ("{{#if result.empty}}yes{{else}}no{{/if}}", "no"),
        ("{{#if result.flag}}yes{{else}}no{{/if}}", "no"),
        ("{{#if inputs.blank}}yes{{else}}no{{/if}}", "no"),
        ("{{#if inputs.n}}zero counts{{/if}}", "zero counts"),
        ("{{#if result.missing}}yes{{/if}}", ""),
        (
            "{{#each result.items}}{{index}}:{{item.id}}[{{#each item.tags}}{{item}}{{/each}}] {{/each}}",
            "1:1[ab] 2:2[] ",
        ),
        ("{{#each result.name}}x{{/each}}", ""),  # not a list: nothing
        ("{{#each result.items}}{{query}}{{/each}}", "q?q?"),
        ("a {{#if result.name}}{{#if result.empty}}1{{else}}2{{/if}}{{/if}} b", "a 2 b"),
    ],
)
def test_rendering(source: str, expected: str) -> None:
    assert render(source) == expected


def test_values_are_inserted_literally() -> None:
    scope = {**SCOPE, "query": "{{result.name}} \\1 $0 {{#if x}}"}
    assert render("[{{query}}]", scope) == "[{{result.name}} \\1 $0 {{#if x}}]"


def test_paths_and_request_fields_are_known_after_compiling() -> None:
    template = compile_template("{{inputs.city}} {{#each result.items}}{{item.id}}{{/each}} {{query}}", roots=ROOTS)
    assert template.paths == ("inputs.city", "result.items", "item.id", "query")
    assert template.request_fields == {"inputs.city", "query"}


def test_encode_applies_to_values_only() -> None:
    template = compile_template("/a b/{{query}}", roots=REQUEST_ROOTS, blocks=False)
    assert template.render(SCOPE, encode=str.upper) == "/a b/Q?"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{secret}}", "unknown placeholder {{secret}}; use {{query}}, {{app_id}}, {{inputs.NAME}}, {{result.PATH}}"),
        ("{{inputs}}", "unknown placeholder"),
        ("{{inputs.a.b}}", "unknown placeholder"),
        ("{{result..x}}", "unknown placeholder"),
        ("{{result[x]}}", "unknown placeholder"),
        ("{{steps.other.x}}", "unknown placeholder"),
        ("{{item.x}}", "unknown placeholder"),  # only inside #each
        ("{{index}}", "unknown placeholder"),
        ("{{result | nope}}", "no labels table 'nope'"),
        ("{{result | a | b}}", "unknown placeholder"),
        ("{{#if result}}x", "{{#if}} is never closed with {{/if}}"),
        ("{{#each result}}x{{/if}}", "{{/if}} does not close an open {{#if}}"),
        ("x{{/each}}", "does not close"),
        ("{{else}}", "outside an {{#if}} block"),
        ("{{#if result}}a{{else}}b{{else}}c{{/if}}", "outside an {{#if}} block"),
        ("{{#unless result}}{{/unless}}", "unknown block"),
        ("{{#if}}{{/if}}", "{{#if}} needs a path, e.g. {{#if result}}"),
        ("{{#if env.HOME}}{{/if}}", "unknown placeholder"),
        ("{{__import__('os')}}", "unknown placeholder"),
    ],
)
def test_mistakes_are_compile_errors(source: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        compile_template(source, roots=ROOTS)
    assert message in str(caught.value)


def test_request_only_roots_refuse_fetched_values() -> None:
    with pytest.raises(TemplateError, match="unknown placeholder"):
        compile_template("{{result.x}}", roots=REQUEST_ROOTS)


def test_blocks_can_be_refused() -> None:
    with pytest.raises(TemplateError, match="blocks are not allowed here"):
        compile_template("{{#if query}}x{{/if}}", roots=REQUEST_ROOTS, blocks=False)
