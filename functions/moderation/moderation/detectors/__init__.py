"""AWS-managed detectors (Amazon Bedrock Guardrails, Amazon Comprehend), opt-in by environment variables.

Importing this package costs only the standard library: botocore is imported when a detector is enabled, never on
the default cold path.
"""

from moderation.detectors.environment import detectors_from_environment

__all__ = ["detectors_from_environment"]
