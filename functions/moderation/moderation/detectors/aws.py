"""botocore clients for the detectors; imported only when at least one detector is enabled."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import botocore.session
from botocore.config import Config

from moderation.detectors.comprehend import ComprehendPii, ComprehendToxicity
from moderation.detectors.environment import DetectorSettings
from moderation.detectors.failure import GuardedDetector
from moderation.detectors.guardrail import BedrockGuardrail

if TYPE_CHECKING:
    from moderation.outcome import Detector

MAX_CONNECT_SECONDS = 1.0


def client_config(timeout_seconds: float) -> Config:
    """Per-attempt timeouts that each fit the detector's deadline, and one retry, which happens when a failure was
    fast (throttling, a 5xx, a refused connection); GuardedDetector cuts whatever would overrun the deadline."""
    return Config(
        connect_timeout=min(MAX_CONNECT_SECONDS, timeout_seconds / 2),
        read_timeout=timeout_seconds,
        retries={"mode": "standard", "total_max_attempts": 2},
        max_pool_connections=10,
    )


@functools.cache
def _session() -> Any:
    # One session for every client: a second one would load the endpoint and credential data again (~0.1 s).
    return botocore.session.get_session()


def create_client(service: str, region: str, timeout_seconds: float, endpoint_url: str | None = None) -> Any:
    # botocore without boto3: the same clients, fewer imports. Credentials come from the Lambda role as usual.
    return _session().create_client(
        service, region_name=region, endpoint_url=endpoint_url, config=client_config(timeout_seconds)
    )


def _region(environ: Mapping[str, str]) -> str:
    region = environ.get("AWS_REGION", "").strip() or environ.get("AWS_DEFAULT_REGION", "").strip()
    if not region:
        raise ValueError("AWS_REGION: a region is needed for the AWS-managed detectors, got ''")
    return region


def build_detectors(environ: Mapping[str, str], settings: DetectorSettings) -> tuple[Detector, ...]:
    """The enabled detectors, each behind its failure policy and deadline. Clients are created now, during init: a
    first request would otherwise spend its deadline creating them."""
    region = _region(environ)
    policy, guardrail, toxicity, pii = settings.failure, settings.guardrail, settings.toxicity, settings.pii
    detectors: list[Detector] = []
    if guardrail is not None:
        client = create_client("bedrock-runtime", region, policy.timeout_seconds)
        inner = BedrockGuardrail(client, guardrail.identifier, guardrail.version)
        detectors.append(GuardedDetector(inner, policy, guardrail.stages))
    if toxicity is not None or pii is not None:
        comprehend = create_client("comprehend", region, policy.timeout_seconds)
        if toxicity is not None:
            toxic = ComprehendToxicity(comprehend, toxicity.thresholds, toxicity.language_code)
            detectors.append(GuardedDetector(toxic, policy, toxicity.stages))
        if pii is not None:
            masker = ComprehendPii(comprehend, pii.entity_types, pii.language_code)
            detectors.append(GuardedDetector(masker, policy, pii.stages))
    return tuple(detectors)
