"""Every detector call runs against a deadline and behind a failure policy: an AWS service that errs, throttles,
times out or answers nonsense never fails a Dify request; it either lets the texts pass (fail open) or blocks them
with the "unavailable" response (fail closed)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from dify_extension.deadline import DeadlineExceeded, run_within, time_left
from moderation.detectors.environment import ALL_STAGES, FailurePolicy
from moderation.outcome import Action, DetectorOutcome, Hit, Stage

if TYPE_CHECKING:
    from moderation.outcome import Detector

logger = Logger(child=True)


def error_code(error: BaseException) -> str:
    """What the log may say about a failure: AWS's error code, or the exception's class; never its message, which
    can quote the request."""
    if isinstance(error, DeadlineExceeded):
        return "DeadlineExceeded"
    response: Any = getattr(error, "response", None)  # botocore's ClientError carries the parsed error
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(error).__name__


class GuardedDetector:
    """`detector` limited to its stages, its deadline (the whole check, retries and every call included) and its
    failure policy. The call runs on a worker thread so that the deadline holds whatever the socket does."""

    def __init__(
        self,
        detector: Detector,
        policy: FailurePolicy,
        stages: frozenset[Stage] = ALL_STAGES,
    ) -> None:
        self.name = detector.name
        self._detector = detector
        self._policy = policy
        self._stages = stages

    def check(self, stage: Stage, texts: Mapping[str, str]) -> DetectorOutcome:
        snapshot = dict(texts)  # the worker may outlive this call; it must not see later changes
        if stage not in self._stages:
            return DetectorOutcome(snapshot)
        try:
            timeout = time_left(self._policy.timeout_seconds)  # earlier detectors count against the request's time
            return run_within(timeout, partial(self._detector.check, stage, snapshot))
        except Exception as error:  # any failure of an optional AWS service goes to the policy
            return self._unavailable(stage, snapshot, error)

    def _unavailable(self, stage: Stage, texts: dict[str, str], error: Exception) -> DetectorOutcome:
        mode = "closed" if self._policy.fail_closed else "open"
        logger.warning(
            "detector unavailable",
            extra={"detector": self.name, "stage": stage, "error": error_code(error), "failure_mode": mode},
        )
        if self._policy.fail_closed:
            hit = Hit(f"{self.name}.unavailable", "unavailable", Action.BLOCK)
            return DetectorOutcome(texts, (hit,), blocked=True, preset_response=self._policy.unavailable_response)
        return DetectorOutcome(texts, (Hit(f"{self.name}.unavailable", "unavailable", Action.PASS),))
