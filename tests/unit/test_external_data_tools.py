"""External data tools: the registry (tools, per-app tools, which file), the template kind, bad tools files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dify_extension.config_files import ConfigFileError, load_config_file
from dify_extension.errors import InvalidRequestError
from dify_extension.protocol import ExternalDataToolParams
from external_data_tool.base import TtlCache
from external_data_tool.tools import BUNDLED_TOOLS, ToolRegistry


def params(
    tool_variable: str, inputs: dict[str, Any], query: str | None = "", app_id: str = "app-1"
) -> ExternalDataToolParams:
    return ExternalDataToolParams.model_validate(
        {"app_id": app_id, "tool_variable": tool_variable, "inputs": inputs, "query": query}
    )


def write_tools(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "tools.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def registry(tmp_path: Path, **templates: str) -> ToolRegistry:
    tools = {name: {"kind": "template", "template": template} for name, template in templates.items()}
    return load_config_file(ToolRegistry, write_tools(tmp_path, {"tools": tools}))


@pytest.fixture(scope="module")
def bundled() -> ToolRegistry:
    return load_config_file(ToolRegistry, BUNDLED_TOOLS)


def test_the_bundled_file_has_the_weather_sample(bundled: ToolRegistry) -> None:
    assert list(bundled.tools) == ["weather_retrieve"]
    assert bundled.apps == {}


@pytest.mark.parametrize(
    ("template", "inputs", "query", "expected"),
    [
        pytest.param("Q={{query}}", {}, "what?", "Q=what?", id="query"),
        pytest.param("Q={{query}}", {}, None, "Q=", id="null-query"),
        pytest.param("A={{app_id}}", {}, "", "A=app-7", id="app_id"),
        pytest.param("{{ inputs.x }}|{{inputs.x}}|{{  inputs.x\t}}", {"x": "v"}, "", "v|v|v", id="spaces"),
        pytest.param("[{{ query }}] [{{ app_id }}]", {}, "q", "[q] [app-7]", id="spaced-query-app_id"),
        pytest.param("<{{inputs.missing}}>", {"other": "o"}, "", "<>", id="missing-input"),
        pytest.param("<{{inputs.none}}>", {"none": None}, "", "<>", id="null-input"),
        pytest.param("{{inputs.n}}", {"n": 3}, "", "3", id="int"),
        pytest.param("{{inputs.f}}", {"f": 2.5}, "", "2.5", id="float"),
        pytest.param("{{inputs.b}}", {"b": True}, "", "true", id="bool"),
        pytest.param("{{inputs.l}}", {"l": ["a", 1]}, "", '["a", 1]', id="list"),
        pytest.param("{{inputs.d}}", {"d": {"k": "é"}}, "", '{"k": "é"}', id="dict-unicode"),
        pytest.param("{{inputs.my-var_2}}", {"my-var_2": "ok"}, "", "ok", id="dash-underscore-digit"),
        pytest.param("{{inputs.x}}", {"x": "{{query}} \\1 $0"}, "Q", "{{query}} \\1 $0", id="no-re-expansion"),
        pytest.param("no placeholders", {"x": "y"}, "q", "no placeholders", id="plain"),
        pytest.param("{single} {{query}}", {}, "q", "{single} q", id="single-braces-kept"),
    ],
)
def test_template_rendering(
    tmp_path: Path, template: str, inputs: dict[str, Any], query: str | None, expected: str
) -> None:
    """Placeholders take the query, app id and inputs (non-strings as JSON); values are inserted literally."""
    tools = registry(tmp_path, tool=template)
    assert tools.query(params("tool", inputs, query, app_id="app-7")).result == expected


def test_each_tool_variable_picks_its_own_template(tmp_path: Path) -> None:
    """Several tools in one file: the tool_variable selects which one answers."""
    tools = registry(tmp_path, first="1:{{query}}", second="2:{{query}}")
    assert tools.query(params("first", {}, "q")).result == "1:q"
    assert tools.query(params("second", {}, "q")).result == "2:q"


def test_unknown_tool_variable_names_it_and_lists_the_configured(tmp_path: Path) -> None:
    """An unknown tool_variable is an InvalidRequestError naming it and the configured tools."""
    tools = registry(tmp_path, weather="w", stock_price="s")
    with pytest.raises(InvalidRequestError) as caught:
        tools.query(params("news_feed", {}))
    message = str(caught.value)
    assert "news_feed" in message
    assert "weather" in message
    assert "stock_price" in message


def test_unknown_tool_variable_on_the_bundled_file(bundled: ToolRegistry) -> None:
    """The bundled file's error lists weather_retrieve."""
    with pytest.raises(InvalidRequestError) as caught:
        bundled.query(params("weather", {}))
    assert "'weather'" in str(caught.value)
    assert "weather_retrieve" in str(caught.value)


