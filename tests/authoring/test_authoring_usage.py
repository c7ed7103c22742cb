"""Usage mistakes under make name make variables (`FILE=path is required (...)`), for every authoring tool; run as
`python -m authoring.NAME`, the same mistakes name the options."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from authoring import check, dify_config, moderate, publish, query, smoke
from tests.authoring.conftest import run_make

Main = Callable[[Sequence[str] | None], int]


def usage_error(tool: Main, argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    with pytest.raises(SystemExit) as raised:
        tool(argv)
    assert raised.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


@pytest.mark.parametrize(
    ("tool", "argv", "usage", "messages"),
    [
        (
            check.main,
            [],
            "make check FILE=path",
            ["make check: FILE=path is required (the policy or tools file to check)"],
        ),
        (
            moderate.main,
            [],
            "make moderate TEXT='...' [POLICY=path]",
            ["make moderate: TEXT='...' is required (the query (input) or the answer (output) to check)"],
        ),
        (
            moderate.main,
            ["--text", "x", "--stage", "both"],
            "make moderate TEXT='...'",
            ["make moderate: STAGE: invalid choice: 'both' (choose from 'input', 'output')"],
        ),
        (
            moderate.main,
            ["--text", "x", "--stage", "output", "--inputs", '{"a": 1}'],
            "make moderate TEXT='...'",
            ["make moderate: INPUTS applies to the input stage only"],
        ),
        (query.main, [], "make query TOOL=name", ["make query: TOOL=name is required (the tool_variable to query)"]),
        (
            query.main,
            ["--tool", "t", "--inputs", "[1]"],
            "make query TOOL=name",
            ['make query: INPUTS: must be a JSON object, e.g. {"name": "Ana"}'],
        ),
        (
            publish.main,
            [],
            "make publish FILE=path STACK=name",
            [
                "make publish: FILE=path is required (the policy or tools file to publish)",
                "make publish: STACK=name is required (the deployed stack's name)",
            ],
        ),
        (
            dify_config.main,
            [],
            "make dify-config STACK=name [REGION=region]",
            ["make dify-config: STACK=name is required (the deployed stack's name)"],
        ),
        (
            smoke.main,
            ["--key", "k"],
            "make smoke URL=url KEY=key | STACK=name",
            ["make smoke: give URL and KEY, or STACK (the endpoints and key to call, or the stack that has them)"],
        ),
    ],
)
def test_under_make_mistakes_name_make_variables(
    tool: Main,
    argv: list[str],
    usage: str,
    messages: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTHORING_VIA_MAKE", "1")
    lines = usage_error(tool, argv, capsys)
    assert lines[0].startswith(f"usage: {usage}")
    assert lines[-len(messages) :] == messages
    assert not any("--" in line for line in lines), lines


def test_run_directly_mistakes_name_options(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTHORING_VIA_MAKE", raising=False)
    lines = usage_error(publish.main, [], capsys)
    assert lines[-1] == "python -m authoring.publish: error: the following arguments are required: --file, --stack"
    assert "make publish FILE=path STACK=name" in lines[0]  # the usage shows both forms


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("check", "make check: FILE=path is required"),
        ("publish", "make publish: FILE=path is required (the policy or tools file to publish)"),
        ("smoke", "make smoke: give URL and KEY, or STACK"),
    ],
)
def test_the_makefile_tells_the_tools_they_run_under_make(target: str, message: str) -> None:
    done = run_make(target)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Error 2" in done.stderr  # the tool's usage code
