"""What `make publish`, `make dify-config` and `make smoke STACK=` say when AWS is not set up: which of region,
credentials, profile or stack is missing, and the one command that fixes it (authoring/aws_setup.py, shared)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from botocore.exceptions import ClientError

from authoring import dify_config, publish, smoke
from authoring.aws_setup import explain
from tests.authoring.conftest import EXAMPLE_POLICY, run_make

Tool = tuple[Callable[[Sequence[str] | None], int], list[str], str]
TOOLS: dict[str, Tool] = {
    "publish": (publish.main, ["--file", str(EXAMPLE_POLICY), "--stack", "dify"], "not published: "),
    "dify-config": (dify_config.main, ["--stack", "dify"], "no Dify settings: "),
    "smoke": (smoke.main, ["--stack", "dify"], "no smoke test: "),
}


def failure(name: str, capsys: pytest.CaptureFixture[str]) -> str:
    tool, argv, prefix = TOOLS[name]
    assert tool(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    message = captured.err.strip()
    assert message.startswith(prefix), message
    return message.removeprefix(prefix)


@pytest.fixture
def via_make(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHORING_VIA_MAKE", "1")


@pytest.mark.parametrize("name", TOOLS)
@pytest.mark.usefixtures("no_aws_setup")
def test_no_region_names_the_setting_that_fixes_it(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert failure(name, capsys) == "no AWS region: set --region eu-west-1 or run `aws configure`"
    monkeypatch.setenv("AUTHORING_VIA_MAKE", "1")
    assert failure(name, capsys) == "no AWS region: set REGION=eu-west-1 or run `aws configure`"


@pytest.mark.parametrize("name", TOOLS)
@pytest.mark.usefixtures("no_aws_setup", "via_make")
def test_no_credentials_says_aws_configure_or_a_profile(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert failure(name, capsys) == (
        "no AWS credentials: run `aws configure`, or set AWS_PROFILE=name (a profile in ~/.aws/config)"
    )


@pytest.mark.parametrize("name", TOOLS)
@pytest.mark.usefixtures("no_aws_setup")
def test_an_unknown_profile_is_named(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "ghost")
    assert failure(name, capsys) == (
        "no AWS profile 'ghost' (AWS_PROFILE): run `aws configure --profile ghost`, "
        "or set AWS_PROFILE to a profile in ~/.aws/config"
    )


@pytest.mark.parametrize("name", TOOLS)
@pytest.mark.usefixtures("aws", "via_make")
def test_a_missing_stack_names_it_and_its_region(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert failure(name, capsys) == (
        "stack dify: not found in eu-west-1: deploy it with `make deploy`, or give the region it is in: REGION=..."
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ExpiredToken", "your AWS credentials have expired (ExpiredToken): run `aws sso login` or `aws configure`"),
        (
            "InvalidClientTokenId",
            "AWS refused your credentials (InvalidClientTokenId): run `aws configure`, or set AWS_PROFILE=name",
        ),
        ("AccessDenied", "stack dify: access denied: not allowed"),
        ("Throttling", "stack dify: not allowed"),
    ],
)
def test_aws_refusals_are_one_line_with_their_fix(code: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    error = ClientError({"Error": {"Code": code, "Message": "not allowed"}}, "DescribeStacks")
    assert str(explain(error, "stack dify")) == expected


@pytest.mark.usefixtures("no_aws_setup")
def test_the_make_target_speaks_make() -> None:
    done = run_make("dify-config", "STACK=dify")
    assert done.returncode == 2  # make's code; the tool's shows as "Error 1"
    assert "no Dify settings: no AWS region: set REGION=eu-west-1 or run `aws configure`" in done.stderr
