"""http tools against upstreams on loopback: the weather sample, encoding and safety, failures, retries, caching,
and header values from Secrets Manager (moto)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import pytest

from dify_extension.config_files import ConfigFileError, load_config_file
from dify_extension.errors import InvalidRequestError, UpstreamError
from dify_extension.protocol import ExternalDataToolParams
from external_data_tool.http_tool import JSON_MAX_DEPTH
from external_data_tool.tools import BUNDLED_TOOLS, ToolRegistry
from local_api.environment import lambda_runtime
from tests.tools.fake_upstream import (
    FakeUpstream,
    Reply,
    dripping_server,
    fake_upstream,
    serve_open_meteo,
    weather_tools_file,
)

LONDON = (
    "City: London, United Kingdom\nWeather: Slight rain\nTemperature: 10.3°C\nRealFeel: 8.1°C\nHumidity: 81%\n"
    "Wind Speed: 8.2 km/h\nWind Gusts: 14.4 km/h\nWind Direction: 68°\nPrecipitation: 0.2 mm"
)
FAST = {"timeout_seconds": 0.3, "budget_seconds": 1.0, "retries": 2}


def params(tool_variable: str = "t", inputs: dict[str, Any] | None = None, query: str = "") -> ExternalDataToolParams:
    return ExternalDataToolParams(app_id="app-1", tool_variable=tool_variable, inputs=inputs or {}, query=query)


def registry(tmp_path: Path, **tool: Any) -> ToolRegistry:
    path = tmp_path / "tools.json"
    path.write_text(json.dumps({"tools": {"t": {"kind": "http", **FAST, **tool}}}), encoding="utf-8")
    return load_config_file(ToolRegistry, path)


def one_step(url: str, **step: Any) -> list[dict[str, Any]]:
    return [{"url": url, **step}]


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with fake_upstream() as server:
        yield server


@pytest.fixture
def weather(upstream: FakeUpstream, tmp_path: Path) -> ToolRegistry:
    serve_open_meteo(upstream)
    return load_config_file(ToolRegistry, weather_tools_file(tmp_path, upstream.url))


# --- the weather sample ---------------------------------------------------------------------------------------------


def test_bundled_weather_tool_calls_open_meteo_over_https() -> None:
    """The shipped file asks the real Open-Meteo (tests and the bench swap the URLs in a copy)."""
    steps = json.loads(BUNDLED_TOOLS.read_text(encoding="utf-8"))["tools"]["weather_retrieve"]["steps"]
    assert [step["url"] for step in steps] == [
        "https://geocoding-api.open-meteo.com/v1/search",
        "https://api.open-meteo.com/v1/forecast",
    ]


def test_weather_geocodes_then_renders_the_forecast(weather: ToolRegistry, upstream: FakeUpstream) -> None:
    answer = weather.query(params("weather_retrieve", {"location": "London"}, "Do I need an umbrella?"))

    assert answer.result == LONDON
    geocoding, forecast = upstream.seen
    assert (geocoding.method, geocoding.query["name"], geocoding.query["count"]) == ("GET", ["London"], ["1"])
    assert (forecast.query["latitude"], forecast.query["longitude"]) == (["51.50853"], ["-0.12574"])
    assert "weather_code" in forecast.query["current"][0]


def test_weather_encodes_a_non_ascii_place(weather: ToolRegistry, upstream: FakeUpstream) -> None:
    answer = weather.query(params("weather_retrieve", {"location": "東京"}))
    assert answer.result.startswith("City: 東京, Japan\n")
    assert "%E6%9D%B1%E4%BA%AC" in upstream.seen[0].path


def test_weather_for_an_unknown_place_says_so_without_a_forecast(weather: ToolRegistry, upstream: FakeUpstream) -> None:
    answer = weather.query(params("weather_retrieve", {"location": "Atlantis"}))
    assert answer.result == 'No weather found: Open-Meteo does not know the place "Atlantis".'
    assert [seen.path.split("?")[0] for seen in upstream.seen] == ["/v1/search"]


@pytest.mark.parametrize("inputs", [{}, {"location": ""}, {"location": "   "}, {"location": None}])
def test_weather_without_a_location_asks_for_one_and_calls_nothing(
    weather: ToolRegistry, upstream: FakeUpstream, inputs: dict[str, Any]
) -> None:
    answer = weather.query(params("weather_retrieve", inputs))
    assert answer.result == 'No weather: this app sent no location (fill in its "location" input).'
    assert upstream.seen == []


def test_weather_answers_are_cached_per_location(weather: ToolRegistry, upstream: FakeUpstream) -> None:
    for location in ("London", "London", "東京", "London"):
        weather.query(params("weather_retrieve", {"location": location}, query=f"a different question {location}"))
    assert [seen.query["name"] for seen in upstream.seen if "name" in seen.query] == [["London"], ["東京"]]


def test_weather_falls_back_when_open_meteo_is_down(tmp_path: Path) -> None:
    with fake_upstream() as gone:
        url = gone.url
    tools = load_config_file(ToolRegistry, weather_tools_file(tmp_path, url, **FAST))
    answer = tools.query(params("weather_retrieve", {"location": "London"}))
    assert answer.result == "City: London\nWeather: not available right now (the weather service did not answer)."


# --- requests: encoding, and what user values can never change ------------------------------------------------------

HOSTILE = [
    "../../admin",
    "..",
    "http://evil.example/x",
    "@evil.example",
    "evil.example:80/x",
    "a\r\nHost: evil.example\r\n\r\nGET /admin",
    "%2F..%2Fadmin",
    "?admin=1#frag",
    "a b&c=d;e",
    "ünïcödé/東京",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_user_values_stay_data_in_path_query_and_body(tmp_path: Path, upstream: FakeUpstream, value: str) -> None:
    """Each value arrives as one path segment, one query value and one body string: never a new host, path level,
    parameter or header."""
    upstream.default = Reply(json={"ok": True})
    tools = registry(
        tmp_path,
        steps=[
            {"url": f"{upstream.url}/v1/items/{{{{inputs.id}}}}"},
            {
                "method": "POST",
                "url": f"{upstream.url}/v1/echo",
                "query": {"q": "{{query}}"},
                "body": {"v": "{{query}}"},
            },
        ],
    )
    if value == "..":
        with pytest.raises(InvalidRequestError, match=r"tool t: .*'\.\.'"):
            tools.query(params(inputs={"id": value}, query=value))
        assert upstream.seen == []
        return

    tools.query(params(inputs={"id": value}, query=value))

    item, echo = upstream.seen
    segments = item.path.split("?")[0].split("/")
    assert segments[:3] == ["", "v1", "items"]
    assert len(segments) == 4
    assert unquote(segments[3]) == value
    assert "evil.example" not in item.headers.get("host", "")
    assert echo.query == {"q": [value]}
    assert json.loads(echo.body) == {"v": value}


@pytest.mark.parametrize(
    ("step", "value"),
    [
        pytest.param({"url": "/items/{{inputs.v}}"}, {"k": "x" * 5000}, id="object-in-path"),
        pytest.param({"url": "/x", "query": {"q": "{{inputs.v}}"}}, 10**300, id="number-in-query"),
        pytest.param({"url": "/x", "method": "POST", "body": {"v": "{{inputs.v}}"}}, ["x"] * 3000, id="list-in-body"),
    ],
)
def test_every_value_is_limited_by_its_text_length_whatever_its_type(
    tmp_path: Path, upstream: FakeUpstream, step: dict[str, Any], value: Any
) -> None:
    tools = registry(tmp_path, steps=[{**step, "url": upstream.url + step["url"]}])
    with pytest.raises(InvalidRequestError, match=r"^tool t: inputs\.v is over 256 characters$"):
        tools.query(params(inputs={"v": value}))
    assert upstream.seen == []


def test_a_too_long_value_is_refused_before_any_request(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.default = Reply(json={"ok": True})
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/x", query={"q": "{{inputs.q}}"}), max_input_chars=10)
    tools.query(params(inputs={"q": "x" * 10}))
    with pytest.raises(InvalidRequestError, match=r"^tool t: inputs\.q is over 10 characters$"):
        tools.query(params(inputs={"q": "x" * 11}))
    assert len(upstream.seen) == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://{{inputs.host}}/x", "scheme or host"),
        ("https://api.example.com{{inputs.path}}", "scheme or host"),
        ("https://api.example.com:{{inputs.port}}/x", "scheme or host"),
        ("{{inputs.url}}", "absolute"),
        ("https://{{query}}@api.example.com/x", "scheme or host"),
        ("https://user@api.example.com/x", "user info"),
        ("ftp://api.example.com/x", "absolute"),
        ("https://api.example.com/x?q={{query}}", "query"),
        ("https://api.example.com/x#{{query}}", "query"),
        ("https://api.example.com/{{result.x}}", "unknown placeholder"),
        ("https://api.example.com/{{steps.later.x}}", "unknown placeholder"),
    ],
)
def test_placeholders_only_in_the_path_checked_at_load(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigFileError, match=rf"tools\.t\.steps\.0\.url: .*{message}"):
        registry(tmp_path, steps=one_step(url))


@pytest.mark.parametrize(
    ("tool", "place"),
    [
        pytest.param({"steps": []}, "tools.t.steps", id="no-steps"),
        pytest.param(
            {"steps": one_step("https://a.example/x", query={"q": "{{#if query}}x{{/if}}"})},
            "tools.t.steps.0.query.q",
            id="block-in-query",
        ),
        pytest.param({"steps": one_step("https://a.example/x", pick="[[")}, "tools.t.steps.0.pick", id="bad-pick"),
        pytest.param(
            {"steps": one_step("https://a.example/x", headers={"X-A": "a\r\nX-B: b"})},
            "tools.t.steps.0.headers",
            id="header-crlf",
        ),
        pytest.param(
            {"steps": one_step("https://a.example/x", headers={"Host": "evil.example"})},
            "tools.t.steps.0.headers",
            id="host-header",
        ),
        pytest.param(
            {"steps": one_step("https://a.example/x", headers={"A": {"secret": "s", "format": "Bearer"}})},
            "tools.t.steps.0.headers.A.SecretHeader.format",
            id="secret-format",
        ),
        pytest.param(
            {"steps": one_step("https://a.example/x", headers={"X-Api-Key": "{{inputs.u}}"})},
            "tools.t.steps.0.headers.X-Api-Key",
            id="header-placeholder",
        ),
        pytest.param(
            {"steps": one_step("https://a.example/x", headers={"A": {"secret": "s", "format": "{value} {{query}}"}})},
            "tools.t.steps.0.headers.A.format",
            id="secret-format-placeholder",
        ),
        pytest.param({"steps": one_step("https://a.example/x", body={"a": 1})}, "tools.t.steps.0", id="get-body"),
        pytest.param(
            {"steps": [{"name": "a", "url": "https://a.example/"}, {"name": "a", "url": "https://a.example/"}]},
            "tools.t.steps.1.name",
            id="duplicate-step",
        ),
        pytest.param({"steps": one_step("https://a.example/x"), "template": "{{steps.x}}"}, "tools.t.template", id="t"),
        pytest.param(
            {"steps": one_step("https://a.example/x"), "fallback": "{{result}}"}, "tools.t.fallback", id="fallback"
        ),
        pytest.param(
            {"steps": one_step("https://a.example/x"), "timeout_seconds": 5, "budget_seconds": 2},
            "tools.t.budget_seconds",
            id="budget",
        ),
        pytest.param(
            {"steps": one_step("https://a.example/x"), "budget_seconds": 60}, "tools.t.budget_seconds", id="over-25s"
        ),
        pytest.param({"steps": one_step("https://a.example/x"), "retry": 1}, "tools.t.retry", id="unknown-key"),
    ],
)
def test_bad_http_tools_are_load_errors_naming_the_place(tmp_path: Path, tool: dict[str, Any], place: str) -> None:
    with pytest.raises(ConfigFileError, match=rf"{place.replace('.', '[.]')}: "):
        registry(tmp_path, **tool)


def test_pick_and_template_with_labels_and_each(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.routes["/orders"] = Reply(json={"data": {"orders": [{"id": 7, "s": "P"}, {"id": 9, "s": "S"}]}})
    tools = registry(
        tmp_path,
        steps=one_step(f"{upstream.url}/orders", pick="data.orders[?s != 'X']"),
        template="{{#each result}}{{index}}. #{{item.id}} {{item.s | status}}\n{{/each}}",
        labels={"status": {"P": "paid", "S": "shipped"}},
    )
    assert tools.query(params()).result == "1. #7 paid\n2. #9 shipped\n"


def test_post_body_keeps_the_types_of_single_placeholders(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.routes["/first"] = Reply(json={"n": 3, "tags": ["a", "b"]})
    upstream.routes["/second"] = Reply(json={"ok": "yes"})
    tools = registry(
        tmp_path,
        steps=[
            {"name": "first", "url": f"{upstream.url}/first"},
            {
                "method": "POST",
                "url": f"{upstream.url}/second",
                "body": {"n": "{{steps.first.n}}", "tags": "{{steps.first.tags}}", "text": "n={{steps.first.n}}"},
            },
        ],
        template="{{result.ok}}",
    )
    assert tools.query(params()).result == "yes"
    assert json.loads(upstream.seen[1].body) == {"n": 3, "tags": ["a", "b"], "text": "n=3"}
    assert upstream.seen[1].headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ({"$gt": ""}, '{"$gt": ""}'),
        (["a", {"$ne": 1}], '["a", {"$ne": 1}]'),
        (42, "42"),
        (True, "true"),
        (None, ""),
        ("text", "text"),
    ],
)
def test_request_values_are_always_json_strings_in_a_body(
    tmp_path: Path, upstream: FakeUpstream, value: Any, sent: str
) -> None:
    """A user's value cannot become a JSON object (a NoSQL operator such as {"$gt": ""}), a number or a list."""
    upstream.default = Reply(json={"ok": True})
    body = {"n": "{{inputs.n}}", "q": "{{query}}", "app": "{{app_id}}", "list": ["{{inputs.n}}"]}
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/find", method="POST", body=body))
    tools.query(params(inputs={"n": value}, query="hello"))
    assert json.loads(upstream.seen[0].body) == {"n": sent, "q": "hello", "app": "app-1", "list": [sent]}


