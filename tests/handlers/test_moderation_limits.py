"""The policy's limits: past max_chars (all of a request's texts together) nothing is checked, and the request is
blocked with the stage's preset response (default) or passed as sent; the decision log names `limits/max_chars`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from dify_extension.config_files import ConfigFileError, load_config_file
from moderation.limits import MAX_CHARS_CEILING
from moderation.policy import ModerationPolicy
from tests.handlers.conftest import load_handler
from tests.handlers.test_moderation_handler import KEY, moderate_input, moderate_output, records

RULES = [{"id": "pii", "category": "pii", "action": "mask", "pii": ["email", "payment_card"]}]


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def handler_with(tmp_path: Path, secrets: Any, secret_name: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    secrets.create_secret(Name=secret_name, SecretString=KEY)

    def make(document: dict[str, Any]) -> Any:
        policy = write(tmp_path, document)
        return load_handler(
            "moderation", monkeypatch, API_KEY_SECRET_ID=secret_name, MODERATION_POLICY_FILE=str(policy)
        )

    return make


def decisions(output: str) -> list[tuple[str, str, list[str], list[str], int]]:
    return [
        (d["stage"], d["action"], d["rule_ids"], d["categories"], d["texts_checked"])
        for d in records(output)
        if d.get("message") == "moderation decision"
    ]


def test_by_default_a_request_past_100000_characters_is_blocked_unchecked(
    handler_with: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = handler_with(
        {"default": {"input": {"preset_response": "Too long.", "rules": RULES}, "output": {"rules": RULES}}}
    )
    capsys.readouterr()
    # Counted over all texts: 60,000 + 40,001 characters, the card numbers in them never looked at.
    query = "4111 1111 1111 1111 " * 3_000
    inputs = {"doc": "x" * 40_000 + "!", "n": 3}
    assert len(query) + 40_001 == MAX_CHARS_CEILING + 1
    assert moderate_input(handler, inputs, query) == {
        "flagged": True,
        "action": "direct_output",
        "preset_response": "Too long.",
        "inputs": inputs,
        "query": query,
    }
    at_limit = moderate_input(handler, {"doc": "x" * 40_000}, query)
    assert (at_limit["flagged"], at_limit["query"][:12]) == (True, "[CARD] [CARD")  # checked, and masked
    long_answer = "ana@example.com " * 6_251
    blocked = moderate_output(handler, long_answer)
    assert (blocked["action"], blocked["text"]) == ("direct_output", long_answer)
    assert blocked["preset_response"] == "The answer was withheld because it contained content that may not be shared."
    assert decisions(capsys.readouterr().out) == [
        ("input", "block", ["limits/max_chars"], ["limits"], 0),
        ("input", "mask", ["pii/payment_card"], ["pii"], 2),
        ("output", "block", ["limits/max_chars"], ["limits"], 0),
    ]


def test_a_policy_may_lower_the_limit_or_let_long_requests_pass_unchecked(
    handler_with: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = handler_with({"limits": {"max_chars": 50, "over_limit": "pass"}, "default": {"output": {"rules": RULES}}})
    capsys.readouterr()
    text = "mail ana@example.com, " * 3  # 66 characters: past 50, so unchecked
    assert moderate_output(handler, text) == {
        "flagged": False,
        "action": "overridden",
        "preset_response": "",
        "text": text,
    }
    assert moderate_output(handler, text[:44])["text"] == "mail [EMAIL], mail [EMAIL], "
    # A stage with no rules checks nothing, whatever the length: nothing to refuse.
    assert moderate_input(handler, {}, "y" * 60)["flagged"] is False
    assert decisions(capsys.readouterr().out) == [
        ("output", "pass", ["limits/max_chars"], ["limits"], 0),
        ("output", "mask", ["pii/email"], ["pii"], 1),
        ("input", "pass", [], [], 1),
    ]


def test_the_largest_request_dify_can_send_is_answered_at_once(handler_with: Any) -> None:
    """5.9 MB dense with card numbers took 4.65 s before the limit (issue 9); now it is refused without a scan."""
    handler = handler_with({"default": {"input": {"rules": RULES}}})
    query = "4111 1111 1111 1111 " * 295_000
    started = time.perf_counter()
    assert moderate_input(handler, {}, query)["action"] == "direct_output"
    assert time.perf_counter() - started < 5  # "does not hang": bench/moderation_worst_case.py measures


@pytest.mark.parametrize(
    ("limits", "words"),
    [
        ({"max_chars": 0}, "greater than or equal to 1"),
        ({"max_chars": MAX_CHARS_CEILING + 1}, f"less than or equal to {MAX_CHARS_CEILING}"),
        ({"over_limit": "mask"}, "'block' or 'pass'"),
        ({"max_char": 10}, "Extra inputs are not permitted"),
    ],
)
def test_bad_limits_fail_at_load_naming_the_place(tmp_path: Path, limits: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigFileError) as caught:
        load_config_file(ModerationPolicy, write(tmp_path, {"limits": limits}))
    assert "limits." in str(caught.value)
    assert words in str(caught.value)
