"""What template.yaml's alarms and dashboard watch, read from the template as written (short tags in long form),
rendered for one stack name: parameters at their defaults, resources and other pseudo parameters as <Name>.

A metric is (namespace, name, its dimensions as a frozenset of (name, value)); a dashboard SEARCH is the schema
(namespace and dimension names), the metric name and the dimension values it filters on; a Metrics Insights query
(SELECT) is the schema, the metric name and the dimensions it groups by.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_api.template import FunctionSpec, load_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
ALARM_TYPE = "AWS::CloudWatch::Alarm"
AWS_NAMESPACE_PREFIX = "AWS/"
STACK = "dify-extension"
"""The stack name a check renders the template for, unless it names another (samconfig.toml's default)."""

Metric = tuple[str, str, frozenset[tuple[str, str]]]


@dataclass(frozen=True)
class Search:
    namespace: str
    dimensions: frozenset[str]
    metric: str
    filters: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Insights:
    namespace: str
    dimensions: frozenset[str]
    metric: str
    group_by: tuple[str, ...]


def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def alarms(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in document["Resources"].items() if r["Type"] == ALARM_TYPE}


def render(node: Any, parameters: Mapping[str, Any], *, stack: str = STACK, alarms_on: bool = True) -> Any:
    """A template value as CloudFormation renders it in stack `stack`: Ref and Fn::Sub of AWS::StackName and of
    parameters (at their defaults) computed, Fn::Join joined, Fn::If on AlarmsOn decided by `alarms_on`; resources
    and other pseudo parameters as <Name>, Fn::GetAtt as <Name.Attribute>."""

    def again(item: Any) -> Any:
        return render(item, parameters, stack=stack, alarms_on=alarms_on)

    def value(name: str) -> str:
        if name == "AWS::StackName":
            return stack
        return str(parameters[name]["Default"]) if name in parameters else f"<{name}>"

    if isinstance(node, list):
        return [again(item) for item in node]
    if not isinstance(node, dict) or len(node) != 1:
        return node
    ((function, argument),) = node.items()
    if function in ("Ref", "Fn::GetAtt"):
        return value(argument if function == "Ref" else ".".join(argument))
    if function == "Fn::If":
        condition, when_true, when_false = argument
        assert condition == "AlarmsOn", condition
        return again(when_true if alarms_on else when_false)
    if function == "Fn::Join":
        separator, parts = argument
        return str(separator).join(again(part) for part in parts)
    assert function == "Fn::Sub", f"unexpected {function}"
    text, variables = (argument, {}) if isinstance(argument, str) else argument
    given = {name: again(variable) for name, variable in variables.items()}
    return re.sub(r"\$\{([^!}][^}]*)\}", lambda match: str(given.get(match[1], value(match[1]))), text)


def _dimensions(dimensions: list[Mapping[str, Any]], stack: str) -> frozenset[tuple[str, str]]:
    return frozenset((d["Name"], str(render(d["Value"], {}, stack=stack))) for d in dimensions)


def alarm_metrics(alarm: Mapping[str, Any], *, stack: str = STACK) -> list[Metric]:
    """Every metric the alarm reads in stack `stack`: its one metric, or each MetricStat of its metric math."""
    properties = alarm["Properties"]
    metrics = (
        [properties]
        if "MetricName" in properties
        else [query["MetricStat"]["Metric"] for query in properties["Metrics"] if "MetricStat" in query]
    )
    return [
        (render(m["Namespace"], {}, stack=stack), m["MetricName"], _dimensions(m.get("Dimensions", []), stack))
        for m in metrics
    ]


def metrics_namespace(function: FunctionSpec, *, stack: str = STACK) -> str:
    """The namespace the function's metrics go to in stack `stack` (its POWERTOOLS_METRICS_NAMESPACE)."""
    return str(render(function.environment["POWERTOOLS_METRICS_NAMESPACE"], {}, stack=stack))


def is_custom(metric: Metric) -> bool:
    return not metric[0].startswith(AWS_NAMESPACE_PREFIX)


def dashboard_body(document: Mapping[str, Any], *, alarms_on: bool = True, stack: str = STACK) -> dict[str, Any]:
    """The dashboard's JSON as CloudFormation renders it in stack `stack` (see render)."""
    (dashboard,) = (r for r in document["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard")
    parameters = document.get("Parameters", {})
    body = render(dashboard["Properties"]["DashboardBody"], parameters, stack=stack, alarms_on=alarms_on)
    rendered: dict[str, Any] = json.loads(body)
    return rendered


def widgets(body: Mapping[str, Any], kind: str) -> Iterator[dict[str, Any]]:
    return (widget for widget in body["widgets"] if widget["type"] == kind)


def dashboard_metrics(body: Mapping[str, Any]) -> list[Metric]:
    """Every metric a metric widget names ([namespace, name, dimension, value, ..., {options}])."""
    metrics = []
    for widget in widgets(body, "metric"):
        for line in widget["properties"]["metrics"]:
            fields = [field for field in line if not isinstance(field, dict)]
            if not fields:
                continue  # an expression
            namespace, name, *dimensions = fields
            pairs = frozenset(zip(dimensions[::2], dimensions[1::2], strict=True))
            metrics.append((namespace, name, pairs))
    return metrics


_SEARCH = re.compile(r"SEARCH\('\{([^}]*)\}([^']*)'")
# Label keys quoted: Metrics Insights reserves words such as ACTION, which must then be in double quotes.
_SELECT = re.compile(
    r'^SELECT SUM\((\w+)\) FROM SCHEMA\("([^"]+)", ((?:"\w+", )*"\w+")\) GROUP BY ((?:"\w+", )*"\w+") '
    r"ORDER BY SUM\(\) DESC LIMIT \d+$"
)


def _expressions(body: Mapping[str, Any]) -> Iterator[str]:
    for widget in widgets(body, "metric"):
        for line in widget["properties"]["metrics"]:
            yield from (field["expression"] for field in line if isinstance(field, dict) and "expression" in field)


def dashboard_searches(body: Mapping[str, Any]) -> list[Search]:
    searches = []
    for expression in _expressions(body):
        if expression.startswith("SELECT "):
            continue  # dashboard_insights
        match = _SEARCH.search(expression)
        assert match, expression
        quoted_namespace, *dimensions = match.group(1).split(",")
        # CloudWatch: a schema's namespace with characters other than letters and digits is quoted.
        assert re.fullmatch(r'\w+|"[^"]+"', quoted_namespace), quoted_namespace
        namespace = quoted_namespace.strip('"')
        terms = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2)))
        metric = terms.pop("MetricName")
        searches.append(Search(namespace, frozenset(dimensions), metric, frozenset(terms.items())))
    return searches


def dashboard_insights(body: Mapping[str, Any]) -> list[Insights]:
    """Every Metrics Insights query of the dashboard (the top-N form: SUM, a SCHEMA, GROUP BY, ORDER BY, LIMIT)."""
    queries = []
    for expression in _expressions(body):
        if not expression.startswith("SELECT "):
            continue
        match = _SELECT.match(expression)
        assert match, expression
        metric, namespace, dimensions, group_by = match.groups()
        keys = frozenset(re.findall(r'"(\w+)"', dimensions))
        queries.append(Insights(namespace, keys, metric, tuple(re.findall(r'"(\w+)"', group_by))))
    return queries
