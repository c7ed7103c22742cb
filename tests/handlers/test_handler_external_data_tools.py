"""The external data tool function through its Lambda handler, as Dify calls it: tools from EXTERNAL_DATA_TOOLS_FILE,
the weather sample against a fake Open-Meteo, upstream failures as short 502/504 JSON or a fallback, a DynamoDB
tool on the moto server, and a cold path that never imports boto3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local_api.events import LambdaContext, dify_event, http_api_event
from tests.authoring.conftest import run_make
from tests.handlers.conftest import FUNCTIONS, ROOT, Handler, call, load_handler
from tests.tools.fake_upstream import FakeUpstream, Reply, dripping_server, weather_tools_file

KEY = "tools-handler-key-0123456789"
PATH = "/external-data-tool"
MAX_ERROR_BODY = 100  # Dify shows the first 100 characters of an error body


def query(tool_variable: str, inputs: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    params = {"app_id": "app-1", "tool_variable": tool_variable, "inputs": inputs, "query": text}
    return {"point": "app.external_data_tool.query", "params": params}


@pytest.fixture
def tools_handler(secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Loads the function with a tools file written by the test."""
    secrets.create_secret(Name=secret_name, SecretString=KEY)

    def load(tools_file: Path, **environment: str) -> Handler:
        return load_handler(
            "external_data_tool",
            monkeypatch,
            API_KEY_SECRET_ID=secret_name,
            EXTERNAL_DATA_TOOLS_FILE=str(tools_file),
            **environment,
        )

    yield load


def write(tmp_path: Path, tools: dict[str, Any]) -> Path:
    path = tmp_path / "tools.json"
    path.write_text(json.dumps({"tools": tools}), encoding="utf-8")
    return path


def test_make_query_prints_the_error_body_the_endpoint_sends(tools_handler: Any, tmp_path: Path) -> None:
    """An unknown tool among many: the message lists them all, the body is cut to what Dify shows, in both."""
    tools = write(
        tmp_path, {f"tool_number_{number:02d}": {"kind": "template", "template": "x"} for number in range(20)}
    )
    headers = {"content-type": "application/json", "authorization": f"Bearer {KEY}"}
    event = http_api_event("POST", PATH, headers=headers, body=json.dumps(query("nope", {})).encode())
    response = tools_handler(tools)(event, LambdaContext("test"))
    assert (response["statusCode"], len(response["body"]) <= MAX_ERROR_BODY) == (400, True)
    assert response["body"].endswith('..."}')
    done = run_make("query", "TOOL=nope", f"TOOLS={tools}")
    assert done.stdout.splitlines()[0] == response["body"]
    assert "tool_number_19" in done.stderr  # the whole message, on stderr


def test_weather_sample_against_a_fake_open_meteo(
    tools_handler: Any, weather_upstream: FakeUpstream, tmp_path: Path
) -> None:
    handler = tools_handler(weather_tools_file(tmp_path, weather_upstream.url))
    status, body = call(handler, PATH, query("weather_retrieve", {"location": "London"}, "Umbrella?"), KEY)
    assert status == 200
    assert body["result"].startswith("City: London, United Kingdom\nWeather: Slight rain\nTemperature: 10.3°C\n")


def test_a_relative_tools_file_is_read_from_the_current_directory(
    tools_handler: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"hello": {"kind": "template", "template": "Hi {{inputs.name}}"}})
    monkeypatch.chdir(tmp_path)
    handler = tools_handler(Path("tools.json"))
    assert call(handler, PATH, query("hello", {"name": "Ada"}), KEY) == (200, {"result": "Hi Ada"})


@pytest.mark.parametrize(
    ("reply", "status", "error"),
    [
        (Reply(503, {}), 502, "tool t: upstream status 503"),
        (Reply(json={}, delay=1.0), 504, "tool t: upstream timed out"),
        (Reply(body=b"not json"), 502, "tool t: upstream response is not JSON"),
        *(
            (Reply(body=body), 502, "tool t: upstream response is not JSON")
            for body in (b'{"v":NaN}', b'{"v":Infinity}', b'{"v":-Infinity}', b'{"v":1e400}', b"[1E+400]")
        ),
    ],
)
def test_an_upstream_failure_is_a_short_json_error(
    tools_handler: Any, weather_upstream: FakeUpstream, tmp_path: Path, reply: Reply, status: int, error: str
) -> None:
    weather_upstream.routes["/api/A-1"] = reply
    tool = {
        "kind": "http",
        "steps": [{"url": f"{weather_upstream.url}/api/{{{{inputs.id}}}}"}],
        "timeout_seconds": 0.2,
        "budget_seconds": 0.5,
        "retries": 1,
    }
    handler = tools_handler(write(tmp_path, {"t": tool}))
    response = handler(
        http_api_event(
            "POST",
            PATH,
            headers={"content-type": "application/json", "authorization": f"Bearer {KEY}"},
            body=json.dumps(query("t", {"id": "A-1"})).encode(),
        ),
        LambdaContext("test"),
    )
    assert response["statusCode"] == status
    assert len(response["body"]) <= MAX_ERROR_BODY
    assert json.loads(response["body"]) == {"error": error}
    assert weather_upstream.url.split("//")[1] not in response["body"]


