"""python tools: loading `module:function` from external_data_tool.custom, calling it, failures; and the worked
example, business_hours."""

from __future__ import annotations

import json
import textwrap
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import external_data_tool.custom
from dify_extension.config_files import ConfigFileError, load_config_file
from dify_extension.errors import InvalidRequestError, UpstreamError
from dify_extension.protocol import ExternalDataToolParams
from external_data_tool.custom.business_hours import status_at
from external_data_tool.tools import ToolRegistry

HOURS = {"team": "Support", "timezone": "Europe/London", "opens": "09:00", "closes": "17:30"}
LONDON = ZoneInfo("Europe/London")


def params(inputs: dict[str, Any] | None = None, query: str = "") -> ExternalDataToolParams:
    return ExternalDataToolParams(app_id="app-1", tool_variable="t", inputs=inputs or {}, query=query)


def registry(tmp_path: Path, **tool: Any) -> ToolRegistry:
    path = tmp_path / "tools.json"
    path.write_text(json.dumps({"tools": {"t": {"kind": "python", **tool}}}), encoding="utf-8")
    return load_config_file(ToolRegistry, path)


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A module a user added to external_data_tool/custom/ (here in a temporary folder of that package)."""
    folder = tmp_path / "custom"
    folder.mkdir()
    (folder / "orders_example.py").write_text(
        textwrap.dedent(
            """
            import datetime
            import time

            from external_data_tool.python_tool import ToolRequest

            def lookup(request: ToolRequest) -> dict:
                order = request.inputs.get("order")
                if order == "boom":
                    raise RuntimeError(f"secret detail about {order}")
                return {"order": order, "status": request.settings["status"], "app": request.app_id,
                        "variable": request.tool_variable, "query": request.query}

            def exits(request: ToolRequest) -> str:
                raise SystemExit(f"secret detail about {request.query}")

            def interrupted(request: ToolRequest) -> str:
                raise KeyboardInterrupt

            def slow(request: ToolRequest) -> str:
                time.sleep(request.settings["sleep"])
                return "late"

            def two_arguments(request, extra):
                return ""

            def not_a_number(request: ToolRequest) -> dict:
                return {"v": [float(request.query)]}

            def with_a_date(request: ToolRequest) -> dict:
                return {"when": datetime.date(2026, 1, 2)}

            def deep(request: ToolRequest) -> list:
                nested: list = []
                for _ in range(100_000):
                    nested = [nested]
                return nested

            def cyclic(request: ToolRequest) -> list:
                loop: list = []
                loop.append(loop)
                return loop

            NOT_A_FUNCTION = 3
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(external_data_tool.custom, "__path__", [*external_data_tool.custom.__path__, str(folder)])
    return "external_data_tool.custom.orders_example"


def test_the_function_gets_the_request_and_settings(tmp_path: Path, user_module: str) -> None:
    tools = registry(
        tmp_path,
        function=f"{user_module}:lookup",
        settings={"status": "shipped"},
        template="{{result.order}} {{result.status}} {{result.app}} {{result.variable}} {{result.query}}",
    )
    assert tools.query(params({"order": "A-1"}, "where?")).result == "A-1 shipped app-1 t where?"


