"""AWS-managed detectors (Amazon Bedrock Guardrails, Amazon Comprehend), opt-in by environment variables.

Data flows one way: environment.py reads the settings, aws.py builds the detectors from them (with comprehend.py,
guardrail.py and failure.py), and this entry chooses whether to build any. Importing this package costs only the
standard library: botocore is imported when a detector is enabled, never on the default cold path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from moderation.detectors.environment import read_settings

if TYPE_CHECKING:
    from moderation.outcome import Detector

__all__ = ["detectors_from_environment"]


def detectors_from_environment(environ: Mapping[str, str] = os.environ) -> tuple[Detector, ...]:
    """The enabled detectors, each behind its failure policy and deadline; () when none is enabled (then botocore
    is not imported). Raises ValueError naming the variable at fault."""
    settings = read_settings(environ)
    if not settings.any_enabled:
        return ()
    from moderation.detectors.aws import build_detectors  # noqa: PLC0415 - botocore only when a detector is on

    return build_detectors(environ, settings)
