"""The moderation points as the endpoint calls them: the current policy, then the detectors, and for every request
one log line and EMF metrics that say which rules fired and what was done - never what the user wrote."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from dify_extension.metrics import metrics_namespace
from dify_extension.protocol import (
    ModerationInputAnswer,
    ModerationInputParams,
    ModerationOutputAnswer,
    ModerationOutputParams,
)
from moderation.decision import Decision, decide_input, decide_output, input_texts
from moderation.matcher import CompiledPolicy
from moderation.policy import ModerationPolicy

if TYPE_CHECKING:
    from moderation.outcome import Detector
    from moderation.review.writer import ReviewWriter

MAX_KEYWORDS_LOGGED = 10
"""Per rule hit in the decision log: the first distinct keywords that matched (a long list would bloat the line)."""


class Moderator:
    def __init__(
        self,
        policy: Callable[[], ModerationPolicy],
        detectors: Sequence[Detector] = (),
        *,
        compiler: Callable[[ModerationPolicy], CompiledPolicy] = CompiledPolicy,
        review: ReviewWriter | None = None,
    ) -> None:
        """`policy` returns the policy in force (it may be reloaded between requests); `compiler` compiles a new one
        (the handler's reuses the one its examples ran on); `review`, when the stack turns review on, samples the
        decisions whose rules matched."""
        self._policy = policy
        self._compile = compiler
        self._review = review
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
        self._sample(decision, params.app_id, lambda: input_texts(params))
        return answer

    def moderate_output(self, params: ModerationOutputParams) -> ModerationOutputAnswer:
        decision, answer = decide_output(self.compiled(), params, self._detectors)
        self._record(decision, params.app_id)
        self._sample(decision, params.app_id, lambda: {"text": params.text})
        return answer

    def _record(self, decision: Decision, app_id: str) -> None:
        self._logger.info("moderation decision", extra=decision_fields(decision, app_id))
        # One count per category that fired ("none" when nothing did), so a decision shows under each of them.
        # Monitor rules changed nothing: they count under RuleHits only.
        for category in decision.categories or ("none",):
            self._count("ModerationDecisions", stage=decision.stage, action=decision.action.value, category=category)
        # One count per rule that fired, monitor rules as action "monitor": one record each (a record holds one value
        # per dimension), so a decision with no hit writes none.
        for hit in decision.hits:
            self._count("RuleHits", stage=decision.stage, rule=hit.rule_id, action=hit.action.value)
        for hit in decision.monitored:
            self._count("RuleHits", stage=decision.stage, rule=hit.rule_id, action="monitor")

    def _count(self, metric: str, **dimensions: str) -> None:
        """One EMF record: `metric` (1) under `dimensions` and the service."""
        for name, value in dimensions.items():
            self._metrics.add_dimension(name=name, value=value)
        self._metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
        self._metrics.flush_metrics()
        # flush_metrics keeps the set when metrics are disabled (POWERTOOLS_METRICS_DISABLED, the local API).
        self._metrics.clear_metrics()

    def _sample(self, decision: Decision, app_id: str, texts: Callable[[], Mapping[str, str]]) -> None:
        """Queues the decision for review when review is on, a rule matched (blocking, masking or monitoring) and
        it is drawn; the texts as sent are gathered only then. The write happens off the request path."""
        if self._review is not None and decision.matches and self._review.chosen():
            self._review.add(app_id, decision.stage, decision.action, decision.matches, texts())


def decision_fields(decision: Decision, app_id: str) -> dict[str, Any]:
    """The decision log line's fields: what was done and which rules fired, the deciding ones and the monitor ones
    apart, with the policy's keywords that matched - never the user's text nor what of it matched."""
    return {
        "stage": decision.stage,
        "action": decision.action.value,
        "app_id": app_id,
        "rule_ids": [hit.rule_id for hit in decision.hits],
        "categories": list(decision.categories),
        "evasions": list(decision.evasions),
        "monitored_rule_ids": [hit.rule_id for hit in decision.monitored],
        "hits": _hit_fields(decision) if decision.hits or decision.monitored else [],
        "texts_checked": len(decision.texts),
    }


def _hit_fields(decision: Decision) -> list[dict[str, Any]]:
    """Each hit, deciding then monitored: its rule id, category, action (a monitor rule's would-be one), whether it
    only monitored, the keywords that matched (none for a regex, PII or detector) and the evasion forms it needed."""
    keywords: dict[tuple[str, bool], dict[str, None]] = {}
    evasions: dict[tuple[str, bool], set[str]] = {}
    for match in decision.matches:
        rule = (match.rule_id, match.monitored)
        if match.keyword is not None:
            keywords.setdefault(rule, {})[match.keyword] = None
        evasions.setdefault(rule, set()).update(match.evasions)
    return [
        {
            "rule_id": hit.rule_id,
            "category": hit.category,
            "action": hit.action.value,
            "monitored": monitored,
            "keywords": list(keywords.get((hit.rule_id, monitored), ()))[:MAX_KEYWORDS_LOGGED],
            "evasions": sorted(evasions.get((hit.rule_id, monitored), ())),
        }
        for monitored, hits in ((False, decision.hits), (True, decision.monitored))
        for hit in hits
    ]
