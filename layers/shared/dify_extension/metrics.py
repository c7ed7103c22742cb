"""The EMF metrics the stack's alarms and dashboard read (template.yaml; docs/operations.md).

A CloudWatch alarm matches a metric's exact set of dimensions, so each request's `Requests` and `Latency` are
published under four sets in its one EMF record: by point and outcome (the dashboard's breakdown), by point (latency
per point), by outcome (failed answers, key unavailable) and by service alone (the totals the rates divide by).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from dify_extension.protocol import ModerationAction

METRICS_NAMESPACE = "DifyExtension"


def metrics_namespace() -> str:
    """The namespace template.yaml sets (POWERTOOLS_METRICS_NAMESPACE, DifyExtension/<stack name>), else
    DifyExtension (no stack: the local API)."""
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or METRICS_NAMESPACE


if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics

    from dify_extension.protocol import Answer


def is_block(answer: Answer) -> bool:
    """A moderation answer that replaces the message or the model's answer with the preset response."""
    return bool(getattr(answer, "flagged", False)) and getattr(answer, "action", None) is ModerationAction.DIRECT_OUTPUT


def record_request(metrics: Metrics, point: str, outcome: str, latency_ms: float, *, blocked: bool) -> None:
    """`Requests` (1) and `Latency` of one request, and `Blocked` (1) when moderation blocked it, then flush."""
    metrics.add_dimension(name="point", value=point)
    metrics.add_dimension(name="outcome", value=outcome)
    service = {"service": metrics.service} if metrics.service else {}
    metrics.add_dimensions(**service, point=point)
    metrics.add_dimensions(**service, outcome=outcome)
    if service:
        metrics.add_dimensions(**service)
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=latency_ms)
    if blocked:
        metrics.add_metric(name="Blocked", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    # flush_metrics keeps the set when metrics are disabled (POWERTOOLS_METRICS_DISABLED, the local API).
    metrics.clear_metrics()


def count_config_reload_failure() -> None:
    """`ConfigReloadFailures` (1) by service: a new policy or tools config was refused, the last good one serves."""
    from aws_lambda_powertools.metrics import EphemeralMetrics  # noqa: PLC0415 - only on this rare path

    # Its own set: Powertools' Metrics share one, which the endpoint flushes per request.
    metrics = EphemeralMetrics(namespace=metrics_namespace())
    metrics.add_metric(name="ConfigReloadFailures", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    metrics.clear_metrics()