def test_an_exception_is_a_502_naming_only_its_type(
    tmp_path: Path, user_module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tools = registry(tmp_path, function=f"{user_module}:lookup", settings={"status": "x"})
    with pytest.raises(UpstreamError) as caught:
        tools.query(params({"order": "boom"}))
    assert (caught.value.status, str(caught.value)) == (502, "tool t: raised RuntimeError")
    assert "secret detail" not in capsys.readouterr().out


@pytest.mark.parametrize(("function", "kind"), [("exits", "SystemExit"), ("interrupted", "KeyboardInterrupt")])
def test_a_base_exception_that_is_not_an_exception_is_a_502_too(
    tmp_path: Path, user_module: str, function: str, kind: str
) -> None:
    tools = registry(tmp_path, function=f"{user_module}:{function}")
    with pytest.raises(UpstreamError) as caught:
        tools.query(params(query="where?"))
    assert (caught.value.status, str(caught.value)) == (502, f"tool t: raised {kind}")
    with_fallback = registry(tmp_path, function=f"{user_module}:{function}", fallback="no answer")
    assert with_fallback.query(params()).result == "no answer"


def test_a_result_that_is_not_json_data_is_a_502(tmp_path: Path, user_module: str) -> None:
    tools = registry(tmp_path, function=f"{user_module}:with_a_date")
    with pytest.raises(UpstreamError) as caught:
        tools.query(params())
    assert (caught.value.status, str(caught.value)) == (502, "tool t: returned a dict that is not JSON data")


@pytest.mark.parametrize("number", ["nan", "inf", "-inf"])
def test_a_result_with_nan_or_infinity_is_a_502(tmp_path: Path, user_module: str, number: str) -> None:
    tools = registry(tmp_path, function=f"{user_module}:not_a_number")
    assert tools.query(params(query="1.5")).result == '{"v": [1.5]}'
    with pytest.raises(UpstreamError) as caught:
        tools.query(params(query=number))
    assert (caught.value.status, str(caught.value)) == (502, "tool t: returned a dict that is not JSON data")


@pytest.mark.parametrize("function", ["deep", "cyclic"])
def test_a_result_nested_too_deeply_or_in_a_cycle_is_a_502(tmp_path: Path, user_module: str, function: str) -> None:
    tools = registry(tmp_path, function=f"{user_module}:{function}")
    with pytest.raises(UpstreamError) as caught:
        tools.query(params())
    assert (caught.value.status, str(caught.value)) == (502, "tool t: returned a list that is not JSON data")


def test_an_exception_with_a_fallback_answers_it(tmp_path: Path, user_module: str) -> None:
    tools = registry(
        tmp_path, function=f"{user_module}:lookup", settings={}, fallback="Order {{inputs.order}}: unknown"
    )
    assert tools.query(params({"order": "boom"})).result == "Order boom: unknown"


def test_answers_are_cached_by_the_whole_request(tmp_path: Path, user_module: str) -> None:
    tools = registry(tmp_path, function=f"{user_module}:lookup", settings={"status": "s"}, cache_ttl_seconds=60)
    first = tools.query(params({"order": "A"}, "q1")).result
    assert tools.query(params({"order": "A"}, "q1")).result == first
    assert tools.query(params({"order": "A"}, "q2")).result != first


@pytest.mark.parametrize(
    ("inputs", "query", "field"),
    [
        ({"order": "x" * 11}, "", "inputs.order"),
        ({"order": "A", "note": {"k": "x" * 5}}, "", "inputs.note"),  # {"k": "xxxxx"}: 12 characters as JSON
        ({"unused": ["x"] * 3}, "", "inputs.unused"),
        ({}, "x" * 11, "query"),
    ],
)
def test_the_query_and_every_input_are_limited_before_the_call(
    tmp_path: Path, user_module: str, inputs: dict[str, Any], query: str, field: str
) -> None:
    tools = registry(tmp_path, function=f"{user_module}:lookup", settings={"status": "s"}, max_input_chars=10)
    assert tools.query(params({"order": "x" * 10}, "y" * 10)).result
    with pytest.raises(InvalidRequestError, match=rf"^tool t: {field} is over 10 characters$"):
        tools.query(params(inputs, query))


@pytest.mark.parametrize("fallback", [None, "Hours unknown."])
def test_a_function_is_cut_at_the_budget(tmp_path: Path, user_module: str, fallback: str | None) -> None:
    tools = registry(
        tmp_path, function=f"{user_module}:slow", settings={"sleep": 2.0}, budget_seconds=0.3, fallback=fallback
    )
    started = time.monotonic()
    if fallback is None:
        with pytest.raises(UpstreamError) as caught:
            tools.query(params())
        assert (caught.value.status, str(caught.value)) == (504, "tool t: function timed out")
    else:
        assert tools.query(params()).result == fallback
    assert time.monotonic() - started < 0.3 + 0.5


def test_a_function_within_the_budget_answers(tmp_path: Path, user_module: str) -> None:
    tools = registry(tmp_path, function=f"{user_module}:slow", settings={"sleep": 0.05}, budget_seconds=2)
    assert tools.query(params()).result == "late"


def test_the_budget_is_at_most_25_seconds(tmp_path: Path, user_module: str) -> None:
    with pytest.raises(ConfigFileError, match=r"tools\.t\.budget_seconds: "):
        registry(tmp_path, function=f"{user_module}:slow", budget_seconds=26)


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("os:system", "must name a module in the function's package"),
        ("external_data_tool.tools:ToolRegistry.query", "String should match pattern"),
        ("external_data_tool.custom.nope:tool", "cannot import external_data_tool.custom.nope"),
        ("external_data_tool.custom.business_hours:nope", "external_data_tool.custom.business_hours has no function"),
        ("external_data_tool.custom.business_hours:DAYS", "has no function DAYS"),
        ("external_data_tool.custom.business_hours", "String should match pattern"),
    ],
)
def test_a_function_that_cannot_be_used_is_a_load_error(tmp_path: Path, function: str, message: str) -> None:
    with pytest.raises(ConfigFileError, match=r"tools\.t\.function: ") as caught:
        registry(tmp_path, function=function)
    assert message in str(caught.value)


def test_a_function_with_the_wrong_signature_is_a_load_error(tmp_path: Path, user_module: str) -> None:
    with pytest.raises(ConfigFileError, match=r"tools\.t\.function: the function must take one argument"):
        registry(tmp_path, function=f"{user_module}:two_arguments")


# --- the worked example ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 26, 10, 0, tzinfo=LONDON), "Support is open now (until 17:30 Europe/London)."),
        (datetime(2026, 11, 26, 8, 59, tzinfo=LONDON), "Support is closed now; opens today at 09:00 Europe/London."),
        (
            datetime(2026, 11, 26, 17, 30, tzinfo=LONDON),
            "Support is closed now; opens tomorrow at 09:00 Europe/London.",
        ),
        (datetime(2026, 11, 27, 18, 0, tzinfo=LONDON), "Support is closed now; opens Mon at 09:00 Europe/London."),
        (datetime(2026, 11, 29, 12, 0, tzinfo=LONDON), "Support is closed now; opens tomorrow at 09:00 Europe/London."),
    ],
)
def test_business_hours(now: datetime, expected: str) -> None:
    assert status_at(now, HOURS) == expected


def test_business_hours_with_no_opening_days() -> None:
    assert status_at(datetime(2026, 11, 26, 10, 0, tzinfo=LONDON), {**HOURS, "days": []}) == (
        "Support has no opening days configured."
    )


def test_business_hours_as_a_configured_tool(tmp_path: Path) -> None:
    tools = registry(tmp_path, function="external_data_tool.custom.business_hours:tool", settings=HOURS)
    assert tools.query(params()).result.startswith("Support is ")


def test_business_hours_with_an_unknown_time_zone_falls_back(tmp_path: Path) -> None:
    tools = registry(
        tmp_path,
        function="external_data_tool.custom.business_hours:tool",
        settings={**HOURS, "timezone": "Mars/Olympus"},
        fallback="Opening hours unknown.",
    )
    assert tools.query(params()).result == "Opening hours unknown."
