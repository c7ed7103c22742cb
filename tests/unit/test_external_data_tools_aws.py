"""dynamodb tools on moto (in-process) and bedrock_knowledge_base tools with botocore's Stubber (moto has no
bedrock-agent-runtime), plus how botocore's failures become tool failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from moto import mock_aws

from dify_extension.config_files import ConfigFileError, load_config_file
from dify_extension.errors import InvalidRequestError, UpstreamError
from dify_extension.protocol import ExternalDataToolParams
from external_data_tool.aws import aws_call, aws_client
from external_data_tool.base import ToolFailure
from external_data_tool.tools import ToolRegistry

REGION = "us-east-1"


def params(inputs: dict[str, Any] | None = None, query: str = "") -> ExternalDataToolParams:
    return ExternalDataToolParams(app_id="app-1", tool_variable="t", inputs=inputs or {}, query=query)


def registry(tmp_path: Path, **tool: Any) -> ToolRegistry:
    path = tmp_path / "tools.json"
    path.write_text(json.dumps({"tools": {"t": tool}}), encoding="utf-8")
    return load_config_file(ToolRegistry, path)


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and a region, no endpoint overrides; clients made afresh for each test."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    aws_client.cache_clear()
    yield
    aws_client.cache_clear()


# --- dynamodb -------------------------------------------------------------------------------------------------------

ORDER_TEMPLATE = (
    "{{#if result}}Order {{result.order_id}}: {{result.status | status}}, total {{result.total}}, "
    "items {{result.items}}{{else}}No order {{inputs.order_id}}.{{/if}}"
)


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName="orders",
            KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(
            TableName="orders",
            Item={
                "order_id": {"S": "A-1"},
                "status": {"S": "SHIPPED"},
                "total": {"N": "12.50"},
                "items": {"L": [{"S": "tea"}, {"N": "2"}]},
            },
        )
        client.create_table(
            TableName="events",
            KeySchema=[
                {"AttributeName": "customer", "KeyType": "HASH"},
                {"AttributeName": "at", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "customer", "AttributeType": "N"},
                {"AttributeName": "at", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for at, what in [("2026-10-01", "signed up"), ("2026-11-02", "paid"), ("2026-11-20", "asked"), ("2027", "x")]:
            client.put_item(TableName="events", Item={"customer": {"N": "42"}, "at": {"S": at}, "what": {"S": what}})
        client.put_item(
            TableName="events", Item={"customer": {"N": "7"}, "at": {"S": "2026-11-03"}, "what": {"S": "z"}}
        )
        yield client


def orders_tool(tmp_path: Path, **changes: Any) -> ToolRegistry:
    tool = {
        "kind": "dynamodb",
        "table": "orders",
        "key": {"order_id": {"value": "{{inputs.order_id}}"}},
        "template": ORDER_TEMPLATE,
        "labels": {"status": {"SHIPPED": "on its way"}},
        **changes,
    }
    return registry(tmp_path, **tool)


def test_get_item_renders_the_item(tmp_path: Path, dynamodb: Any) -> None:
    answer = orders_tool(tmp_path).query(params({"order_id": "A-1"}))
    assert answer.result == 'Order A-1: on its way, total 12.5, items ["tea", 2]'


@pytest.mark.parametrize("order_id", ["B-9", "", "orders", "A-1' OR '1'='1", "#pk = :pk", "../events"])
def test_get_item_of_anything_else_finds_nothing(tmp_path: Path, dynamodb: Any, order_id: str) -> None:
    """Values are only ever key values: no other table, item or expression is reachable."""
    answer = orders_tool(tmp_path).query(params({"order_id": order_id}))
    assert answer.result == f"No order {order_id}."


def test_a_number_key_that_is_not_a_number_finds_nothing(tmp_path: Path, dynamodb: Any) -> None:
    tool = {
        "kind": "dynamodb",
        "table": "events",
        "query": {"partition_key": {"name": "customer", "type": "N", "value": "{{inputs.customer}}"}},
        "template": "{{#each result}}{{item.what}};{{/each}}",
    }
    tools = registry(tmp_path, **tool)
    assert tools.query(params({"customer": "42"})).result == "signed up;paid;asked;x;"
    for value in ("forty-two", "NaN", "Infinity", "42 OR 1=1", "", "1e400", "1e-200", "1." + "1" * 40):
        assert tools.query(params({"customer": value})).result == ""


def test_query_with_a_sort_key_condition_newest_first_and_a_limit(tmp_path: Path, dynamodb: Any) -> None:
    tool = {
        "kind": "dynamodb",
        "table": "events",
        "query": {
            "partition_key": {"name": "customer", "type": "N", "value": "{{inputs.customer}}"},
            "sort_key": {"name": "at", "op": "begins_with", "value": "2026-{{inputs.month}}"},
            "limit": 1,
            "newest_first": True,
        },
        "template": "{{#each result}}{{item.at}} {{item.what}} ({{item.customer}}){{/each}}",
    }
    tools = registry(tmp_path, **tool)
    assert tools.query(params({"customer": "42", "month": "11"})).result == "2026-11-20 asked (42)"


@pytest.mark.parametrize(
    ("op", "expected"), [("<", "signed up;"), ("<=", "signed up;paid;"), (">", "asked;x;"), (">=", "paid;asked;x;")]
)
def test_sort_key_comparisons(tmp_path: Path, dynamodb: Any, op: str, expected: str) -> None:
    tool = {
        "kind": "dynamodb",
        "table": "events",
        "query": {
            "partition_key": {"name": "customer", "type": "N", "value": "42"},
            "sort_key": {"name": "at", "op": op, "value": "{{inputs.at}}"},
        },
        "template": "{{#each result}}{{item.what}};{{/each}}",
    }
    assert registry(tmp_path, **tool).query(params({"at": "2026-11-02"})).result == expected


def test_a_missing_table_is_a_502_or_the_fallback(tmp_path: Path, dynamodb: Any) -> None:
    with pytest.raises(UpstreamError) as caught:
        orders_tool(tmp_path, table="nope").query(params({"order_id": "A-1"}))
    assert (caught.value.status, str(caught.value)) == (502, "tool t: dynamodb ResourceNotFoundException")
    answer = orders_tool(tmp_path, table="nope", fallback="Orders are offline.").query(params({"order_id": "A-1"}))
    assert answer.result == "Orders are offline."


def test_a_too_long_key_value_is_refused(tmp_path: Path, dynamodb: Any) -> None:
    with pytest.raises(InvalidRequestError, match=r"^tool t: inputs\.order_id is over 256 characters$"):
        orders_tool(tmp_path).query(params({"order_id": "A" * 257}))


def test_answers_are_cached_by_key(tmp_path: Path, dynamodb: Any) -> None:
    tools = orders_tool(tmp_path, cache_ttl_seconds=60)
    assert tools.query(params({"order_id": "A-1"})).result.startswith("Order A-1: on its way")
    dynamodb.update_item(
        TableName="orders",
        Key={"order_id": {"S": "A-1"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "LOST"}},
    )
    assert tools.query(params({"order_id": "A-1"})).result.startswith("Order A-1: on its way")
    assert orders_tool(tmp_path).query(params({"order_id": "A-1"})).result.startswith("Order A-1: LOST")


@pytest.mark.parametrize(
    ("changes", "place"),
    [
        pytest.param({"query": {"partition_key": {"name": "p", "value": "v"}}}, "tools.t", id="key-and-query"),
        pytest.param({"key": None}, "tools.t", id="neither"),
        pytest.param({"table": "{{inputs.table}}"}, "tools.t.table", id="table-placeholder"),
        pytest.param({"key": {"order_id": {"value": "{{result.x}}"}}}, "tools.t.key.order_id.value", id="result"),
        pytest.param({"key": {"order_id": {"value": "x", "type": "B"}}}, "tools.t.key.order_id.type", id="type"),
        pytest.param({"key": {}}, "tools.t.key", id="empty-key"),
    ],
)
def test_bad_dynamodb_tools_are_load_errors(tmp_path: Path, changes: dict[str, Any], place: str) -> None:
    with pytest.raises(ConfigFileError, match=rf"{place.replace('.', '[.]')}: "):
        orders_tool(tmp_path, **changes)


# --- bedrock_knowledge_base -----------------------------------------------------------------------------------------

KB_ID = "KB12345678"


def chunk(text: str, score: float, location: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"text": text}, "score": score, "location": location, "metadata": {"page": 1}}


RESULTS = [
    chunk("Refunds take 5 days.", 0.82, {"type": "S3", "s3Location": {"uri": "s3://docs/refunds.pdf"}}),
    chunk("Shipping is free.", 0.61, {"type": "WEB", "webLocation": {"url": "https://example.com/shipping"}}),
    chunk("Unrelated.", 0.2, {"type": "S3", "s3Location": {"uri": "s3://docs/other.pdf"}}),
]


@pytest.fixture
def bedrock() -> Iterator[Stubber]:
    client = aws_client("bedrock-agent-runtime", None, 5.0)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def kb_tool(tmp_path: Path, **changes: Any) -> ToolRegistry:
    return registry(tmp_path, **{"kind": "bedrock_knowledge_base", "knowledge_base_id": KB_ID, **changes})


def expected_retrieve(query: str, results: int = 5) -> dict[str, Any]:
    return {
        "knowledgeBaseId": KB_ID,
        "retrievalQuery": {"text": query},
        "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": results}},
    }


def test_retrieve_renders_chunks_with_their_sources(tmp_path: Path, bedrock: Stubber) -> None:
    bedrock.add_response("retrieve", {"retrievalResults": RESULTS}, expected_retrieve("refund time?", 3))
    answer = kb_tool(tmp_path, number_of_results=3, min_score=0.5).query(params(query="refund time?"))
    assert answer.result == (
        "[1] Refunds take 5 days.\nSource: s3://docs/refunds.pdf\n\n"
        "[2] Shipping is free.\nSource: https://example.com/shipping\n\n"
    )


def test_a_custom_template_sees_score_and_metadata(tmp_path: Path, bedrock: Stubber) -> None:
    bedrock.add_response("retrieve", {"retrievalResults": RESULTS[:1]}, expected_retrieve("q"))
    tools = kb_tool(tmp_path, template="{{#each result}}{{item.score}} p{{item.metadata.page}}{{/each}}")
    assert tools.query(params(query="q")).result == "0.82 p1"


def test_an_empty_query_retrieves_nothing(tmp_path: Path, bedrock: Stubber) -> None:
    tools = kb_tool(tmp_path, template="{{#if result}}found{{else}}Ask a question.{{/if}}")
    assert tools.query(params(query="  ")).result == "Ask a question."


def test_throttling_is_retried(tmp_path: Path, bedrock: Stubber) -> None:
    bedrock.add_client_error("retrieve", "ThrottlingException", http_status_code=429)
    bedrock.add_response("retrieve", {"retrievalResults": RESULTS[:1]}, expected_retrieve("q"))
    assert kb_tool(tmp_path).query(params(query="q")).result.startswith("[1] Refunds take 5 days.")


def test_access_denied_is_a_502_without_retry(tmp_path: Path, bedrock: Stubber) -> None:
    bedrock.add_client_error("retrieve", "AccessDeniedException", "not you", http_status_code=403)
    with pytest.raises(UpstreamError) as caught:
        kb_tool(tmp_path).query(params(query="q"))
    assert (caught.value.status, str(caught.value)) == (502, "tool t: bedrock-agent-runtime AccessDeniedException")


def test_a_query_over_the_limit_is_refused(tmp_path: Path, bedrock: Stubber) -> None:
    with pytest.raises(InvalidRequestError, match=r"^tool t: query is over 1000 characters$"):
        kb_tool(tmp_path).query(params(query="q" * 1001))


@pytest.mark.parametrize(
    ("changes", "place"),
    [
        pytest.param({"knowledge_base_id": "kb/../other"}, "tools.t.knowledge_base_id", id="id"),
        pytest.param({"min_score": 2}, "tools.t.min_score", id="score"),
        pytest.param({"number_of_results": 0}, "tools.t.number_of_results", id="results"),
        pytest.param({"template": "{{item.text}}"}, "tools.t.template", id="item-outside-each"),
    ],
)
def test_bad_knowledge_base_tools_are_load_errors(tmp_path: Path, changes: dict[str, Any], place: str) -> None:
    with pytest.raises(ConfigFileError, match=rf"{place.replace('.', '[.]')}: "):
        kb_tool(tmp_path, **changes)


# --- botocore's failures --------------------------------------------------------------------------------------------


def raising(error: Exception) -> Any:
    def call() -> None:
        raise error

    return call


@pytest.mark.parametrize(
    ("error", "cause", "retryable", "timed_out"),
    [
        (ReadTimeoutError(endpoint_url="https://x"), "svc timed out", True, True),
        (ConnectTimeoutError(endpoint_url="https://x"), "svc timed out", True, True),
        (EndpointConnectionError(endpoint_url="https://x"), "svc unreachable (EndpointConnectionError)", True, False),
    ],
)
def test_botocore_errors_become_tool_failures(error: Exception, cause: str, retryable: bool, timed_out: bool) -> None:
    with pytest.raises(ToolFailure) as caught:
        aws_call("svc", raising(error))
    assert (caught.value.cause, caught.value.retryable, caught.value.timed_out) == (cause, retryable, timed_out)
