"""Both handlers fed random API Gateway (payload 2.0) events: methods, headers, keys, base64, invalid UTF-8, random
and deeply nested JSON, huge strings, Dify-shaped envelopes with random params, and event parts of the wrong type.

Whatever comes in: never a 500 (nor a 503: the key is readable), always JSON, every error body at most 100
characters as sent and without the key or what the user wrote, and neither in the logs. Example counts come from
the Hypothesis profile (tests/conftest.py): `make test` runs a few, `make fuzz` thousands.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dify_extension.protocol import Point
from local_api.events import LambdaContext, http_api_event
from tests.handlers.conftest import FUNCTIONS, Handler, load_handler
from tests.tools.fake_upstream import FakeUpstream, Reply, fake_upstream

KEY = "fuzz-key-0123456789abcdef"
USER = "Zq7-user-wrote-this"
"""Planted in every text the user controls (inputs, query, text): it may come back only in a 200 moderation answer."""
MAX_ERROR_BODY = 100
PATHS = {"moderation": "/moderation", "external_data_tool": "/external-data-tool"}
EXPECTED = {
    "moderation": {200, 400, 401, 405},
    "external_data_tool": {200, 400, 401, 405, 502, 504},  # 502/504: a tool's upstream failed, as designed
}
TOOLS = ["echo", "api", "missing_tool"]

# Hypothesis marks tests decorated with @given; these call a @given function inside, so they say it themselves
# (`make fuzz` runs every test marked so).
pytestmark = pytest.mark.hypothesis

# --- strategies ------------------------------------------------------------------------------------------------------

user_text = st.text(max_size=30).map(lambda text: f"{text}{USER}{text[::-1]}")


def json_of(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )


json_values = json_of(user_text)
"""What the user may have written: the values of inputs, query and text."""
other_text = st.text(max_size=40).filter(lambda text: USER not in text)
"""Text the user did not write (a replayed example could otherwise spell the marker)."""
any_json = json_of(other_text)
"""Anything, where Dify puts no user text (the point, the envelope's shape)."""
huge_text = st.sampled_from([10_000, 300_000, 1_100_000]).map(lambda size: (USER + "x" * 97) * (size // 116))
nested = st.sampled_from([50, 199, 250, 10_000]).map(lambda depth: "[" * depth + "]" * depth)
control_text = st.text(st.characters(max_codepoint=0x9F, categories=["Cc"]) | st.sampled_from("'\"\\é"), max_size=90)
"""Characters JSON escapes (\u0001 takes 6): echoed in an error, they make the body longer than its message."""
point = st.sampled_from([*(p.value for p in Point), "", "app.moderation"]) | other_text | control_text
params = st.fixed_dictionaries(
    {},
    optional={
        "app_id": other_text | any_json,  # Dify's app id: logged, never the user's text
        "inputs": st.dictionaries(st.text(max_size=10), json_values | huge_text, max_size=5) | json_values,
        "query": user_text | st.none() | huge_text | json_values,
        "text": user_text | huge_text | json_values,
        "tool_variable": st.sampled_from(TOOLS) | other_text | control_text,
    },
)
envelope = st.fixed_dictionaries({}, optional={"point": point | any_json, "params": params | json_values})


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["envelope", "envelope", "echoed", "json", "binary", "nested", "nested-params"]))
    if kind == "echoed":  # a known point with names the answer may echo
        name = draw(control_text.filter(lambda text: len(text) >= 20))
        shape = {"app_id": "a", "inputs": {}, "text": "t", "tool_variable": name}
        return json.dumps(
            {"point": draw(st.sampled_from([name, Point.EXTERNAL_DATA_TOOL_QUERY])), "params": shape}
        ).encode()
    if kind == "envelope":
        return json.dumps(draw(envelope), ensure_ascii=draw(st.booleans())).encode()
    if kind == "json":
        return json.dumps(draw(any_json)).encode()
    if kind == "binary":
        return draw(st.binary(max_size=200))
    if kind == "nested":
        return draw(nested).encode()
    shape = {"point": draw(st.sampled_from([p.value for p in Point])), "params": {"app_id": "a", "inputs": {}}}
    return json.dumps(shape).replace('"inputs": {}', f'"inputs": {{"x": {draw(nested)}}}').encode()


@st.composite
def events(draw: st.DrawFn, path: str) -> Any:
    # Mostly what Dify sends (POST, the key), so that most examples reach the points; sometimes anything.
    method = draw(st.sampled_from(["POST"] * 8 + ["GET", "HEAD"]))
    authorization: str | None = f"Bearer {KEY}"
    if draw(st.integers(0, 4)) == 0:
        method = draw(st.sampled_from(["PUT", "DELETE", "OPTIONS"]) | st.text(max_size=12))
    if draw(st.integers(0, 4)) == 0:
        authorization = draw(
            st.sampled_from([f"bearer {KEY}", f"Bearer {KEY}x", "Bearer", "Basic x"]) | st.text(max_size=40) | st.none()
        )
    headers = draw(st.dictionaries(st.text("abcdefghijklmnop-", min_size=1, max_size=12), st.text(max_size=30)))
    if authorization is not None:
        headers["authorization"] = authorization
    event = http_api_event(method, path, headers=headers, body=draw(bodies()))
    if draw(st.integers(0, 9)) == 0 and not event["isBase64Encoded"] and "body" in event:
        event["body"] = base64.b64encode(event["body"].encode()).decode()
        event["isBase64Encoded"] = True
    if draw(st.integers(0, 9)) == 0:
        event["isBase64Encoded"] = True  # a body that is not base64
    if draw(st.integers(0, 7)) == 0:  # a part of a shape API Gateway never sends
        part = draw(st.sampled_from(["event", "requestContext", "http", "headers", "authorization", "body"]))
        wrong = draw(st.sampled_from([None, 7, [1], "text", {"a": 1}, b"bytes"]))
        if part == "event":
            return wrong
        if part == "http":
            event["requestContext"]["http"] = wrong
        elif part == "authorization":
            event["headers"]["authorization"] = wrong
        else:
            event[part] = wrong
    return event


# --- the handlers ----------------------------------------------------------------------------------------------------


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with fake_upstream() as server:
        server.default = Reply(json={"v": "from the api"})
        yield server


@pytest.fixture
def handlers(
    secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch, upstream: FakeUpstream, tmp_path: Path
) -> dict[str, Handler]:
    secrets.create_secret(Name=secret_name, SecretString=KEY)
    tools = {
        "tools": {
            "echo": {"kind": "template", "template": "{{query}} / {{inputs.x}}"},
            "api": {
                "kind": "http",
                "steps": [{"url": f"{upstream.url}/items/{{{{inputs.id}}}}", "query": {"q": "{{query}}"}}],
                "template": "{{result.v}}",
                "timeout_seconds": 1,
                "budget_seconds": 2,
            },
        }
    }
    tools_file = tmp_path / "tools.json"
    tools_file.write_text(json.dumps(tools), encoding="utf-8")
    return {
        "moderation": load_handler("moderation", monkeypatch, API_KEY_SECRET_ID=secret_name),
        "external_data_tool": load_handler(
            "external_data_tool", monkeypatch, API_KEY_SECRET_ID=secret_name, EXTERNAL_DATA_TOOLS_FILE=str(tools_file)
        ),
    }


def check_answer(package: str, response: dict[str, Any], logged: str) -> None:
    status = response["statusCode"]
    assert status in EXPECTED[package], response
    assert response["headers"]["Content-Type"] == "application/json"
    body = json.loads(response["body"])
    assert isinstance(body, dict)
    assert KEY not in response["body"]
    assert KEY not in logged
    assert USER not in logged
    if status == 200:
        if package == "external_data_tool":
            assert set(body) == {"result"} and isinstance(body["result"], str)
        elif body != {"result": "pong"}:
            assert isinstance(body["flagged"], bool) and body["action"] in ("direct_output", "overridden")
    else:
        assert len(response["body"]) <= MAX_ERROR_BODY, response["body"]
        assert set(body) == {"error"} and isinstance(body["error"], str)
        assert USER not in response["body"]


@pytest.mark.parametrize("package", ["moderation", "external_data_tool"])
def test_any_event_gets_a_short_json_answer_and_nothing_leaks(
    package: str, handlers: dict[str, Handler], capsys: pytest.CaptureFixture[str]
) -> None:
    handler = handlers[package]
    context = LambdaContext(package, timeout_seconds=FUNCTIONS[package].timeout_seconds)
    capsys.readouterr()

    @given(event=events(PATHS[package]))
    def check(event: Any) -> None:
        response = handler(event, context)
        check_answer(package, response, capsys.readouterr().out)

    check()
