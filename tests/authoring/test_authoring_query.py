"""`make query`: one tool run as the function runs it; its answer, its timing, and on failure the cause and status."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from authoring.query import main
from tests.authoring.conftest import EXAMPLE_TOOLS, WriteJson, run_make
from tests.tools.fake_upstream import FakeUpstream, Reply, fake_upstream, serve_open_meteo, weather_tools_file

TIMING = re.compile(r"^status: (?P<status>\d{3}) in \d+ ms(?P<fallback>, from the tool's fallback)?$")


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with fake_upstream() as server:
        yield server


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], re.Match[str], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    answer, timing = captured.out.splitlines()
    matched = TIMING.match(timing)
    assert matched is not None, timing
    return code, json.loads(answer), matched, captured.err.strip()


def test_a_template_tool_answers_from_the_request(capsys: pytest.CaptureFixture[str]) -> None:
    code, answer, timing, err = run(
        capsys, "--tool", "greeting", "--inputs", '{"name": "Ana"}', "--query", "hi?", "--tools", str(EXAMPLE_TOOLS)
    )
    assert (code, answer, timing["status"], timing["fallback"], err) == (
        0,
        {"result": "The user is called Ana; they asked: hi?"},
        "200",
        None,
        "",
    )


def test_per_app_tools_replace_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(EXAMPLE_TOOLS.read_text(encoding="utf-8"))
    expected = document["apps"]["3f1c2a8e-support-bot"]["greeting"]["template"].replace("{{inputs.name}}", "Ana")
    _, answer, _, _ = run(
        capsys, "--tool", "greeting", "--inputs", '{"name": "Ana"}', "--app-id", "3f1c2a8e-support-bot",
        "--tools", str(EXAMPLE_TOOLS),
    )  # fmt: skip
    assert "{{" not in expected
    assert answer == {"result": expected}


def test_the_weather_sample_through_a_fake_open_meteo(
    tmp_path: Any, upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_open_meteo(upstream)
    tools = weather_tools_file(tmp_path, upstream.url)
    code, answer, timing, _ = run(
        capsys, "--tool", "weather_retrieve", "--inputs", '{"location": "London"}', "--tools", str(tools)
    )
    assert code == 0
    assert answer["result"].startswith("City: London")
    assert timing["status"] == "200"


def _http_tool(url: str, **fields: Any) -> dict[str, Any]:
    return {"tools": {"t": {"kind": "http", "steps": [{"url": url}], "retries": 0, **fields}}}


def test_an_upstream_error_is_a_502_with_its_cause(
    upstream: FakeUpstream, write_json: WriteJson, capsys: pytest.CaptureFixture[str]
) -> None:
    upstream.routes["/x"] = Reply(500, {"error": "boom"})
    code, answer, timing, err = run(capsys, "--tool", "t", "--tools", str(write_json(_http_tool(f"{upstream.url}/x"))))
    assert (code, answer, timing["status"]) == (1, {"error": "tool t: upstream status 500"}, "502")
    assert err == "failed: tool t: upstream status 500"


def test_a_timeout_is_a_504(upstream: FakeUpstream, write_json: WriteJson, capsys: pytest.CaptureFixture[str]) -> None:
    upstream.routes["/slow"] = Reply(json={"ok": True}, delay=2)
    tools = write_json(_http_tool(f"{upstream.url}/slow", timeout_seconds=0.3, budget_seconds=0.5))
    code, answer, timing, _ = run(capsys, "--tool", "t", "--tools", str(tools))
    assert (code, answer, timing["status"]) == (1, {"error": "tool t: upstream timed out"}, "504")


def test_a_fallback_answers_200_and_the_cause_is_still_told(
    upstream: FakeUpstream, write_json: WriteJson, capsys: pytest.CaptureFixture[str]
) -> None:
    upstream.routes["/x"] = Reply(503, {"error": "down"})
    tools = write_json(_http_tool(f"{upstream.url}/x", fallback="Unavailable for {{inputs.id}}."))
    code, answer, timing, err = run(capsys, "--tool", "t", "--inputs", '{"id": "7"}', "--tools", str(tools))
    assert (code, answer, timing["status"], bool(timing["fallback"])) == (
        1,
        {"result": "Unavailable for 7."},
        "200",
        True,
    )
    assert err == "the upstream failed: upstream status 503"


def test_an_unknown_tool_or_a_long_input_is_a_400(write_json: WriteJson, capsys: pytest.CaptureFixture[str]) -> None:
    code, answer, timing, _ = run(capsys, "--tool", "nope", "--tools", str(EXAMPLE_TOOLS))
    assert (code, timing["status"]) == (1, "400")
    assert answer["error"].startswith("unknown tool_variable 'nope'; configured: customer, greeting")
    tools = write_json(_http_tool("http://127.0.0.1:9/{{inputs.id}}", max_input_chars=3))
    code, answer, timing, _ = run(capsys, "--tool", "t", "--inputs", '{"id": "12345"}', "--tools", str(tools))
    assert (code, answer, timing["status"]) == (1, {"error": "tool t: inputs.id is over 3 characters"}, "400")


def test_a_broken_tools_file_fails_naming_the_place(write_json: WriteJson, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write_json({"tools": {"t": {"kind": "template", "template": "{{inputs.}}"}}})
    assert main(["--tool", "t", "--tools", str(broken)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{broken}: tools.t.template: ")


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["--tool", "t", "--inputs", "not json"]):
        with pytest.raises(SystemExit) as raised:
            main(argv)
        assert raised.value.code == 2
    assert "make query TOOL=name" in capsys.readouterr().err


def test_the_make_target_passes_inputs_and_reports_a_broken_file(write_json: WriteJson) -> None:
    done = run_make("query", "TOOL=greeting", 'INPUTS={"name": "Ana \\"A\\" Lee"}', f"TOOLS={EXAMPLE_TOOLS}")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0]) == {"result": 'The user is called Ana "A" Lee; they asked: '}
    broken = write_json({"tools": {"t": {"kind": "http", "steps": [{"url": "ftp://example.com/x"}]}}})
    done = run_make("query", "TOOL=t", f"TOOLS={broken}")
    assert done.returncode == 2  # make's code; the tool's shows as "Error 1"
    assert f"{broken}: tools.t.steps.0.url: must be an absolute http:// or https:// URL" in done.stderr
    assert "Error 1" in done.stderr


def test_a_policy_given_as_the_tools_file_is_named_as_such(
    write_json: WriteJson, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write_json({"$schema": "x/moderation-policy.schema.json", "apps": {}})
    assert main(["--tool", "t", "--tools", str(policy)]) == 1
    assert capsys.readouterr().err.strip() == f"{policy}: (top level): a moderation policy, not a tools file"
    # Nothing says which it is: read as a tools file, with a tools file's problems.
    unlabelled = write_json({"apps": {}})
    assert main(["--tool", "t", "--tools", str(unlabelled)]) == 1
    assert capsys.readouterr().err.strip() == f"{unlabelled}: tools: Field required"
