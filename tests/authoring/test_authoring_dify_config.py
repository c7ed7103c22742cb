"""`make dify-config`: the Add API Extension dialog's fields, from a stack created in moto's CloudFormation and its
secret in moto's Secrets Manager."""

from __future__ import annotations

import json

import boto3
import pytest

from authoring.dify_config import main

API = "https://abc123.execute-api.eu-west-1.amazonaws.com"


def create_secret(key: str, name: str = "dify/dify-api-key") -> str:
    return str(boto3.client("secretsmanager").create_secret(Name=name, SecretString=key)["ARN"])


def create_stack(name: str, parameters: dict[str, str] | None = None, **outputs: str) -> None:
    """A stack with the outputs the real template gives (template.yaml Outputs), these parameters, and one resource
    moto can create."""
    given = parameters or {}
    template = {
        "Parameters": {parameter: {"Type": "String"} for parameter in given},
        "Resources": {
            "Marker": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Name": f"/marker/{name}", "Type": "String", "Value": "x"},
            }
        },
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation").create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in given.items()],
    )


def create_dify_stack(name: str, secret_arn: str, api: str = API, **parameters: str) -> None:
    create_stack(
        name,
        parameters,
        ModerationEndpoint=f"{api}/moderation",
        ExternalDataToolEndpoint=f"{api}/external-data-tool",
        ApiKeySecretArn=secret_arn,
    )


def dify_config(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip()


@pytest.mark.usefixtures("aws")
def test_prints_both_extensions_with_the_current_key(capsys: pytest.CaptureFixture[str]) -> None:
    secret = create_secret("  current-key-0123456789\n")
    # A key staged for rotation is not the one to type into Dify yet.
    boto3.client("secretsmanager").put_secret_value(
        SecretId=secret, SecretString="pending-key", VersionStages=["AWSPENDING"]
    )
    create_dify_stack("dify", secret)
    code, out, err = dify_config(capsys, "--stack", "dify")
    assert (code, err) == (0, "")
    fields = [line.split(":", 1) for line in out.splitlines() if line.startswith("  ") and ":  " in line]
    assert [(name.strip(), value.strip()) for name, value in fields] == [
        ("Name", "Moderation"),
        ("API Endpoint", f"{API}/moderation"),
        ("API-key", "current-key-0123456789"),
        ("Name", "External data"),
        ("API Endpoint", f"{API}/external-data-tool"),
        ("API-key", "current-key-0123456789"),
    ]
    assert out.startswith("Stack dify (eu-west-1). In Dify: Settings -> API Extension -> Add API Extension, twice:")
    assert "Content moderation -> API Extension -> Moderation" in out
    assert "API-based Variable" in out
    assert "python -m authoring.smoke --stack dify\n" in out
    assert "pending-key" not in out


@pytest.mark.usefixtures("aws")
def test_under_make_the_next_command_is_make_smoke(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHORING_VIA_MAKE", "1")
    create_dify_stack("dify", create_secret("k" * 48))
    code, out, _ = dify_config(capsys, "--stack", "dify", "--region", "eu-west-1")
    assert code == 0
    assert "make smoke STACK=dify REGION=eu-west-1\n" in out


@pytest.mark.usefixtures("aws")
def test_a_secret_in_another_region_is_read_there(capsys: pytest.CaptureFixture[str]) -> None:
    """ExistingApiKeySecretArn may name a secret of another region: its ARN says which."""
    secret = boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="shared", SecretString="k-us")
    create_dify_stack("dify", secret["ARN"])
    code, out, _ = dify_config(capsys, "--stack", "dify")
    assert code == 0
    assert "API-key:       k-us" in out


@pytest.mark.usefixtures("aws")
def test_a_stack_without_the_outputs_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    create_stack("other", ModerationEndpoint=f"{API}/moderation")
    code, out, err = dify_config(capsys, "--stack", "other")
    assert (code, out) == (1, "")
    assert err.startswith("no Dify settings: stack other: no ExternalDataToolEndpoint, ApiKeySecretArn output")
    assert "make deploy" in err


@pytest.mark.usefixtures("aws")
def test_a_missing_stack_or_secret_fails_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = dify_config(capsys, "--stack", "nope")
    assert code == 1
    assert err == (
        "no Dify settings: stack nope: not found in eu-west-1: deploy it with `make deploy`, or give the region it "
        "is in: --region ..."
    )
    create_dify_stack("dify", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gone-AbCdEf")
    code, _, err = dify_config(capsys, "--stack", "dify")
    assert code == 1
    assert err.startswith(
        "no Dify settings: the API key's secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:gone-AbCdEf: "
    )


@pytest.mark.usefixtures("aws")
def test_an_empty_key_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    create_dify_stack("dify", create_secret("   "))
    code, _, err = dify_config(capsys, "--stack", "dify")
    assert code == 1
    assert "is empty" in err
