"""Issue 8 through `make run` (`python -m local_api` over real HTTP): a policy file written as docs/moderation-policy.md
says, the defects that let keywords through, evasions masked exactly, and the decision log naming the evasion forms."""

# ruff: noqa: RUF001 - look-alike letters are what these tests are about

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.local_api.test_local_api_e2e import MODERATION, LocalApi

POLICY = {
    "default": {
        "input": {
            "rules": [
                {"id": "goods", "category": "contraband", "action": "block", "keywords": ["contraband", "kılıç"]},
                {"id": "weapons", "category": "weapons", "action": "block", "keywords": ["हथियार", "оружие"]},
                {"id": "swear", "category": "profanity", "action": "mask", "whole_word": True, "keywords": ["shit"]},
            ]
        }
    }
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    policy = tmp_path_factory.mktemp("policy") / "policy.json"
    policy.write_text(json.dumps(POLICY), encoding="utf-8")
    local_api = LocalApi(MODERATION_POLICY_FILE=str(Path(policy)), LOG_LEVEL="INFO")
    try:
        yield local_api
    finally:
        if local_api.process.poll() is None:
            local_api.stop(signal.SIGINT)


def moderate(api: LocalApi, query: str) -> dict[str, Any]:
    params = {"app_id": "e2e", "inputs": {}, "query": query}
    status, _, body = api.call(MODERATION, {"point": "app.moderation.input", "params": params})
    assert status == 200
    answer: dict[str, Any] = json.loads(body)
    return answer


@pytest.mark.parametrize(
    "query",
    [
        "co\u0345ntraband",  # a mark that case folding turns into a letter
        "co\u1ab0ntra\u1dc0ba\u20d2nd\ufe20",  # marks outside U+0300-U+036F
        "KILIÇ",  # Turkish capitals
        "c.0.n.t.r.@.b.a.n.d",
        "buy соntrаbаnd",  # Cyrillic look-alikes
        "где oружие?",  # a Latin look-alike in a Russian word
        "\u202ednabartnoc\u202c",
    ],
)
def test_evasions_are_blocked(api: LocalApi, query: str) -> None:
    assert moderate(api, query)["action"] == "direct_output"


@pytest.mark.parametrize("query", ["हथयार", "this hit the spot", "Shitake mushrooms", "ана@example.com"])
def test_ordinary_text_passes(api: LocalApi, query: str) -> None:
    assert moderate(api, query) == {
        "flagged": False,
        "action": "overridden",
        "preset_response": "",
        "inputs": {},
        "query": query,
    }


def test_an_evasion_is_masked_exactly_and_logged_by_its_forms(api: LocalApi) -> None:
    logged_before = len(api.lines_with('"moderation decision"', 0))
    answer = moderate(api, "oh $.h.1.t, ok")
    assert answer["query"] == "oh [REDACTED], ok"
    decisions = [json.loads(line) for line in api.lines_with('"moderation decision"', logged_before + 1)]
    assert decisions[-1]["evasions"] == ["leetspeak", "separated"]
    assert "$.h.1.t" not in "".join(api.stdout)
