"""The `dynamodb` kind: GetItem or Query on a table fixed in config, with key values from the request.

Request values are only ever key *values* (typed S or N as configured), passed as expression values, never as
names or expressions: the table, index and attribute names come from config alone.
"""

import base64
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from dify_extension.protocol import ExternalDataToolParams
from external_data_tool.aws import aws_call, aws_client
from external_data_tool.base import RetryingTool, Scope, compile_at, config_error
from external_data_tool.templates import REQUEST_ROOTS, Template

TABLE_NAME = r"^[A-Za-z0-9_.\-]{3,255}$"
# DynamoDB's range for numbers (besides zero).
SMALLEST_NUMBER = Decimal("1E-130")
NUMBER_LIMIT = Decimal("1E+126")
SORT_OPERATORS = {"=": "#sk = :sk", "<": "#sk < :sk", "<=": "#sk <= :sk", ">": "#sk > :sk", ">=": "#sk >= :sk"}


def _storable(number: Decimal) -> bool:
    """A number DynamoDB can hold (else no item can have it, and DynamoDB would refuse the request): finite, at most
    38 significant digits, magnitude 1E-130 to below 1E+126, or zero."""
    if not number.is_finite():
        return False
    if number.is_zero():
        return True
    return len(number.normalize().as_tuple().digits) <= 38 and SMALLEST_NUMBER <= abs(number) < NUMBER_LIMIT


class KeyValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    type: Literal["S", "N"] = "S"
    value: str
    """Request placeholders and fixed text, e.g. "{{inputs.order_id}}" or "ORDER#{{inputs.order_id}}"."""


class NamedKey(KeyValue):
    name: str = Field(min_length=1, max_length=255)


class SortKeyCondition(NamedKey):
    op: Literal["=", "<", "<=", ">", ">=", "begins_with"] = "="


class QuerySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    partition_key: NamedKey
    sort_key: SortKeyCondition | None = None
    index: str | None = Field(default=None, pattern=TABLE_NAME)
    limit: int = Field(default=10, ge=1, le=100)
    newest_first: bool = False
    """Sort key descending (ScanIndexForward false)."""


class DynamoDbTool(RetryingTool):
    """`key` for GetItem ({{result}} is the item, or empty) or `query` for Query ({{result}} is a list of items)."""

    kind: Literal["dynamodb"]
    table: str = Field(pattern=TABLE_NAME)
    region: str | None = None
    key: dict[str, KeyValue] | None = Field(default=None, min_length=1, max_length=2)
    query: QuerySpec | None = None
    consistent_read: bool = False
    timeout_seconds: float = Field(default=3.0, gt=0, le=25)
    retries: int = Field(default=1, ge=0, le=5)

    _values: dict[tuple[str | int, ...], Template] = PrivateAttr()
    _lookup_fields: frozenset[str] = PrivateAttr()

    @model_validator(mode="after")
    def _compile_keys(self) -> Self:
        if (self.key is None) == (self.query is None):
            raise config_error((), "give exactly one of key (GetItem) or query (Query)")
        self._values = {}
        for loc, value in self._key_values():
            self._values[loc] = compile_at((*loc, "value"), value.value, roots=REQUEST_ROOTS, blocks=False)
        self._lookup_fields = frozenset(field for value in self._values.values() for field in value.request_fields)
        return self

    def _key_values(self) -> list[tuple[tuple[str | int, ...], KeyValue]]:
        if self.query is None:
            return [(("key", name), value) for name, value in (self.key or {}).items()]
        keys: list[tuple[tuple[str | int, ...], KeyValue]] = [(("query", "partition_key"), self.query.partition_key)]
        if self.query.sort_key is not None:
            keys.append((("query", "sort_key"), self.query.sort_key))
        return keys

    def lookup_fields(self) -> frozenset[str]:
        return self._lookup_fields

    def _attribute(self, loc: tuple[str | int, ...], key: KeyValue, scope: Scope) -> dict[str, str] | None:
        """The typed key value, or None when the request's value cannot match anything (empty, not a number)."""
        text = self._values[loc].render(scope).strip()
        if not text:
            return None
        if key.type == "N":
            try:
                number = Decimal(text)
            except InvalidOperation:
                return None
            if not _storable(number):
                return None
            text = str(number)
        return {key.type: text}

    def fetch(self, scope: Scope, params: ExternalDataToolParams) -> Scope:
        deadline = self.deadline()  # before the client: boto3's first import counts within the budget
        values = {loc: self._attribute(loc, key, scope) for loc, key in self._key_values()}
        if any(value is None for value in values.values()):
            return {"result": [] if self.query is not None else None}
        client = aws_client("dynamodb", self.region, self.timeout_seconds)
        if self.key is not None:
            arguments: dict[str, Any] = {
                "TableName": self.table,
                "Key": {name: values[("key", name)] for name in self.key},
                "ConsistentRead": self.consistent_read,
            }
            call = partial(aws_call, "dynamodb", client.get_item, **arguments)
            response = self.with_retries(lambda _timeout: call(), deadline, whole_timeout=True, service="dynamodb")
            item = response.get("Item")
            return {"result": None if item is None else _plain(item)}
        return {"result": self._query(client, values, deadline)}

    def _query(
        self, client: Any, values: dict[tuple[str | int, ...], dict[str, str] | None], deadline: float
    ) -> list[dict[str, Any]]:
        if self.query is None:
            return []
        arguments: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": self.query.partition_key.name},
            "ExpressionAttributeValues": {":pk": values[("query", "partition_key")]},
            "Limit": self.query.limit,
            "ScanIndexForward": not self.query.newest_first,
            "ConsistentRead": self.consistent_read,
        }
        if self.query.index is not None:
            arguments["IndexName"] = self.query.index
        if self.query.sort_key is not None:
            sort = self.query.sort_key
            condition = "begins_with(#sk, :sk)" if sort.op == "begins_with" else SORT_OPERATORS[sort.op]
            arguments["KeyConditionExpression"] += f" AND {condition}"
            arguments["ExpressionAttributeNames"]["#sk"] = sort.name
            arguments["ExpressionAttributeValues"][":sk"] = values[("query", "sort_key")]
        call = partial(aws_call, "dynamodb", client.query, **arguments)
        response = self.with_retries(lambda _timeout: call(), deadline, whole_timeout=True, service="dynamodb")
        return [_plain(item) for item in response.get("Items", [])]


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as JSON-like values: numbers as int or float, sets as lists, binary as base64 text."""
    # boto3 is loaded by now: the client exists.
    from boto3.dynamodb.types import TypeDeserializer  # type: ignore[import-untyped]  # noqa: PLC0415

    deserializer = TypeDeserializer()
    return {name: _json_like(deserializer.deserialize(value)) for name, value in item.items()}


def _json_like(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _json_like(inner) for key, inner in value.items()}
    if isinstance(value, list | set | frozenset):
        items = [_json_like(inner) for inner in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if hasattr(value, "value") and isinstance(value.value, bytes):  # boto3's Binary
        return base64.b64encode(value.value).decode()
    return value