def test_unknown_tool_variable_message_stays_short(tmp_path: Path) -> None:
    """A huge tool_variable is not echoed whole (Dify shows the first 100 characters of an error)."""
    tools = registry(tmp_path, weather="w")
    with pytest.raises(InvalidRequestError) as caught:
        tools.query(params("x" * 5000, {}))
    assert len(str(caught.value)) < 200


def test_empty_registry_says_none_configured(tmp_path: Path) -> None:
    """A file with no tools loads, and every query says nothing is configured."""
    tools = load_config_file(ToolRegistry, write_tools(tmp_path, {"tools": {}}))
    with pytest.raises(InvalidRequestError, match="none"):
        tools.query(params("weather", {}))


@pytest.mark.parametrize(
    ("document", "place"),
    [
        pytest.param(
            {"tools": {"t": {"kind": "template", "template": "{{secret}}"}}}, "tools.t.template", id="unknown-name"
        ),
        pytest.param(
            {"tools": {"t": {"kind": "template", "template": "ok {{ inputs }}"}}}, "tools.t.template", id="bare-inputs"
        ),
        pytest.param(
            {"tools": {"t": {"kind": "template", "template": "{{inputs.a.b}}"}}}, "tools.t.template", id="dotted"
        ),
        pytest.param(
            {"tools": {"t": {"kind": "template", "template": "{{env.AWS_SECRET_ACCESS_KEY}}"}}},
            "tools.t.template",
            id="env",
        ),
        pytest.param(
            {"tools": {"t": {"kind": "template", "template": "{{\nsecret\n}}"}}},
            "tools.t.template",
            id="unknown-name-over-lines",
        ),
        pytest.param({"tools": {"t": {"kind": "sql", "template": "x"}}}, "tools.t.kind", id="unknown-kind"),
        pytest.param({"tools": {"t": "text"}}, "tools.t", id="not-an-object"),
        pytest.param(
            {"tools": {"bad name": {"kind": "template", "template": "x"}}}, "tools.bad name.[key]", id="bad-name"
        ),
        pytest.param(
            {"tools": {}, "apps": {"app-1": {"t": {"kind": "template", "template": "{{x}}"}}}},
            "apps.app-1.t.template",
            id="app-tool",
        ),
        pytest.param(
            {"tools": {"t": {"kind": "template", "template": "x", "max_result_chars": 0}}},
            "tools.t.max_result_chars",
            id="max-result-chars",
        ),
        pytest.param({"tools": {"t": {"template": "x"}}}, "tools.t.kind", id="missing-kind"),
        pytest.param({"tools": {"t": {"kind": "template"}}}, "tools.t.template", id="missing-template"),
        pytest.param(
            {"tools": {"t": {"kind": "template", "template": "x", "url": "u"}}}, "tools.t.url", id="unknown-tool-key"
        ),
        pytest.param({"tools": {}, "version": 1}, "version", id="unknown-top-level-key"),
        pytest.param({}, "tools", id="missing-tools"),
        pytest.param("{", "(top level)", id="not-json"),
    ],
)
def test_bad_tools_file_names_the_file_and_the_place(tmp_path: Path, document: object, place: str) -> None:
    """A tools file that cannot be used raises ConfigFileError naming the file and where in it."""
    path = write_tools(tmp_path, document)
    with pytest.raises(ConfigFileError) as caught:
        load_config_file(ToolRegistry, path)
    message = str(caught.value)
    assert str(path) in message
    assert f"{place}:" in message


