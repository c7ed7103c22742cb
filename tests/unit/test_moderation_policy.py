"""Keyword moderation: the bundled policy and policy files in tmp_path, their answers, and bad policy files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dify_extension.config_files import ConfigFileError
from dify_extension.protocol import (
    ModerationAction,
    ModerationInputAnswer,
    ModerationInputParams,
    ModerationOutputAnswer,
    ModerationOutputParams,
)
from moderation.policy import BUNDLED_POLICY, ModerationPolicy

POLICY = {
    "input": {"keywords": ["forbidden words", "Straße"], "preset_response": "Input refused."},
    "output": {"keywords": ["BEGIN PRIVATE KEY", "  secret sauce  "], "preset_response": "Output withheld."},
}


def write_policy(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def policy(tmp_path: Path) -> ModerationPolicy:
    return ModerationPolicy.load(write_policy(tmp_path, POLICY))


@pytest.fixture(scope="module")
def bundled() -> ModerationPolicy:
    return ModerationPolicy.load(BUNDLED_POLICY)


def check_input(policy: ModerationPolicy, inputs: dict[str, Any], query: str | None = "") -> ModerationInputAnswer:
    return policy.moderate_input(
        ModerationInputParams.model_validate({"app_id": "a", "inputs": inputs, "query": query})
    )


def check_output(policy: ModerationPolicy, text: str) -> ModerationOutputAnswer:
    return policy.moderate_output(ModerationOutputParams(app_id="a", text=text))


def assert_not_flagged_input(answer: ModerationInputAnswer, inputs: dict[str, Any], query: str) -> None:
    assert answer.flagged is False
    assert answer.action in set(ModerationAction)
    assert answer.inputs == inputs
    assert answer.query == query
    dumped = json.loads(answer.model_dump_json())
    assert set(dumped) == {"flagged", "action", "preset_response", "inputs", "query"}
    assert None not in dumped.values()


# The bundled policy.json


def test_bundled_policy_loads_and_has_keywords_for_both_stages(bundled: ModerationPolicy) -> None:
    """The shipped policy file is valid and blocks something at each stage."""
    assert bundled.input.keywords
    assert bundled.output.keywords
    assert bundled.input.preset_response.strip()
    assert bundled.output.preset_response.strip()


def test_bundled_policy_flags_each_input_keyword(bundled: ModerationPolicy) -> None:
    """Every bundled input keyword, inside a longer query, in another case, is flagged with direct_output."""
    for keyword in bundled.input.keywords:
        answer = check_input(bundled, {}, f"Please {keyword.upper()} and go on")
        assert answer.flagged is True, keyword
        assert answer.action == ModerationAction.DIRECT_OUTPUT
        assert answer.preset_response == bundled.input.preset_response


def test_bundled_policy_flags_each_output_keyword(bundled: ModerationPolicy) -> None:
    """Every bundled output keyword inside an answer is flagged with the output stage's preset_response."""
    for keyword in bundled.output.keywords:
        answer = check_output(bundled, f"Here it is:\n-----{keyword.lower()}-----\nMIIE...")
        assert answer.flagged is True, keyword
        assert answer.action == ModerationAction.DIRECT_OUTPUT
        assert answer.preset_response == bundled.output.preset_response


def test_bundled_policy_lets_ordinary_text_through(bundled: ModerationPolicy) -> None:
    """An ordinary question and answer are not flagged."""
    inputs = {"name": "Ann", "topic": "gardening"}
    assert_not_flagged_input(check_input(bundled, inputs, "How do I grow tomatoes?"), inputs, "How do I grow tomatoes?")
    assert check_output(bundled, "Water them every day.").flagged is False


# Input moderation


@pytest.mark.parametrize(
    ("inputs", "query"),
    [
        pytest.param({}, "these are Forbidden Words here", id="query"),
        pytest.param({"topic": "FORBIDDEN WORDS"}, "", id="input-value"),
        pytest.param({"a": "fine", "b": ["ok", "x forbidden words y"]}, "fine", id="in-list"),
        pytest.param({"file": {"meta": {"note": "forbidden words"}}}, "", id="nested-dict"),
        pytest.param({"files": [{"tags": ["ok", ["forbidden words"]]}]}, "", id="list-dict-list"),
        pytest.param({}, "STRASSE", id="casefold"),
    ],
)
def test_keyword_anywhere_in_input_is_flagged(policy: ModerationPolicy, inputs: dict[str, Any], query: str) -> None:
    """A keyword in the query or in any string inside inputs (nested too, any case) flags with direct_output."""
    answer = check_input(policy, inputs, query)
    assert answer.flagged is True
    assert answer.action == ModerationAction.DIRECT_OUTPUT
    assert answer.preset_response == POLICY["input"]["preset_response"]
    assert answer.inputs == inputs
    assert answer.query == query


