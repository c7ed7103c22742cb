"""docs/moderation-policy.md's "Monitor-only rules", followed as a reader would: its rule added to the bundled
policy, then `make check` and `make moderate` print exactly what the page shows."""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from pathlib import Path

import pytest

from authoring import check, moderate
from tests.authoring.conftest import BUNDLED_POLICY, ROOT

PAGE = ROOT / "docs" / "moderation-policy.md"


def _section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("## Monitor-only rules\n")
    return text[start : text.index("\n## ", start + 1)]


def _fenced(section: str, language: str) -> list[str]:
    """The content of each fenced block of `language` ("" for none), dedented from the list item that nests it."""
    blocks: list[tuple[str, list[str]]] = []
    inside = False
    for line in section.splitlines():
        if line.strip().startswith("```"):
            if not inside:
                blocks.append((line.strip()[3:], []))
            inside = not inside
        elif inside:
            blocks[-1][1].append(line)
    return [textwrap.dedent("\n".join(lines)) for fence, lines in blocks if fence == language]


def test_the_pages_rule_checks_and_moderates_as_shown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    section = _section()
    (rule,) = [json.loads(block) for block in _fenced(section, "json")]
    assert rule["monitor"] is True
    policy = json.loads(BUNDLED_POLICY.read_text(encoding="utf-8"))
    policy["default"]["input"]["rules"].append(rule)
    path = tmp_path / "my-policy.json"
    path.write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")

    (console,) = _fenced(section, "")
    commands = re.split(r"^\$ ", console, flags=re.M)[1:]
    assert [command.split()[:2] for command in commands] == [["make", "check"], ["make", "moderate"]]
    for command in commands:
        line, *shown = command.splitlines()
        variables = dict(word.split("=", 1) for word in shlex.split(line)[2:])
        if line.startswith("make check"):
            assert variables == {"FILE": "my-policy.json"}
            assert check.main([str(path)]) == 0
        else:
            assert variables["POLICY"] == "my-policy.json"
            assert moderate.main(["--policy", str(path), "--text", variables["TEXT"]]) == 0
        printed = capsys.readouterr().out.replace(str(path), "my-policy.json")
        assert printed.splitlines() == shown