def test_an_upstream_that_drips_headers_is_a_504_within_the_budget(tools_handler: Any, tmp_path: Path) -> None:
    with dripping_server(b"HTTP/1.1 200 OK\r\n", b"X-Drip: 1\r\n", every=0.2, for_seconds=5.0) as address:
        tool = {"kind": "http", "steps": [{"url": f"http://{address}/x"}], "timeout_seconds": 1, "budget_seconds": 1}
        handler = tools_handler(write(tmp_path, {"t": tool}))
        started = time.monotonic()
        answer = call(handler, PATH, query("t", {}), KEY)
        elapsed = time.monotonic() - started
    assert answer == (504, {"error": "tool t: upstream timed out"})
    assert elapsed < 1 + 0.5


def test_the_functions_remaining_time_bounds_a_larger_budget(tools_handler: Any, tmp_path: Path) -> None:
    """Lambda's time left, less the answer margin, caps the tool's budget: the function answers before its timeout,
    whatever ran before in the request."""
    with dripping_server(b"HTTP/1.1 200 OK\r\n", b"X-Drip: 1\r\n", every=0.2, for_seconds=5.0) as address:
        tool = {"kind": "http", "steps": [{"url": f"http://{address}/x"}], "timeout_seconds": 5, "budget_seconds": 10}
        handler = tools_handler(write(tmp_path, {"t": tool}))
        started = time.monotonic()
        response = handler(dify_event(PATH, query("t", {}), KEY), LambdaContext("test", timeout_seconds=1.5))
        elapsed = time.monotonic() - started
    assert (response["statusCode"], json.loads(response["body"])) == (504, {"error": "tool t: upstream timed out"})
    assert elapsed < 1.5


def test_an_upstream_failure_with_a_fallback_is_a_200(
    tools_handler: Any, weather_upstream: FakeUpstream, tmp_path: Path
) -> None:
    weather_upstream.routes["/api"] = Reply(500, {})
    tool = {"kind": "http", "steps": [{"url": f"{weather_upstream.url}/api"}], "retries": 0, "fallback": "Try later."}
    handler = tools_handler(write(tmp_path, {"t": tool}))
    assert call(handler, PATH, query("t", {}), KEY) == (200, {"result": "Try later."})


def test_a_value_over_the_limit_is_a_400(tools_handler: Any, weather_upstream: FakeUpstream, tmp_path: Path) -> None:
    handler = tools_handler(weather_tools_file(tmp_path, weather_upstream.url))
    status, body = call(handler, PATH, query("weather_retrieve", {"location": "x" * 257}), KEY)
    assert (status, body) == (400, {"error": "tool weather_retrieve: inputs.location is over 256 characters"})
    assert weather_upstream.seen == []


def test_a_bad_tools_file_fails_the_function_at_load(tools_handler: Any, tmp_path: Path) -> None:
    path = write(tmp_path, {"t": {"kind": "http", "steps": [{"url": "https://{{inputs.host}}/x"}]}})
    with pytest.raises(ValueError, match=r"tools\.t\.steps\.0\.url: placeholders and user info are not allowed"):
        tools_handler(path)


def test_a_dynamodb_tool(tools_handler: Any, tmp_path: Path, moto_endpoint: str) -> None:
    """DynamoDB on the moto server, found as boto3 finds any endpoint override: AWS_ENDPOINT_URL_DYNAMODB."""
    table = f"customers-{uuid.uuid4().hex[:8]}"
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(
        TableName=table, Item={"email": {"S": "ada@example.com"}, "name": {"S": "Ada"}, "tier": {"S": "gold"}}
    )
    tool = {
        "kind": "dynamodb",
        "table": table,
        "key": {"email": {"value": "{{inputs.email}}"}},
        "template": "{{#if result}}{{result.name}} ({{result.tier}}){{else}}unknown customer{{/if}}",
    }
    handler = tools_handler(write(tmp_path, {"customer": tool}), AWS_ENDPOINT_URL_DYNAMODB=moto_endpoint)

    assert call(handler, PATH, query("customer", {"email": "ada@example.com"}), KEY) == (200, {"result": "Ada (gold)"})
    assert call(handler, PATH, query("customer", {"email": "eve@example.com"}), KEY) == (
        200,
        {"result": "unknown customer"},
    )


COLD_PATH = """
import json, sys
from external_data_tool import handler
from dify_extension.protocol import ExternalDataToolParams
params = ExternalDataToolParams(app_id="a", tool_variable="weather_retrieve", inputs={"location": "London"}, query="")
result = handler.query(params).result
print(json.dumps({"result": result, "aws": sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore"))}))
"""


def test_the_default_cold_path_never_imports_boto3(weather_upstream: FakeUpstream, tmp_path: Path) -> None:
    """A fresh interpreter, as Lambda starts one: load the function and answer the weather sample over http."""
    spec = FUNCTIONS["external_data_tool"]
    python_path = [*map(str, spec.layer_dirs), str(spec.code_uri)]
    environ = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    environ.update(
        PYTHONPATH=os.pathsep.join(python_path),
        EXTERNAL_DATA_TOOLS_FILE=str(weather_tools_file(tmp_path, weather_upstream.url)),
        API_KEY_SECRET_ID="",
        AWS_REGION="us-east-1",
    )
    completed = subprocess.run(
        [sys.executable, "-c", COLD_PATH], env=environ, cwd=ROOT, capture_output=True, text=True, check=True
    )
    outcome = json.loads(completed.stdout.splitlines()[-1])
    assert outcome["result"].startswith("City: London, United Kingdom\n")
    # Powertools imports botocore's package root (its __init__, ~1 ms) to set its user agent; the SDK's machinery
    # (boto3, botocore.session, clients, service models) is what costs ~0.3-0.4 s.
    assert outcome["aws"] == ["botocore"]
