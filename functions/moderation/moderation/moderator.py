"""The moderation points as the endpoint calls them: the current policy, then the detectors, and for every request
one log line and EMF metrics that say which rules fired and what was done - never what the user wrote."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from dify_extension.metrics import metrics_namespace
from dify_extension.protocol import (
    ModerationInputAnswer,
    ModerationInputParams,
    ModerationOutputAnswer,
    ModerationOutputParams,
)
from moderation.decision import Decision, decide_input, decide_output
from moderation.matcher import CompiledPolicy
from moderation.policy import ModerationPolicy

if TYPE_CHECKING:
    from moderation.outcome import Detector


class Moderator:
    def __init__(
        self,
        policy: Callable[[], ModerationPolicy],
        detectors: Sequence[Detector] = (),
        *,
        compiler: Callable[[ModerationPolicy], CompiledPolicy] = CompiledPolicy,
    ) -> None:
        """`policy` returns the policy in force (it may be reloaded between requests); `compiler` compiles a new one
        (the handler's reuses the one its examples ran on)."""
        self._policy = policy
        self._compile = compiler
        self._compiled: CompiledPolicy | None = None
        self._detectors = tuple(detectors)
        self._logger = Logger()
        # Our own metric set: Powertools' Metrics share one per namespace, and the endpoint flushes its own.
        self._metrics = EphemeralMetrics(namespace=metrics_namespace())

        self.compiled()  # at start (the cold start), not on the first request

    def compiled(self) -> CompiledPolicy:
        """The policy in force, compiled; compiled again only when a reload brought a new policy."""
        policy = self._policy()
        if self._compiled is None or self._compiled.policy is not policy:
            self._compiled = self._compile(policy)
        return self._compiled

    def moderate_input(self, params: ModerationInputParams) -> ModerationInputAnswer:
        decision, answer = decide_input(self.compiled(), params, self._detectors)
        self._record(decision, params.app_id)
        return answer

    def moderate_output(self, params: ModerationOutputParams) -> ModerationOutputAnswer:
        decision, answer = decide_output(self.compiled(), params, self._detectors)
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
                "evasions": list(decision.evasions),
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
