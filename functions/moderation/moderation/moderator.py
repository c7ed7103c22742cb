"""The moderation points as the endpoint calls them: the current policy, then the detectors, and for every request
one log line and EMF metrics that say which rules fired and what was done - never what the user wrote."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from dify_extension.endpoint import METRICS_NAMESPACE
from dify_extension.protocol import (
    ModerationInputAnswer,
    ModerationInputParams,
    ModerationOutputAnswer,
    ModerationOutputParams,
)
from moderation.decision import Decision, strings_in
from moderation.policy import ModerationPolicy, _flags

if TYPE_CHECKING:
    from moderation.outcome import Detector


class Moderator:
    def __init__(self, policy: Callable[[], ModerationPolicy], detectors: Sequence[Detector] = ()) -> None:
        """`policy` returns the policy in force (it may be reloaded between requests)."""
        self._policy = policy
        self._detectors = tuple(detectors)
        self._logger = Logger()
        # Our own metric set: Powertools' Metrics share one per namespace, and the endpoint flushes its own.
        self._metrics = EphemeralMetrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or METRICS_NAMESPACE)

    def moderate_input(self, params: ModerationInputParams) -> ModerationInputAnswer:
        policy = self._policy()
        texts = [params.query, *(text for _, text in strings_in(params.inputs, "inputs"))]
        # Past the policy's limits nothing is checked: blocked (the default) or passed as sent.
        refused = policy.limits.refuse("input", policy.stage(params.app_id, "input"), bool(self._detectors), texts)
        if refused is None:
            decision, answer = policy.decide_input(params, self._detectors)
        else:
            answer = ModerationInputAnswer(**_flags(refused), inputs=params.inputs, query=params.query)
            decision = refused
        self._record(decision, params.app_id)
        return answer

    def moderate_output(self, params: ModerationOutputParams) -> ModerationOutputAnswer:
        policy = self._policy()
        refused = policy.limits.refuse(
            "output", policy.stage(params.app_id, "output"), bool(self._detectors), [params.text]
        )
        if refused is None:
            decision, answer = policy.decide_output(params, self._detectors)
        else:
            decision, answer = refused, ModerationOutputAnswer(**_flags(refused), text=params.text)
        self._record(decision, params.app_id)
        return answer

    def _record(self, decision: Decision, app_id: str) -> None:
        self._logger.info(
            "moderation decision",
            extra={
                "stage": decision.stage,
                "action": decision.action.value,
                "app_id": app_id,
                "rule_ids": [hit.rule_id for hit in decision.hits],
                "categories": list(decision.categories),
                "texts_checked": len(decision.texts),
            },
        )
        # One count per category that fired ("none" when nothing did), so a decision shows under each of them.
        for category in decision.categories or ("none",):
            self._metrics.add_dimension(name="stage", value=decision.stage)
            self._metrics.add_dimension(name="action", value=decision.action.value)
            self._metrics.add_dimension(name="category", value=category)
            self._metrics.add_metric(name="ModerationDecisions", unit=MetricUnit.Count, value=1)
            self._metrics.flush_metrics()
            # flush_metrics keeps the set when metrics are disabled (POWERTOOLS_METRICS_DISABLED, the local API).
            self._metrics.clear_metrics()
