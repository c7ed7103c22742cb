"""The failure policy: every way an AWS call can fail, in both modes, with the deadline holding over a server that
never answers; logs name the detector and the error code, never the text."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from botocore.stub import Stubber

from dify_extension.deadline import ANSWER_MARGIN_SECONDS, request_time
from moderation.detectors import detectors_from_environment
from moderation.detectors.aws import create_client
from moderation.detectors.comprehend import ComprehendToxicity
from moderation.detectors.failure import GuardedDetector
from moderation.detectors.guardrail import BedrockGuardrail
from moderation.outcome import Action, DetectorOutcome, Hit
from tests.unit.detectors.conftest import REGION, policy

SECRET_TEXT = "my secret is Zebulon-4111"
TEXTS = {"query": SECRET_TEXT, "inputs.name": "Ann"}
THRESHOLDS = {"TOXICITY": 0.5}


def _assert_fails(outcome: DetectorOutcome, name: str, *, fail_closed: bool) -> None:
    assert outcome.texts == TEXTS
    if fail_closed:
        assert outcome.blocked
        assert outcome.preset_response == "Checks are down, try later."
        assert outcome.hits == (Hit(f"{name}.unavailable", "unavailable", Action.BLOCK),)
    else:
        assert not outcome.blocked
        assert outcome.preset_response is None
        assert outcome.hits == (Hit(f"{name}.unavailable", "unavailable", Action.PASS),)


def _warning(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    (record,) = [record for record in caplog.records if record.message == "detector unavailable"]
    assert record.levelno == logging.WARNING
    assert SECRET_TEXT not in caplog.text and "Zebulon" not in str(record.__dict__)
    return record


@pytest.mark.parametrize("fail_closed", [False, True])
@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 429),
        ("AccessDeniedException", 403),
        ("ResourceNotFoundException", 404),
        ("ValidationException", 400),
        ("InternalServerException", 500),
        ("ServiceUnavailableException", 503),
    ],
)
def test_service_errors_follow_the_policy(
    bedrock: tuple[Any, Stubber],
    caplog: pytest.LogCaptureFixture,
    code: str,
    status: int,
    fail_closed: bool,
) -> None:
    client, stubber = bedrock
    stubber.add_client_error("apply_guardrail", service_error_code=code, http_status_code=status)
    detector = GuardedDetector(BedrockGuardrail(client, "abc", "1"), policy(fail_closed=fail_closed))

    outcome = detector.check("input", TEXTS)

    _assert_fails(outcome, "bedrock_guardrail", fail_closed=fail_closed)
    record = _warning(caplog)
    assert (record.detector, record.error, record.stage) == ("bedrock_guardrail", code, "input")  # type: ignore[attr-defined]
    assert record.failure_mode == ("closed" if fail_closed else "open")  # type: ignore[attr-defined]


@pytest.mark.parametrize("fail_closed", [False, True])
def test_a_bad_response_follows_the_policy(
    comprehend: tuple[Any, Stubber], caplog: pytest.LogCaptureFixture, fail_closed: bool
) -> None:
    client, stubber = comprehend
    stubber.add_response("detect_toxic_content", {"ResultList": []})
    detector = GuardedDetector(ComprehendToxicity(client, THRESHOLDS, "en"), policy(fail_closed=fail_closed))

    _assert_fails(detector.check("input", TEXTS), "comprehend.toxicity", fail_closed=fail_closed)
    assert _warning(caplog).error == "BadResponseError"  # type: ignore[attr-defined]


@pytest.mark.parametrize("fail_closed", [False, True])
def test_a_refused_connection_follows_the_policy(
    closed_endpoint: str, caplog: pytest.LogCaptureFixture, fail_closed: bool
) -> None:
    client = create_client("comprehend", REGION, 2.0, endpoint_url=closed_endpoint)
    detector = GuardedDetector(ComprehendToxicity(client, THRESHOLDS, "en"), policy(fail_closed=fail_closed))

    _assert_fails(detector.check("output", TEXTS), "comprehend.toxicity", fail_closed=fail_closed)
    assert _warning(caplog).error == "EndpointConnectionError"  # type: ignore[attr-defined]


@pytest.mark.parametrize("fail_closed", [False, True])
def test_detector_timeout_seconds_bounds_a_call_to_a_server_that_never_answers(
    silent_endpoint: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fail_closed: bool
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", silent_endpoint)  # botocore's own endpoint override
    environ = {
        "AWS_REGION": REGION,
        "BEDROCK_GUARDRAIL_ID": "abc",
        "DETECTOR_TIMEOUT_SECONDS": "0.5",
        "DETECTOR_FAILURE_MODE": "closed" if fail_closed else "open",
        "DETECTOR_UNAVAILABLE_RESPONSE": "Checks are down, try later.",
    }
    (detector,) = detectors_from_environment(environ)
    started = time.monotonic()

    outcome = detector.check("input", TEXTS)

    elapsed = time.monotonic() - started
    _assert_fails(outcome, "bedrock_guardrail", fail_closed=fail_closed)
    # The deadline or the read timeout, whichever fires first: both come from DETECTOR_TIMEOUT_SECONDS.
    assert _warning(caplog).error in {"DeadlineExceeded", "ReadTimeoutError"}  # type: ignore[attr-defined]
    assert elapsed < 5  # generous: proves it returned, not how fast


def test_the_deadline_holds_even_when_the_socket_would_wait_longer(
    silent_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = create_client("comprehend", REGION, 1.5, endpoint_url=silent_endpoint)  # sockets wait 1.5 s per attempt
    detector = GuardedDetector(ComprehendToxicity(client, THRESHOLDS, "en"), policy(timeout=0.2))

    outcome = detector.check("input", TEXTS)

    _assert_fails(outcome, "comprehend.toxicity", fail_closed=False)
    assert _warning(caplog).error == "DeadlineExceeded"  # type: ignore[attr-defined]


def test_the_requests_time_left_cuts_a_detector_before_its_own_timeout(
    silent_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Earlier work in the request (a key re-read, other detectors) leaves less than DETECTOR_TIMEOUT_SECONDS: the
    detector gets what is left, so the function answers before its own timeout."""
    client = create_client("comprehend", REGION, 2.0, endpoint_url=silent_endpoint)
    detector = GuardedDetector(ComprehendToxicity(client, THRESHOLDS, "en"), policy(timeout=2.0))

    started = time.monotonic()
    with request_time(ANSWER_MARGIN_SECONDS + 0.2):
        outcome = detector.check("input", TEXTS)

    _assert_fails(outcome, "comprehend.toxicity", fail_closed=False)
    assert _warning(caplog).error == "DeadlineExceeded"  # type: ignore[attr-defined]
    assert time.monotonic() - started < 1.5  # well before the detector's own 2 s