def test_unknown_placeholder_is_quoted_with_a_hint(tmp_path: Path) -> None:
    """The error for `{{secret}}` shows the placeholder and the ones that are allowed."""
    path = write_tools(tmp_path, {"tools": {"t": {"kind": "template", "template": "a {{secret}} b"}}})
    with pytest.raises(ConfigFileError) as caught:
        load_config_file(ToolRegistry, path)
    assert "{{secret}}" in str(caught.value)
    assert "{{inputs.NAME}}" in str(caught.value)


def test_missing_tools_file_names_the_file(tmp_path: Path) -> None:
    """A tools file that does not exist raises ConfigFileError naming it."""
    path = tmp_path / "nope.json"
    with pytest.raises(ConfigFileError) as caught:
        load_config_file(ToolRegistry, path)
    assert str(path) in str(caught.value)


def test_the_kind_error_lists_the_kinds(tmp_path: Path) -> None:
    path = write_tools(tmp_path, {"tools": {"t": {"kind": "sql"}}})
    with pytest.raises(ConfigFileError, match=r"tools\.t\.kind: unknown kind; use template, http, dynamodb, "):
        load_config_file(ToolRegistry, path)


def test_app_tools_replace_or_add_for_that_app_only(tmp_path: Path) -> None:
    """`apps.<app_id>` tools replace the same-named tool, or add one, for that app; other apps see `tools`."""
    document = {
        "tools": {"greeting": {"kind": "template", "template": "Hello"}, "faq": {"kind": "template", "template": "F"}},
        "apps": {
            "app-fr": {
                "greeting": {"kind": "template", "template": "Bonjour"},
                "menu": {"kind": "template", "template": "M"},
            }
        },
    }
    tools = load_config_file(ToolRegistry, write_tools(tmp_path, document))

    assert tools.query(params("greeting", {}, app_id="app-fr")).result == "Bonjour"
    assert tools.query(params("faq", {}, app_id="app-fr")).result == "F"
    assert tools.query(params("menu", {}, app_id="app-fr")).result == "M"
    assert tools.query(params("greeting", {}, app_id="app-en")).result == "Hello"
    with pytest.raises(InvalidRequestError, match=r"^unknown tool_variable 'menu'; configured: faq, greeting$"):
        tools.query(params("menu", {}, app_id="app-en"))
    with pytest.raises(InvalidRequestError, match=r"configured: faq, greeting, menu$"):
        tools.query(params("news", {}, app_id="app-fr"))


def test_the_result_is_capped(tmp_path: Path) -> None:
    tools = load_config_file(
        ToolRegistry,
        write_tools(tmp_path, {"tools": {"t": {"kind": "template", "template": "{{query}}", "max_result_chars": 5}}}),
    )
    assert tools.query(params("t", {}, "ab東京🌧xyz")).result == "ab東京🌧"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cache_entries_expire_after_their_ttl() -> None:
    clock = Clock()
    cache = TtlCache(ttl=60, max_entries=10, clock=clock)
    cache.put("a", "A")
    clock.now += 59.9
    assert cache.get("a") == "A"
    clock.now += 0.1
    assert cache.get("a") is None


def test_cache_drops_the_least_recently_used_beyond_its_size() -> None:
    cache = TtlCache(ttl=60, max_entries=2, clock=Clock())
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # now "b" is the least recently used
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")


def test_the_complete_example_in_the_readme_loads_and_has_every_kind() -> None:
    example = Path(__file__).resolve().parents[2] / "functions/external_data_tool/examples/external-data-tools.json"
    tools = load_config_file(ToolRegistry, example)
    document = json.loads(example.read_text(encoding="utf-8"))
    kinds = {tool["kind"] for tool in document["tools"].values()}
    assert kinds == {"template", "http", "dynamodb", "bedrock_knowledge_base", "python"}
    assert set(tools.tools) == set(document["tools"])
    assert document["apps"]
