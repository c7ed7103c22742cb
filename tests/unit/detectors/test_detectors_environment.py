"""What the environment turns on, and the loud errors for values that can't be right."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from moderation.detectors import detectors_from_environment
from moderation.detectors.environment import OVERALL_TOXICITY, PII_ENTITY_TYPES, TOXICITY_LABELS
from moderation.detectors.failure import GuardedDetector
from tests.unit.fresh_interpreter import run_fresh

REGION = {"AWS_REGION": "eu-west-1"}


def _imports_after(environ: dict[str, str]) -> set[str]:
    """Which of boto3/botocore a fresh interpreter has imported after detectors_from_environment(environ)."""
    code = (
        "import sys\n"
        "from moderation.detectors import detectors_from_environment\n"
        f"detectors = detectors_from_environment({environ!r})\n"
        "print(len(detectors), *sorted(name for name in ('boto3', 'botocore') if name in sys.modules))\n"
    )
    count, *modules = run_fresh(code, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing").split()
    return {count, *modules}


def test_nothing_enabled_imports_neither_boto3_nor_botocore() -> None:
    environ = {
        "BEDROCK_GUARDRAIL_ID": "",
        "COMPREHEND_TOXICITY_THRESHOLDS": " ",
        "COMPREHEND_PII_ENTITY_TYPES": "",
        "DETECTOR_FAILURE_MODE": "closed",
        "DETECTOR_TIMEOUT_SECONDS": "1.5",
        "BEDROCK_GUARDRAIL_STAGES": "input",
    }
    assert _imports_after(environ) == {"0"}


def test_an_enabled_detector_imports_botocore() -> None:
    """The check above can fail: enabling a detector does load botocore (not boto3)."""
    assert _imports_after({**REGION, "COMPREHEND_PII_ENTITY_TYPES": "ALL"}) == {"1", "botocore"}


@pytest.mark.parametrize("environ", [{}, {"BEDROCK_GUARDRAIL_ID": "  ", "COMPREHEND_PII_STAGES": "output"}])
def test_nothing_enabled(environ: dict[str, str]) -> None:
    assert detectors_from_environment(environ) == ()


def test_everything_enabled_in_order_with_stages_and_client_timeouts() -> None:
    environ = {
        **REGION,
        "BEDROCK_GUARDRAIL_ID": "gr0abc123",
        "BEDROCK_GUARDRAIL_VERSION": "7",
        "BEDROCK_GUARDRAIL_STAGES": "input",
        "COMPREHEND_TOXICITY_THRESHOLDS": "toxicity=0.8, HATE_SPEECH=0.5",
        "COMPREHEND_TOXICITY_STAGES": "output,input",
        "COMPREHEND_PII_ENTITY_TYPES": "email,NAME",
        "COMPREHEND_PII_STAGES": "output",
        "DETECTOR_TIMEOUT_SECONDS": "1",
    }

    detectors = detectors_from_environment(environ)

    assert [detector.name for detector in detectors] == ["bedrock_guardrail", "comprehend.toxicity", "comprehend.pii"]
    assert all(isinstance(detector, GuardedDetector) for detector in detectors)
    guardrail, toxicity, pii = (vars_of(detector) for detector in detectors)
    assert guardrail["_stages"] == {"input"}
    assert toxicity["_stages"] == {"input", "output"}
    assert pii["_stages"] == {"output"}
    assert vars_of(guardrail["_detector"])["_version"] == "7"
    assert vars_of(toxicity["_detector"])["_thresholds"] == {"TOXICITY": 0.8, "HATE_SPEECH": 0.5}
    assert vars_of(pii["_detector"])["_entity_types"] == {"EMAIL", "NAME"}
    assert guardrail["_policy"].timeout_seconds == 1.0 and not guardrail["_policy"].fail_closed
    config = vars_of(guardrail["_detector"])["_client"].meta.config
    assert (config.connect_timeout, config.read_timeout) == (0.5, 1.0)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert vars_of(toxicity["_detector"])["_client"] is vars_of(pii["_detector"])["_client"]  # one Comprehend client
    assert vars_of(guardrail["_detector"])["_client"].meta.region_name == "eu-west-1"


def vars_of(obj: Any) -> dict[str, Any]:
    return dict(vars(obj))


def test_defaults() -> None:
    (guardrail,) = detectors_from_environment({**REGION, "BEDROCK_GUARDRAIL_ID": "abc"})
    state = vars_of(guardrail)
    assert vars_of(state["_detector"])["_version"] == "DRAFT"
    assert state["_stages"] == {"input", "output"}
    assert state["_policy"].timeout_seconds == 2.0
    assert not state["_policy"].fail_closed
    assert "try again" in state["_policy"].unavailable_response
    (pii,) = detectors_from_environment({**REGION, "COMPREHEND_PII_ENTITY_TYPES": "all"})
    assert vars_of(vars_of(pii)["_detector"])["_entity_types"] is None
    assert vars_of(vars_of(pii)["_detector"])["_language_code"] == "en"


@pytest.mark.parametrize(
    ("environ", "variable", "words"),
    [
        ({"DETECTOR_FAILURE_MODE": "sometimes"}, "DETECTOR_FAILURE_MODE", '"open" or "closed"'),
        ({"DETECTOR_TIMEOUT_SECONDS": "0"}, "DETECTOR_TIMEOUT_SECONDS", "above 0"),
        ({"DETECTOR_TIMEOUT_SECONDS": "5"}, "DETECTOR_TIMEOUT_SECONDS", "at most 3"),
        ({"DETECTOR_TIMEOUT_SECONDS": "nan"}, "DETECTOR_TIMEOUT_SECONDS", "seconds"),
        ({"DETECTOR_TIMEOUT_SECONDS": "2s"}, "DETECTOR_TIMEOUT_SECONDS", "seconds"),
        ({"BEDROCK_GUARDRAIL_ID": "My Guardrail"}, "BEDROCK_GUARDRAIL_ID", "guardrail id"),
        ({"BEDROCK_GUARDRAIL_ID": "abc", "BEDROCK_GUARDRAIL_VERSION": "v1"}, "BEDROCK_GUARDRAIL_VERSION", "DRAFT"),
        ({"BEDROCK_GUARDRAIL_STAGES": "input,both"}, "BEDROCK_GUARDRAIL_STAGES", '"input", "output"'),
        ({"COMPREHEND_PII_STAGES": "input,"}, "COMPREHEND_PII_STAGES", "without empty items"),
        ({"COMPREHEND_TOXICITY_THRESHOLDS": "RUDENESS=0.5"}, "COMPREHEND_TOXICITY_THRESHOLDS", "HATE_SPEECH"),
        ({"COMPREHEND_TOXICITY_THRESHOLDS": "INSULT"}, "COMPREHEND_TOXICITY_THRESHOLDS", "LABEL=threshold"),
        ({"COMPREHEND_TOXICITY_THRESHOLDS": "INSULT=high"}, "COMPREHEND_TOXICITY_THRESHOLDS", "INSULT must be"),
        ({"COMPREHEND_TOXICITY_THRESHOLDS": "INSULT=1.5"}, "COMPREHEND_TOXICITY_THRESHOLDS", "at most 1"),
        ({"COMPREHEND_TOXICITY_THRESHOLDS": "INSULT=0"}, "COMPREHEND_TOXICITY_THRESHOLDS", "above 0"),
        ({"COMPREHEND_TOXICITY_THRESHOLDS": "INSULT=.5,insult=.6"}, "COMPREHEND_TOXICITY_THRESHOLDS", "twice"),
        ({"COMPREHEND_PII_ENTITY_TYPES": "EMAIL,CREDIT_CARD"}, "COMPREHEND_PII_ENTITY_TYPES", "CREDIT_CARD"),
        (
            {"COMPREHEND_PII_ENTITY_TYPES": "ALL", "COMPREHEND_LANGUAGE_CODE": "de"},
            "COMPREHEND_LANGUAGE_CODE",
            "en and es",
        ),
        (
            {"COMPREHEND_TOXICITY_THRESHOLDS": "INSULT=0.5", "COMPREHEND_LANGUAGE_CODE": "es"},
            "COMPREHEND_LANGUAGE_CODE",
            "DetectToxicContent supports en",
        ),
        ({"COMPREHEND_PII_ENTITY_TYPES": "ALL"}, "AWS_REGION", "region"),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], variable: str, words: str) -> None:
    with pytest.raises(ValueError, match=variable) as raised:
        detectors_from_environment(environ)
    assert words in str(raised.value)


def test_spanish_pii_is_accepted() -> None:
    (pii,) = detectors_from_environment(
        {**REGION, "COMPREHEND_PII_ENTITY_TYPES": "ALL", "COMPREHEND_LANGUAGE_CODE": "es"}
    )
    assert vars_of(vars_of(pii)["_detector"])["_language_code"] == "es"


def test_known_labels_and_types_match_botocores_comprehend_model() -> None:
    model = botocore.session.get_session().get_service_model("comprehend")
    assert set(model.shape_for("ToxicContentType").enum) == TOXICITY_LABELS
    assert OVERALL_TOXICITY not in TOXICITY_LABELS
    assert set(model.shape_for("PiiEntityType").enum) - {"ALL"} == PII_ENTITY_TYPES