def test_the_result_is_cut_to_max_result_chars_on_a_character(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.routes["/x"] = Reply(json="東京🌧" * 10)
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/x"), max_result_chars=4)
    assert tools.query(params()).result == "東京🌧東"


# --- failures -------------------------------------------------------------------------------------------------------


def failure(tools: ToolRegistry) -> UpstreamError:
    with pytest.raises(UpstreamError) as caught:
        tools.query(params())
    return caught.value


def test_a_slow_upstream_is_a_504_within_the_budget(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.routes["/slow"] = Reply(json={}, delay=2.0)
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/slow"))

    started = time.monotonic()
    error = failure(tools)
    elapsed = time.monotonic() - started

    assert (error.status, str(error)) == (504, "tool t: upstream timed out")
    assert elapsed < FAST["budget_seconds"] + 0.3
    assert 2 <= len(upstream.seen) <= 3  # retried, but only as far as the budget goes


JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
DRIPS = {
    "body": (JSON_HEAD + b"Content-Length: 100000\r\n\r\n", b" "),
    "headers": (b"HTTP/1.1 200 OK\r\n", b"X-Drip: 1\r\n"),
    "status-line": (b"HTTP/1.1 ", b"2"),
    "tls-handshake": (b"\x16\x03\x03\x40\x00", b"\x00"),  # a TLS record that never completes
}


@pytest.mark.parametrize("fallback", [None, "Later."])
@pytest.mark.parametrize("drip", DRIPS)
def test_an_upstream_that_drips_is_cut_at_the_budget(tmp_path: Path, drip: str, fallback: str | None) -> None:
    """Bytes every 0.2 s never trip a 1 s per-read timeout: only a deadline per attempt and per lookup ends it."""
    head, piece = DRIPS[drip]
    scheme = "https" if drip == "tls-handshake" else "http"
    with dripping_server(head, piece, every=0.2, for_seconds=5.0) as address:
        tools = registry(
            tmp_path,
            steps=one_step(f"{scheme}://{address}/x"),
            timeout_seconds=0.6,
            budget_seconds=1.0,
            retries=1,
            fallback=fallback,
        )
        started = time.monotonic()
        if fallback is None:
            error = failure(tools)
            assert (error.status, str(error)) == (504, "tool t: upstream timed out")
        else:
            assert tools.query(params()).result == fallback
        elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 0.5


def test_a_chunked_response_is_read_through_the_deadline_reader(tmp_path: Path) -> None:
    chunked = JSON_HEAD + b'Transfer-Encoding: chunked\r\n\r\n4\r\n{"v"\r\n4\r\n: 7}\r\n0\r\n\r\n'
    with dripping_server(chunked, b"", every=0.1, for_seconds=2.0) as address:
        tools = registry(tmp_path, steps=one_step(f"http://{address}/x"), template="{{result.v}}")
        assert tools.query(params()).result == "7"


def test_each_attempt_is_cut_at_its_timeout_then_retried(tmp_path: Path) -> None:
    head, piece = DRIPS["body"]
    with dripping_server(head, piece, every=0.1, for_seconds=5.0) as address:
        tools = registry(
            tmp_path, steps=one_step(f"http://{address}/x"), timeout_seconds=0.4, budget_seconds=2.0, retries=1
        )
        started = time.monotonic()
        error = failure(tools)
        elapsed = time.monotonic() - started
    assert error.status == 504
    assert 0.8 <= elapsed < 0.8 + 0.2 + 0.5  # two attempts of 0.4 s and one backoff, not the 2 s budget


def test_a_slow_upstream_with_a_fallback_answers_the_fallback(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.routes["/slow"] = Reply(json={}, delay=2.0)
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/slow"), fallback="No data for {{inputs.id}} now.")
    assert tools.query(params(inputs={"id": "A-1"})).result == "No data for A-1 now."


def test_a_5xx_is_retried_then_succeeds(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.routes["/flaky"] = [Reply(503, {"e": 1}), Reply(500, {"e": 2}), Reply(json={"v": "fine"})]
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/flaky"), template="{{result.v}}")
    assert tools.query(params()).result == "fine"
    assert len(upstream.seen) == 3


def test_a_5xx_that_persists_is_a_502_after_the_retries(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.routes["/down"] = Reply(500, {"secret": "upstream-internal-detail"})
    error = failure(registry(tmp_path, steps=one_step(f"{upstream.url}/down")))
    assert (error.status, str(error)) == (502, "tool t: upstream status 500")
    assert len(upstream.seen) == 1 + FAST["retries"]


@pytest.mark.parametrize("status", [400, 401, 404])
def test_a_4xx_is_a_502_without_retry(tmp_path: Path, upstream: FakeUpstream, status: int) -> None:
    upstream.routes["/x"] = Reply(status, {})
    error = failure(registry(tmp_path, steps=one_step(f"{upstream.url}/x")))
    assert (error.status, str(error)) == (502, f"tool t: upstream status {status}")
    assert len(upstream.seen) == 1


def timed_route(replies: list[Reply], times: list[float]) -> Any:
    """A route answering `replies` in turn (the last repeating) and noting when each request arrived."""

    def route(_seen: Any) -> Reply:
        times.append(time.monotonic())
        return replies[min(len(times), len(replies)) - 1]

    return route


def test_a_429_is_retried_then_succeeds(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.routes["/busy"] = [Reply(429, {}), Reply(json={"v": "served"})]
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/busy"), template="{{result.v}}")
    assert tools.query(params()).result == "served"
    assert len(upstream.seen) == 2


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_honoured_when_it_fits(tmp_path: Path, upstream: FakeUpstream, status: int) -> None:
    """The retry waits what the upstream asked (0.6 s here, three times the first backoff)."""
    times: list[float] = []
    upstream.routes["/busy"] = timed_route(
        [Reply(status, {}, headers={"Retry-After": "1"}), Reply(json={"v": "served"})], times
    )
    tools = registry(
        tmp_path,
        steps=one_step(f"{upstream.url}/busy"),
        template="{{result.v}}",
        timeout_seconds=0.5,
        budget_seconds=3.0,
    )
    assert tools.query(params()).result == "served"
    assert len(times) == 2
    assert times[1] - times[0] >= 0.95


def test_retry_after_as_an_http_date_is_honoured(tmp_path: Path, upstream: FakeUpstream) -> None:
    from email.utils import format_datetime

    times: list[float] = []
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    upstream.routes["/busy"] = timed_route([Reply(429, {}, headers={"Retry-After": when}), Reply(json="ok")], times)
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/busy"), timeout_seconds=0.5, budget_seconds=4.0)
    assert tools.query(params()).result == "ok"
    # An HTTP date has whole seconds: at least one second later, whatever the rounding.
    assert times[1] - times[0] >= 0.95


@pytest.mark.parametrize("fallback", [None, "busy, try later"])
def test_retry_after_beyond_the_budget_ends_the_retries_at_once(
    tmp_path: Path, upstream: FakeUpstream, fallback: str | None
) -> None:
    """Asked to wait longer than the budget allows, the tool does not retry early: it fails now (502 or fallback)."""
    upstream.routes["/busy"] = Reply(429, {}, headers={"Retry-After": "120"})
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/busy"), fallback=fallback)
    started = time.monotonic()
    if fallback is None:
        error = failure(tools)
        assert (error.status, str(error)) == (502, "tool t: upstream status 429")
    else:
        assert tools.query(params()).result == fallback
    assert time.monotonic() - started < 0.5
    assert len(upstream.seen) == 1


@pytest.mark.parametrize("header", ["soon", "-5", "1.5", ""])
def test_an_unreadable_retry_after_falls_back_to_the_backoff(
    tmp_path: Path, upstream: FakeUpstream, header: str
) -> None:
    upstream.routes["/busy"] = [Reply(429, {}, headers={"Retry-After": header}), Reply(json="ok")]
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/busy"))
    assert tools.query(params()).result == "ok"


@pytest.mark.parametrize("fallback", [None, "no data"])
@pytest.mark.parametrize("depth", [250, 1000, 100_000])
def test_json_nested_too_deeply_is_an_upstream_failure(
    tmp_path: Path, upstream: FakeUpstream, depth: int, fallback: str | None
) -> None:
    """[[[...]]] a thousand deep from an upstream is the tool's failure (502 or its fallback), not a crash."""
    upstream.routes["/deep"] = Reply(body=b"[" * depth + b"]" * depth)
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/deep"), fallback=fallback)
    if fallback is None:
        error = failure(tools)
        assert (error.status, str(error)) == (502, "tool t: upstream response nested too deeply")
    else:
        assert tools.query(params()).result == fallback


def test_json_nested_up_to_the_limit_is_rendered(tmp_path: Path, upstream: FakeUpstream) -> None:
    """What the parser accepts, the templates and JMESPath can walk and render."""
    depth = JSON_MAX_DEPTH - 1  # and the object around them
    upstream.routes["/deep"] = Reply(body=b'{"a":' + b"[" * depth + b'"x"' + b"]" * depth + b"}")
    tools = registry(
        tmp_path,
        steps=one_step(f"{upstream.url}/deep", pick="{a: a, n: length(a)}"),
        template="{{result.n}} {{result.a}}",
    )
    assert tools.query(params()).result == "1 " + "[" * depth + '"x"' + "]" * depth


@pytest.mark.parametrize("fallback", [None, "no such item"])
@pytest.mark.parametrize("value", ["..", "."])
def test_a_dot_segment_from_an_earlier_step_is_the_upstreams_failure(
    tmp_path: Path, upstream: FakeUpstream, value: str, fallback: str | None
) -> None:
    """A '..' an upstream gives for a later step's path is that upstream's failure (502 or fallback), not the
    user's 400; nothing is sent with it."""
    upstream.routes["/find"] = Reply(json={"id": value})
    tools = registry(
        tmp_path,
        steps=[
            {"name": "find", "url": f"{upstream.url}/find"},
            {"url": f"{upstream.url}/items/{{{{steps.find.id}}}}"},
        ],
        fallback=fallback,
    )
    if fallback is None:
        error = failure(tools)
        assert (error.status, str(error)) == (502, "tool t: an earlier step gave '.' or '..' for a URL path")
    else:
        assert tools.query(params()).result == fallback
    assert [seen.path for seen in upstream.seen] == ["/find"]


def test_an_unreachable_upstream_is_a_502(tmp_path: Path) -> None:
    with fake_upstream() as gone:
        url = gone.url
    error = failure(registry(tmp_path, steps=one_step(f"{url}/x")))
    assert (error.status, str(error)) == (502, "tool t: upstream unreachable (ConnectionRefusedError)")


@pytest.mark.parametrize("declare_length", [True, False])
def test_an_oversized_response_is_a_502(tmp_path: Path, upstream: FakeUpstream, declare_length: bool) -> None:
    upstream.routes["/big"] = Reply(body=b'"' + b"x" * 5000 + b'"', declare_length=declare_length)
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/big"), max_response_bytes=1000)
    error = failure(tools)
    assert (error.status, str(error)) == (502, "tool t: upstream response over 1000 bytes")


def test_a_response_that_is_not_json_is_a_502(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.routes["/html"] = Reply(body=b"<html>oops</html>")
    error = failure(registry(tmp_path, steps=one_step(f"{upstream.url}/html")))
    assert (error.status, str(error)) == (502, "tool t: upstream response is not JSON")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed(tmp_path: Path, upstream: FakeUpstream, status: int) -> None:
    upstream.routes["/moved"] = Reply(status, {}, headers={"Location": f"{upstream.url}/elsewhere"})
    upstream.routes["/elsewhere"] = Reply(json="followed")
    error = failure(registry(tmp_path, steps=one_step(f"{upstream.url}/moved")))
    assert (error.status, str(error)) == (502, f"tool t: upstream redirected ({status}); redirects are not followed")
    assert [seen.path for seen in upstream.seen] == ["/moved"]


def test_failures_are_not_cached(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.routes["/x"] = [Reply(404, {}), Reply(json="ok")]
    tools = registry(tmp_path, steps=one_step(f"{upstream.url}/x"), cache_ttl_seconds=60, fallback="later")
    assert [tools.query(params()).result for _ in range(3)] == ["later", "ok", "ok"]
    assert len(upstream.seen) == 2


# --- header values from Secrets Manager -----------------------------------------------------------------------------

TOKEN = "upstream-token-d0e5f1"


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Secrets Manager on moto, found as Lambda finds it (the environment); a boto3 client to fill it."""
    for name, value in lambda_runtime(region="us-east-1", aws_endpoint=moto_endpoint, log_level="INFO").items():
        monkeypatch.setenv(name, value)
    return boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name="us-east-1")


def secret_tool(tmp_path: Path, upstream: FakeUpstream, header: dict[str, Any], **tool: Any) -> ToolRegistry:
    return registry(tmp_path, steps=one_step(f"{upstream.url}/api", headers={"Authorization": header}), **tool)


def test_a_header_from_a_json_secret(tmp_path: Path, upstream: FakeUpstream, aws: Any) -> None:
    name = f"test/upstream-{uuid.uuid4().hex[:8]}"
    arn = aws.create_secret(Name=name, SecretString=json.dumps({"token": TOKEN}))["ARN"]
    upstream.routes["/api"] = Reply(json="ok")
    tools = secret_tool(tmp_path, upstream, {"secret": arn, "key": "token", "format": "Bearer {value}"})

    assert [tools.query(params()).result for _ in range(2)] == ["ok", "ok"]
    assert [seen.headers["authorization"] for seen in upstream.seen] == [f"Bearer {TOKEN}"] * 2


def test_the_secret_is_cached_for_its_ttl(tmp_path: Path, upstream: FakeUpstream, aws: Any) -> None:
    name = f"test/upstream-{uuid.uuid4().hex[:8]}"
    aws.create_secret(Name=name, SecretString="first")
    upstream.routes["/api"] = Reply(json="ok")
    tools = secret_tool(tmp_path, upstream, {"secret": name})
    tools.query(params())
    aws.put_secret_value(SecretId=name, SecretString="second")
    tools.query(params())
    assert [seen.headers["authorization"] for seen in upstream.seen] == ["first", "first"]


def test_a_failing_upstream_never_shows_the_secret(
    tmp_path: Path, upstream: FakeUpstream, aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"test/upstream-{uuid.uuid4().hex[:8]}"
    aws.create_secret(Name=name, SecretString=TOKEN)
    upstream.routes["/api"] = Reply(401, {"error": f"bad token {TOKEN}"})
    error = failure(secret_tool(tmp_path, upstream, {"secret": name}))
    assert (error.status, str(error)) == (502, "tool t: upstream status 401")
    assert TOKEN not in capsys.readouterr().out


def test_a_slow_secrets_manager_counts_within_the_budget(
    tmp_path: Path, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_upstream() as secrets_manager:
        secrets_manager.routes["/"] = Reply(json={"SecretString": TOKEN}, delay=3.0)
        for name, value in lambda_runtime(
            region="us-east-1", aws_endpoint=secrets_manager.url, log_level="INFO"
        ).items():
            monkeypatch.setenv(name, value)
        upstream.routes["/api"] = Reply(json="ok")
        tools = secret_tool(tmp_path, upstream, {"secret": "s"}, timeout_seconds=0.5, budget_seconds=0.8)
        started = time.monotonic()
        error = failure(tools)
        elapsed = time.monotonic() - started
    assert (error.status, str(error)) == (504, "tool t: upstream credentials unavailable (timed out)")
    assert elapsed < 0.8 + 0.5
    assert upstream.seen == []


@pytest.mark.parametrize(
    ("secret_string", "header", "cause"),
    [
        (None, {}, "upstream credentials unavailable (ResourceNotFoundException)"),
        ("plain", {"key": "token"}, "upstream credentials unavailable (no text key 'token' in the secret)"),
        ('{"other": "x"}', {"key": "token"}, "upstream credentials unavailable (no text key 'token' in the secret)"),
        ("a\r\nX-Injected: 1", {}, "upstream credentials unusable (line break in the secret)"),
    ],
)
def test_an_unusable_secret_is_a_502_naming_no_value(
    tmp_path: Path, upstream: FakeUpstream, aws: Any, secret_string: str | None, header: dict[str, Any], cause: str
) -> None:
    name = f"test/upstream-{uuid.uuid4().hex[:8]}"
    if secret_string is not None:
        aws.create_secret(Name=name, SecretString=secret_string)
    upstream.routes["/api"] = Reply(json="ok")
    error = failure(secret_tool(tmp_path, upstream, {"secret": name, **header}))
    assert (error.status, str(error)) == (502, f"tool t: {cause}")
    assert upstream.seen == []
