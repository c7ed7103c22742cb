"""What template.yaml's alarms and dashboard watch, read from the template as written (short tags in long form).

A metric is (namespace, name, its dimensions as a frozenset of (name, value)); a dashboard SEARCH is the schema
(namespace and dimension names), the metric name and the dimension values it filters on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_api.template import load_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
ALARM_TYPE = "AWS::CloudWatch::Alarm"
AWS_NAMESPACE_PREFIX = "AWS/"

Metric = tuple[str, str, frozenset[tuple[str, str]]]


@dataclass(frozen=True)
class Search:
    namespace: str
    dimensions: frozenset[str]
    metric: str
    filters: frozenset[tuple[str, str]]


def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def alarms(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in document["Resources"].items() if r["Type"] == ALARM_TYPE}


def _dimensions(dimensions: list[Mapping[str, Any]]) -> frozenset[tuple[str, str]]:
    return frozenset((d["Name"], _text(d["Value"])) for d in dimensions)


def _text(value: Any) -> str:
    """A literal as is; a Ref to a resource or parameter as its name (what the dashboard's Sub puts there too)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return f"<{value['Ref']}>"
    raise AssertionError(f"unexpected dimension value {value!r}")


def alarm_metrics(alarm: Mapping[str, Any]) -> list[Metric]:
    """Every metric the alarm reads: its one metric, or each MetricStat of its metric math."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return [(properties["Namespace"], properties["MetricName"], _dimensions(properties.get("Dimensions", [])))]
    metrics = []
    for query in properties["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            metrics.append((metric["Namespace"], metric["MetricName"], _dimensions(metric.get("Dimensions", []))))
    return metrics


def is_custom(metric: Metric) -> bool:
    return not metric[0].startswith(AWS_NAMESPACE_PREFIX)


def dashboard_body(document: Mapping[str, Any], *, alarms_on: bool = True) -> dict[str, Any]:
    """The dashboard's JSON as CloudFormation renders it: parameters at their defaults, resources as <LogicalId>."""
    (dashboard,) = (r for r in document["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard")
    body = _render(dashboard["Properties"]["DashboardBody"], document.get("Parameters", {}), alarms_on=alarms_on)
    rendered: dict[str, Any] = json.loads(body)
    return rendered


def _render(node: Any, parameters: Mapping[str, Any], *, alarms_on: bool) -> str:
    if isinstance(node, str):
        return node
    ((function, argument),) = node.items()
    if function == "Fn::Join":
        separator, parts = argument
        return str(separator).join(_render(part, parameters, alarms_on=alarms_on) for part in parts)
    if function == "Fn::If":
        condition, when_true, when_false = argument
        assert condition == "AlarmsOn", condition
        return _render(when_true if alarms_on else when_false, parameters, alarms_on=alarms_on)
    if function == "Fn::Sub":
        assert isinstance(argument, str)

        def variable(match: re.Match[str]) -> str:
            name = match.group(1)
            return str(parameters[name]["Default"]) if name in parameters else f"<{name}>"

        return re.sub(r"\$\{([^}]+)\}", variable, argument)
    raise AssertionError(f"unexpected {function} in the dashboard body")


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


def dashboard_searches(body: Mapping[str, Any]) -> list[Search]:
    searches = []
    for widget in widgets(body, "metric"):
        for line in widget["properties"]["metrics"]:
            for field in line:
                if isinstance(field, dict) and "expression" in field:
                    match = _SEARCH.search(field["expression"])
                    assert match, field["expression"]
                    namespace, *dimensions = match.group(1).split(",")
                    terms = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2)))
                    metric = terms.pop("MetricName")
                    searches.append(Search(namespace, frozenset(dimensions), metric, frozenset(terms.items())))
    return searches