def test_the_socket_timeouts_alone_end_a_silent_call(silent_endpoint: str) -> None:
    """Without the deadline, the per-attempt timeouts derived from DETECTOR_TIMEOUT_SECONDS still end the call: a
    worker cut by the deadline is not stuck for long."""
    client = create_client("comprehend", REGION, 0.3, endpoint_url=silent_endpoint)

    with pytest.raises(Exception, match="Read timeout") as raised:
        client.detect_toxic_content(TextSegments=[{"Text": "hi"}], LanguageCode="en")

    assert type(raised.value).__name__ == "ReadTimeoutError"


def test_a_5xx_is_retried_once_within_the_deadline(error_server: Any, caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{error_server.server_address[1]}"
    client = create_client("comprehend", REGION, 2.0, endpoint_url=url)
    detector = GuardedDetector(ComprehendToxicity(client, THRESHOLDS, "en"), policy())

    _assert_fails(detector.check("input", TEXTS), "comprehend.toxicity", fail_closed=False)
    assert error_server.requests == 2
    assert _warning(caplog).error == "InternalServerException"  # type: ignore[attr-defined]


def test_a_stage_not_configured_is_not_sent(bedrock: tuple[Any, Stubber]) -> None:
    client, _ = bedrock  # nothing queued: a call would fail and show as "unavailable"
    detector = GuardedDetector(BedrockGuardrail(client, "abc", "1"), policy(fail_closed=True), frozenset({"input"}))

    outcome = detector.check("output", {"text": SECRET_TEXT})

    assert outcome == DetectorOutcome({"text": SECRET_TEXT})


def test_a_working_detector_passes_its_outcome_through(
    comprehend: tuple[Any, Stubber], caplog: pytest.LogCaptureFixture
) -> None:
    client, stubber = comprehend
    stubber.add_response("detect_toxic_content", {"ResultList": [{"Labels": [], "Toxicity": 0.9}, {"Toxicity": 0.0}]})
    detector = GuardedDetector(ComprehendToxicity(client, THRESHOLDS, "en"), policy(fail_closed=True))

    outcome = detector.check("input", TEXTS)

    assert outcome.blocked and outcome.preset_response is None
    assert outcome.hits == (Hit("comprehend.toxicity.TOXICITY", "toxicity", Action.BLOCK),)
    assert detector.name == "comprehend.toxicity"
    assert "detector unavailable" not in caplog.text