@pytest.mark.parametrize(
    ("inputs", "query"),
    [
        pytest.param({}, "", id="empty"),
        pytest.param({"n": 3, "flag": True, "none": None, "price": 2.5}, "hello", id="non-strings"),
        pytest.param({"forbidden words": "key not value"}, "forbidden", id="keyword-as-key"),
        pytest.param({"a": "forbidden", "b": "words"}, "forbidden-words", id="split-across-values"),
        pytest.param({"list": ["secret sauce", "BEGIN PRIVATE KEY"]}, "", id="output-keywords"),
    ],
)
def test_input_without_keyword_is_not_flagged(policy: ModerationPolicy, inputs: dict[str, Any], query: str) -> None:
    """No hit: flagged false, an action present, inputs and query echoed unchanged, no preset response."""
    answer = check_input(policy, inputs, query)
    assert_not_flagged_input(answer, inputs, query)
    assert answer.preset_response == ""


def test_null_query_is_echoed_as_empty_string(policy: ModerationPolicy) -> None:
    """Dify's `query: null` comes back as "" (never null), flagged or not."""
    assert_not_flagged_input(check_input(policy, {"x": "y"}, None), {"x": "y"}, "")
    flagged = check_input(policy, {"x": "forbidden words"}, None)
    assert flagged.flagged is True
    assert flagged.query == ""


# Output moderation


@pytest.mark.parametrize("text", ["-----BEGIN PRIVATE KEY-----", "begin private key", "the Secret Sauce is"])
def test_keyword_in_output_is_flagged(policy: ModerationPolicy, text: str) -> None:
    """A keyword in the answer text (any case; keywords trimmed) flags it with the output preset_response."""
    answer = check_output(policy, text)
    assert answer.flagged is True
    assert answer.action == ModerationAction.DIRECT_OUTPUT
    assert answer.preset_response == POLICY["output"]["preset_response"]
    assert answer.text == text


@pytest.mark.parametrize("text", ["", "A harmless answer.", "forbidden words", "BEGIN PUBLIC KEY"])
def test_output_without_keyword_is_not_flagged(policy: ModerationPolicy, text: str) -> None:
    """No hit (input keywords do not count here): not flagged, an action present, text unchanged."""
    answer = check_output(policy, text)
    assert answer.flagged is False
    assert answer.action in set(ModerationAction)
    assert answer.text == text
    dumped = json.loads(answer.model_dump_json())
    assert set(dumped) == {"flagged", "action", "preset_response", "text"}
    assert None not in dumped.values()


def test_stage_without_keywords_flags_nothing(tmp_path: Path) -> None:
    """`keywords` may be left out: that stage then lets everything through."""
    document = {"input": {"preset_response": "no"}, "output": {"keywords": [], "preset_response": "no"}}
    policy = ModerationPolicy.load(write_policy(tmp_path, document))
    assert check_input(policy, {"a": "anything"}, "at all").flagged is False
    assert check_output(policy, "anything at all").flagged is False


# Bad policy files


@pytest.mark.parametrize(
    ("document", "place"),
    [
        pytest.param({**POLICY, "extra": {}}, "extra", id="unknown-top-level-key"),
        pytest.param(
            {**POLICY, "input": {**POLICY["input"], "keyword": ["x"]}}, "input.keyword", id="unknown-stage-key"
        ),
        pytest.param(
            {**POLICY, "output": {**POLICY["output"], "keywords": ["ok", ""]}}, "output.keywords.1", id="empty-keyword"
        ),
        pytest.param(
            {**POLICY, "input": {**POLICY["input"], "keywords": ["   "]}}, "input.keywords.0", id="blank-keyword"
        ),
        pytest.param({**POLICY, "input": {"keywords": ["x"]}}, "input.preset_response", id="missing-preset"),
        pytest.param(
            {**POLICY, "output": {"keywords": ["x"], "preset_response": ""}},
            "output.preset_response",
            id="empty-preset",
        ),
        pytest.param({"input": POLICY["input"]}, "output", id="missing-stage"),
        pytest.param({**POLICY, "input": {**POLICY["input"], "keywords": "x"}}, "input.keywords", id="keywords-str"),
        pytest.param("{not json", "(top level)", id="not-json"),
        pytest.param("[]", "(top level)", id="json-array"),
        pytest.param("", "(top level)", id="empty-file"),
    ],
)
def test_bad_policy_file_names_the_file_and_the_place(tmp_path: Path, document: object, place: str) -> None:
    """A policy file that cannot be used raises ConfigFileError naming the file and where in it."""
    path = write_policy(tmp_path, document)
    with pytest.raises(ConfigFileError) as caught:
        ModerationPolicy.load(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"{place}:" in message


def test_missing_policy_file_names_the_file(tmp_path: Path) -> None:
    """A policy file that does not exist raises ConfigFileError naming it."""
    path = tmp_path / "absent" / "policy.json"
    with pytest.raises(ConfigFileError) as caught:
        ModerationPolicy.load(path)
    assert str(path) in str(caught.value)
    assert "cannot read" in str(caught.value)


def test_every_bad_place_is_reported(tmp_path: Path) -> None:
    """All the problems of a file are listed at once, not only the first."""
    document = {"input": {"keywords": [""], "preset_response": "x"}, "output": {"keywords": []}, "other": 1}
    with pytest.raises(ConfigFileError) as caught:
        ModerationPolicy.load(write_policy(tmp_path, document))
    for place in ["input.keywords.0", "output.preset_response", "other"]:
        assert f"{place}:" in str(caught.value)
