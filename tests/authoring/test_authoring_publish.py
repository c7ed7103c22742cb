"""`make publish`: a checked file written where a stack (created in moto's CloudFormation) reads its config."""

from __future__ import annotations

import json

import boto3
import pytest

from authoring.publish import main
from tests.authoring.conftest import EXAMPLE_POLICY, EXAMPLE_TOOLS, WriteJson

PARAMETERS = (
    "ModerationPolicySsmParameter",
    "ModerationPolicyS3Uri",
    "ExternalDataToolsSsmParameter",
    "ExternalDataToolsS3Uri",
)


def create_stack(name: str, ttl: str = "60", **values: str) -> None:
    """A stack with the parameters the real template has for config stores (and one resource moto can create)."""
    template = {
        "Parameters": {
            **{parameter: {"Type": "String", "Default": ""} for parameter in PARAMETERS},
            "ConfigTtlSeconds": {"Type": "Number", "Default": 60},
        },
        "Resources": {
            "Marker": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Name": f"/marker/{name}", "Type": "String", "Value": "x"},
            }
        },
    }
    given = [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]
    boto3.client("cloudformation").create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[*given, {"ParameterKey": "ConfigTtlSeconds", "ParameterValue": ttl}],
    )


def publish(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.strip(), captured.err.strip()


@pytest.mark.usefixtures("aws")
def test_a_policy_goes_to_the_stacks_ssm_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    create_stack("dify", ttl="30", ModerationPolicySsmParameter="/dify/moderation-policy")
    code, out, err = publish(capsys, "--file", str(EXAMPLE_POLICY), "--stack", "dify")
    assert (code, err) == (0, "")
    parameter = boto3.client("ssm").get_parameter(Name="/dify/moderation-policy", WithDecryption=True)["Parameter"]
    assert parameter["Value"] == EXAMPLE_POLICY.read_text(encoding="utf-8")
    assert parameter["Type"] == "SecureString"
    assert "ssm:/dify/moderation-policy" in out
    assert "within 30 s (ConfigTtlSeconds)" in out


@pytest.mark.usefixtures("aws")
def test_an_existing_parameter_keeps_its_type_and_an_arn_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/dify/tools", Value="{}", Type="String")
    create_stack("dify", ExternalDataToolsSsmParameter="arn:aws:ssm:eu-west-1:123456789012:parameter/dify/tools")
    code, _, err = publish(capsys, "--file", str(EXAMPLE_TOOLS), "--stack", "dify")
    assert (code, err) == (0, "")
    parameter = ssm.get_parameter(Name="/dify/tools")["Parameter"]
    assert (parameter["Type"], parameter["Version"]) == ("String", 2)
    assert parameter["Value"] == EXAMPLE_TOOLS.read_text(encoding="utf-8")


@pytest.mark.usefixtures("aws")
def test_tools_go_to_the_stacks_s3_object(capsys: pytest.CaptureFixture[str]) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="config-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    create_stack("dify", ExternalDataToolsS3Uri="s3://config-bucket/dify/tools.json")
    code, out, _ = publish(capsys, "--file", str(EXAMPLE_TOOLS), "--stack", "dify")
    assert code == 0
    body = s3.get_object(Bucket="config-bucket", Key="dify/tools.json")["Body"].read()
    assert body == EXAMPLE_TOOLS.read_bytes()
    assert "s3://config-bucket/dify/tools.json" in out
    assert "within 60 s" in out


@pytest.mark.usefixtures("aws")
def test_a_dry_run_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    create_stack("dify", ModerationPolicySsmParameter="/dify/moderation-policy")
    code, out, _ = publish(capsys, "--file", str(EXAMPLE_POLICY), "--stack", "dify", "--dry-run")
    assert code == 0
    assert "would write it to ssm:/dify/moderation-policy" in out
    names = [item["Name"] for item in boto3.client("ssm").describe_parameters()["Parameters"]]
    assert names == ["/marker/dify"]


@pytest.mark.usefixtures("aws")
def test_an_invalid_file_is_refused_and_nothing_is_written(
    write_json: WriteJson, capsys: pytest.CaptureFixture[str]
) -> None:
    create_stack("dify", ModerationPolicySsmParameter="/dify/moderation-policy")
    broken = write_json(
        {"default": {"input": {"rules": [{"id": "r", "category": "c", "action": "drop", "regex": "x"}]}}}
    )
    code, out, err = publish(capsys, "--file", str(broken), "--stack", "dify")
    assert (code, out) == (1, "")
    assert err == f"not published: {broken}: default.input.rules.0.action: Input should be 'block' or 'mask'"
    with pytest.raises(boto3.client("ssm").exceptions.ParameterNotFound):
        boto3.client("ssm").get_parameter(Name="/dify/moderation-policy")


@pytest.mark.usefixtures("aws")
def test_a_policy_whose_examples_fail_is_refused_and_nothing_is_written(
    write_json: WriteJson, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check make check runs: every failing example named with what it got; the store keeps what it had."""
    create_stack("dify", ModerationPolicySsmParameter="/dify/moderation-policy")
    boto3.client("ssm").put_parameter(Name="/dify/moderation-policy", Value="{}", Type="SecureString")
    rule = {"id": "rivals", "category": "c", "action": "block", "keywords": ["globex"]}
    broken = write_json(
        {
            "default": {"input": {"rules": [rule]}},
            "examples": [
                {"text": "Globex is cheaper", "expect": "block", "rule": "rivals"},
                {"text": "Initech is cheaper", "expect": "block", "rule": "rivals"},
            ],
        }
    )
    code, out, err = publish(capsys, "--file", str(broken), "--stack", "dify")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"not published: {broken}: 1 of 2 examples fail (1 pass):",
        '  examples.1 "Initech is cheaper" (input): expected block by rivals; got pass (no rule fired)',
    ]
    parameter = boto3.client("ssm").get_parameter(Name="/dify/moderation-policy", WithDecryption=True)["Parameter"]
    assert (parameter["Value"], parameter["Version"]) == ("{}", 1)


@pytest.mark.usefixtures("aws")
def test_a_stack_on_the_bundled_file_has_nowhere_to_publish(capsys: pytest.CaptureFixture[str]) -> None:
    create_stack("dify", ModerationPolicySsmParameter="/dify/moderation-policy")
    code, _, err = publish(capsys, "--file", str(EXAMPLE_TOOLS), "--stack", "dify")
    assert code == 1
    assert err.startswith("not published: stack dify uses the bundled tools file")
    assert "nothing to publish to" in err


@pytest.mark.usefixtures("aws")
def test_a_missing_stack_or_a_too_big_parameter_fails_clearly(
    write_json: WriteJson, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = publish(capsys, "--file", str(EXAMPLE_POLICY), "--stack", "nope")
    assert code == 1
    assert err.startswith("not published: stack nope: ")
    create_stack("dify", ModerationPolicySsmParameter="/dify/moderation-policy")
    keywords = [f"word{number:05d}" for number in range(1000)]
    big = write_json(
        {"default": {"input": {"rules": [{"id": "r", "category": "c", "action": "block", "keywords": keywords}]}}}
    )
    code, _, err = publish(capsys, "--file", str(big), "--stack", "dify")
    assert code == 1
    assert "an SSM parameter holds at most 8192: use S3" in err


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--file", "x.json"])
    assert raised.value.code == 2
    assert "make publish FILE=path STACK=name" in capsys.readouterr().err


@pytest.mark.usefixtures("no_aws_setup")
def test_no_region_is_a_clear_failure(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = publish(capsys, "--file", str(EXAMPLE_POLICY), "--stack", "dify")
    assert code == 1
    assert err == "not published: no AWS region: set --region eu-west-1 or run `aws configure`"
