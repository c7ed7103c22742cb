"""The detectors' settings as the function's environment (template.yaml's parameters) gives them: parsing only,
no detector is built here (aws.py builds them; the package's entry chooses whether to).

Every variable is checked when the function starts; a bad value raises ValueError naming the variable, so a
misconfigured stack fails loudly instead of moderating less than its owner thinks. An empty variable means "not set".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from dify_extension.settings import seconds_setting
from moderation.outcome import Stage

# Comprehend's labels and PII entity types as in botocore's service model (a unit test keeps them in step).
TOXICITY_LABELS = frozenset(
    {"GRAPHIC", "HARASSMENT_OR_ABUSE", "HATE_SPEECH", "INSULT", "PROFANITY", "SEXUAL", "VIOLENCE_OR_THREAT"}
)
OVERALL_TOXICITY = "TOXICITY"  # DetectToxicContent's overall score per text, next to the per-label scores
PII_ENTITY_TYPES = frozenset(
    {
        "ADDRESS", "AGE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "BANK_ACCOUNT_NUMBER", "BANK_ROUTING",
        "CA_HEALTH_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER", "CREDIT_DEBIT_CVV", "CREDIT_DEBIT_EXPIRY",
        "CREDIT_DEBIT_NUMBER", "DATE_TIME", "DRIVER_ID", "EMAIL", "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IN_AADHAAR",
        "IN_NREGA", "IN_PERMANENT_ACCOUNT_NUMBER", "IN_VOTER_NUMBER", "IP_ADDRESS", "LICENSE_PLATE", "MAC_ADDRESS",
        "NAME", "PASSPORT_NUMBER", "PASSWORD", "PHONE", "PIN", "SSN", "SWIFT_CODE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
        "UK_NATIONAL_INSURANCE_NUMBER", "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "URL",
        "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "USERNAME", "VEHICLE_IDENTIFICATION_NUMBER",
    }
)  # fmt: skip
# The model's LanguageCode enum lists twelve languages; the APIs accept fewer (their documentation says so).
PII_LANGUAGES = ("en", "es")
TOXICITY_LANGUAGES = ("en",)
# Patterns of botocore's ApplyGuardrail model, without its empty alternative; compiled on first use (re caches them).
_GUARDRAIL_ID = r"[a-z0-9]+|arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+"
_GUARDRAIL_VERSION = r"[1-9][0-9]{0,7}|DRAFT"

DEFAULT_TIMEOUT_SECONDS = 2.0
# Input moderation runs every detector in turn inside a 10 s Lambda timeout, so each gets at most a few seconds.
MAX_TIMEOUT_SECONDS = 3.0
DEFAULT_UNAVAILABLE_RESPONSE = "Sorry, your message can't be checked right now. Please try again in a moment."
ALL_STAGES: frozenset[Stage] = frozenset({"input", "output"})


# Plain classes: NamedTuples or dataclasses would cost this always-imported module ~1.5 ms of every cold start.
class FailurePolicy:
    __slots__ = ("fail_closed", "timeout_seconds", "unavailable_response")

    def __init__(self, fail_closed: bool, unavailable_response: str, timeout_seconds: float) -> None:
        self.fail_closed = fail_closed
        self.unavailable_response = unavailable_response
        self.timeout_seconds = timeout_seconds


class GuardrailSettings:
    __slots__ = ("identifier", "stages", "version")

    def __init__(self, identifier: str, version: str, stages: frozenset[Stage]) -> None:
        self.identifier = identifier
        self.version = version
        self.stages = stages


class ToxicitySettings:
    __slots__ = ("language_code", "stages", "thresholds")

    def __init__(self, thresholds: Mapping[str, float], language_code: str, stages: frozenset[Stage]) -> None:
        self.thresholds = thresholds
        self.language_code = language_code
        self.stages = stages


class PiiSettings:
    __slots__ = ("entity_types", "language_code", "stages")

    def __init__(self, entity_types: frozenset[str] | None, language_code: str, stages: frozenset[Stage]) -> None:
        self.entity_types = entity_types  # None: every type Comprehend knows
        self.language_code = language_code
        self.stages = stages


def _value(environ: Mapping[str, str], name: str) -> str:
    return environ.get(name, "").strip()


def _problem(name: str, raw: str, expected: str) -> ValueError:
    return ValueError(f"{name}: {expected}, got {raw!r}")


def _items(environ: Mapping[str, str], name: str) -> list[str]:
    """A comma-separated list; empty items (a trailing comma) are a mistake worth reporting."""
    raw = _value(environ, name)
    items = [item.strip() for item in raw.split(",")]
    if not all(items):
        raise _problem(name, raw, "expected a comma-separated list without empty items")
    return items


def _stages(environ: Mapping[str, str], name: str) -> frozenset[Stage]:
    if not _value(environ, name):
        return ALL_STAGES
    stages: set[Stage] = set()
    for item in _items(environ, name):
        if item == "input":
            stages.add("input")
        elif item == "output":
            stages.add("output")
        else:
            raise _problem(name, _value(environ, name), 'expected "input", "output" or "input,output"')
    return frozenset(stages)


def _failure_policy(environ: Mapping[str, str]) -> FailurePolicy:
    mode = _value(environ, "DETECTOR_FAILURE_MODE").lower() or "open"
    if mode not in {"open", "closed"}:
        raise _problem("DETECTOR_FAILURE_MODE", _value(environ, "DETECTOR_FAILURE_MODE"), 'expected "open" or "closed"')
    try:
        timeout = seconds_setting(environ, "DETECTOR_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
    except ValueError:
        timeout = math.nan  # refused below, in this module's words
    if not 0 < timeout <= MAX_TIMEOUT_SECONDS:
        raise _problem(
            "DETECTOR_TIMEOUT_SECONDS",
            _value(environ, "DETECTOR_TIMEOUT_SECONDS"),
            f"expected seconds above 0 and at most {MAX_TIMEOUT_SECONDS:g}",
        )
    # Not stripped: the response is shown as typed (only an all-blank value counts as unset).
    response = environ.get("DETECTOR_UNAVAILABLE_RESPONSE", "")
    return FailurePolicy(mode == "closed", response if response.strip() else DEFAULT_UNAVAILABLE_RESPONSE, timeout)


def _guardrail(environ: Mapping[str, str]) -> GuardrailSettings | None:
    identifier = _value(environ, "BEDROCK_GUARDRAIL_ID")
    version = _value(environ, "BEDROCK_GUARDRAIL_VERSION") or "DRAFT"
    stages = _stages(environ, "BEDROCK_GUARDRAIL_STAGES")
    if not identifier:
        return None
    if not re.fullmatch(_GUARDRAIL_ID, identifier):
        raise _problem("BEDROCK_GUARDRAIL_ID", identifier, "expected a guardrail id (lowercase letters, digits) or ARN")
    if not re.fullmatch(_GUARDRAIL_VERSION, version):
        raise _problem("BEDROCK_GUARDRAIL_VERSION", version, 'expected a version number such as "1", or "DRAFT"')
    return GuardrailSettings(identifier, version, stages)


def _thresholds(environ: Mapping[str, str], name: str) -> dict[str, float]:
    raw = _value(environ, name)
    thresholds: dict[str, float] = {}
    for item in _items(environ, name):
        label, separator, number = (part.strip() for part in item.partition("="))
        label = label.upper()
        if not separator or (label not in TOXICITY_LABELS and label != OVERALL_TOXICITY):
            known = ", ".join(sorted({*TOXICITY_LABELS, OVERALL_TOXICITY}))
            raise _problem(name, raw, f"expected LABEL=threshold items, LABEL one of {known}")
        if label in thresholds:
            raise _problem(name, raw, f"{label} is given twice")
        try:
            threshold = float(number)
        except ValueError:
            threshold = math.nan
        # 0 would block every message; a score is never above 1.
        if not (math.isfinite(threshold) and 0 < threshold <= 1):
            raise _problem(name, raw, f"the threshold of {label} must be above 0 and at most 1")
        thresholds[label] = threshold
    return thresholds


def _language(environ: Mapping[str, str], supported: tuple[str, ...], api: str) -> str:
    language = _value(environ, "COMPREHEND_LANGUAGE_CODE") or "en"
    if language not in supported:
        raise _problem("COMPREHEND_LANGUAGE_CODE", language, f"{api} supports {' and '.join(supported)}")
    return language


def _toxicity(environ: Mapping[str, str]) -> ToxicitySettings | None:
    stages = _stages(environ, "COMPREHEND_TOXICITY_STAGES")
    if not _value(environ, "COMPREHEND_TOXICITY_THRESHOLDS"):
        return None
    thresholds = _thresholds(environ, "COMPREHEND_TOXICITY_THRESHOLDS")
    return ToxicitySettings(thresholds, _language(environ, TOXICITY_LANGUAGES, "DetectToxicContent"), stages)


def _pii(environ: Mapping[str, str]) -> PiiSettings | None:
    stages = _stages(environ, "COMPREHEND_PII_STAGES")
    raw = _value(environ, "COMPREHEND_PII_ENTITY_TYPES")
    if not raw:
        return None
    entity_types: frozenset[str] | None = None
    if raw.upper() != "ALL":
        entity_types = frozenset(item.upper() for item in _items(environ, "COMPREHEND_PII_ENTITY_TYPES"))
        unknown = sorted(entity_types - PII_ENTITY_TYPES)
        if unknown:
            raise _problem(
                "COMPREHEND_PII_ENTITY_TYPES", raw, f'unknown type(s) {", ".join(unknown)}; use "ALL" or Comprehend\'s'
            )
    return PiiSettings(entity_types, _language(environ, PII_LANGUAGES, "DetectPiiEntities"), stages)


class DetectorSettings:
    """Every detector's settings as the environment gives them (None: off), and the failure policy they share."""

    __slots__ = ("failure", "guardrail", "pii", "toxicity")

    def __init__(
        self,
        failure: FailurePolicy,
        guardrail: GuardrailSettings | None,
        toxicity: ToxicitySettings | None,
        pii: PiiSettings | None,
    ) -> None:
        self.failure = failure
        self.guardrail = guardrail
        self.toxicity = toxicity
        self.pii = pii

    @property
    def any_enabled(self) -> bool:
        return not (self.guardrail is None and self.toxicity is None and self.pii is None)


def read_settings(environ: Mapping[str, str]) -> DetectorSettings:
    """Every detector variable, checked whether or not its detector is on. Raises ValueError naming the variable."""
    return DetectorSettings(_failure_policy(environ), _guardrail(environ), _toxicity(environ), _pii(environ))
