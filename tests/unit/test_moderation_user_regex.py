"""Policy regexes run by RE2: linear time on hostile input, Python's meaning kept, unsupported constructs refused at
load with a message that names them and the place."""

from __future__ import annotations

# ruff: noqa: RUF001 - full-width characters are what the plain view turns into ASCII
import json
import re
import time
import unicodedata
from pathlib import Path

import pytest

from dify_extension.config_files import ConfigFileError, load_config_file
from dify_extension.protocol import ModerationInputParams
from moderation.policy import ModerationPolicy
from tests.unit.fresh_interpreter import run_fresh

CATASTROPHIC = r"^(\w+\s?)+$"  # issue 9: 26 letters and a "!" took 4.3 s with Python's re


def policy_with(regex: str) -> ModerationPolicy:
    rule = {"id": "r", "category": "c", "action": "mask", "regex": regex, "replacement": "[X]"}
    return ModerationPolicy.model_validate({"default": {"input": {"rules": [rule]}}})


@pytest.mark.parametrize(
    "pattern", [CATASTROPHIC, r"(a+)+b", r"(a|aa)+$", r"(.*a){20}z", r"^(([a-z])+.)+[A-Z]([a-z])+$", r"(x+x+)+y"]
)
def test_a_catastrophic_pattern_answers_at_once_on_10_kb_of_hostile_input(pattern: str) -> None:
    """Python's re would take longer than the age of the universe here; RE2 is linear (a "does not hang" bound)."""
    policy = policy_with(pattern)
    hostile = ("a" * 5_000 + "!") * 2
    started = time.perf_counter()
    answer = policy.moderate_input(ModerationInputParams(app_id="a", inputs={"x": "x" * 10_000 + "!"}, query=hostile))
    assert time.perf_counter() - started < 5
    assert answer.query == hostile


def test_the_issue_9_pattern_still_matches_what_it_should() -> None:
    answer = policy_with(CATASTROPHIC).moderate_input(ModerationInputParams(app_id="a", inputs={}, query="hello world"))
    assert (answer.flagged, answer.query) == (True, "[X]")


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        (r"tkt-\d{6}", "Ticket ＴＫＴ－１２３４５６ ok", ["ＴＫＴ－１２３４５６"]),  # case-insensitive, plain view
        (r"\d+", "Arabic-Indic ٣٤٥ and 12", ["٣٤٥", "12"]),  # Unicode digits, as in Python
        (r"\w+", "josé Ярослав 東京", ["josé", "Ярослав", "東京"]),
        (r"a\sb", "a\u2028b a\u00a0b", ["a\u2028b", "a\u00a0b"]),  # Unicode spaces
        (r"\W+", "a, b", [", "]),
        (r"[\w-]+@", "jean-luc@x", ["jean-luc@"]),
        (r"[\d.]+", "v 1.25", ["1.25"]),
        (r"end\Z", "the end", ["end"]),
        (r"x{,2}y", "xxxy", ["xxy"]),
        (r"\u00e9t\u00E9", "ÉTÉ", ["ÉTÉ"]),
        (r"[]a]+", "]a]", ["]a]"]),
        (r"[^]a]+", "]a]bc", ["bc"]),
        (r"(?P<year>\d{4})-\d\d", "on 2024-05", ["2024-05"]),
        (r"\p{Han}+", "中文 text", ["中文"]),
        (r"a.c", "a\nc abc", ["abc"]),  # "." stops at a line break, as in Python
    ],
)
def test_patterns_keep_their_python_meaning(pattern: str, text: str, expected: list[str]) -> None:
    stage = policy_with(pattern).stage("a", "input")
    assert stage is not None
    assert [text[hit.start : hit.end] for hit in stage.matcher.find(text)] == expected
    if "\\p" not in pattern:  # Python's re has no \p{...}; on the same plain text, it finds the same
        plain = unicodedata.normalize("NFKC", text)
        python = [match.group() for match in re.finditer(pattern, plain, re.IGNORECASE)]
        assert python == [unicodedata.normalize("NFKC", span) for span in expected]


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"(a)\1", "backreferences such as \\1"),
        (r"(?P<n>a)(?P=n)", "backreferences (?P=name)"),
        (r"foo(?=bar)", "lookahead (?=...)"),
        (r"foo(?!bar)", "negative lookahead"),
        (r"(?<=\$)\d+", "lookbehind (?<=...)"),
        (r"(?<!x)y", "negative lookbehind"),
        (r"(?>a+)b", "atomic groups"),
        (r"a++b", "possessive quantifiers"),
        (r"\d{2}+x", "possessive quantifiers"),
        (r"(a)?(?(1)b|c)", "conditionals"),
        (r"[\W_]+", "\\W inside [...]"),
        (r"a{1001}", "invalid repetition size"),
        (r"(unclosed", "missing )"),
        (r"a*", "matches the empty string"),
        (r"(?:x|)", "matches the empty string"),
        (r"x?", "matches the empty string"),
    ],
)
def test_what_re2_lacks_is_refused_at_load_naming_the_construct(tmp_path: Path, pattern: str, words: str) -> None:
    rules = [{"id": f"r{n}", "category": "c", "action": "block", "keywords": ["x"]} for n in range(2)]
    rules.append({"id": "bad", "category": "c", "action": "block", "regex": pattern})
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"apps": {"x": {"input": {"rules": rules}}}}), encoding="utf-8")
    with pytest.raises(ConfigFileError) as caught:
        load_config_file(ModerationPolicy, path)
    message = str(caught.value)
    assert "apps.x.input.rules.2.regex: " in message
    assert words in message


def test_a_policy_without_a_regex_does_not_load_re2() -> None:
    """google-re2 is a compiled extension: loading it costs cold-start time only policies with a regex pay."""
    code = (
        "import sys\n"
        "from moderation.policy import BUNDLED_POLICY, ModerationPolicy\n"
        "ModerationPolicy.model_validate_json(BUNDLED_POLICY.read_text())\n"
        "print('re2' in sys.modules, end=' ')\n"
        "ModerationPolicy.model_validate({'default': {'input': {'rules': [\n"
        "    {'id': 'r', 'category': 'c', 'action': 'block', 'regex': 'tkt-\\\\d+'}]}}})\n"
        "print('re2' in sys.modules)\n"
    )
    assert run_fresh(code).split() == ["False", "True"]
