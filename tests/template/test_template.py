"""template.yaml: lint, routes, runtime settings, the API key secret and least privilege.

The least-privilege checks run on the CloudFormation that SAM's own translator makes of the template (SAM adds
the functions' roles), with the template's conditions evaluated for each way of supplying the API key.
aws-sam-translator pins a pydantic older than the layer's, so it is not in the project venv: the transform runs
in the SAM CLI's venv (see SAM_CLI in the Makefile).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file  # type: ignore[import-untyped]
from cfnlint.decode.cfn_yaml import load  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dify/api-key-AbCdEf"
KMS_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
BASIC_EXECUTION_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

# Parameter overrides of each case, and the value every reference to the secret must take in it.
CASES: dict[str, tuple[dict[str, str], Any]] = {
    "created-secret": ({}, {"Ref": "ApiKeySecret"}),
    "existing-secret": ({"ExistingApiKeySecretArn": SECRET_ARN}, SECRET_ARN),
    "existing-secret-with-kms-key": (
        {"ExistingApiKeySecretArn": SECRET_ARN, "ExistingApiKeySecretKmsKeyArn": KMS_KEY_ARN},
        SECRET_ARN,
    ),
}

FUNCTIONS = {
    "ModerationFunction": ("moderation.handler.lambda_handler", "/moderation"),
    "ExternalDataToolFunction": ("external_data_tool.handler.lambda_handler", "/external-data-tool"),
}

# Runs in the SAM CLI's Python: SAM template as JSON on stdin, {case: parameter overrides} as argv[1],
# {case: CloudFormation template} on stdout. Local code paths become fake S3 URIs, as `sam validate` does.
_TRANSLATE = """
import json, sys
from boto3.session import Session
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

source = sys.stdin.read()
out = {}
for case, parameters in json.loads(sys.argv[1]).items():
    template = json.loads(source)
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = "s3://bucket/" + properties[key]
    translator = Translator(None, Parser(), [], boto_session=Session(region_name="us-east-1"))
    out[case] = translator.translate(template, parameter_values=parameters, get_managed_policy_map=dict)
json.dump(out, sys.stdout)
"""


def _sam_python() -> Path:
    sam_cli = os.environ.get("SAM_CLI")
    if not sam_cli:
        pytest.fail("SAM_CLI is not set: run the tests with `make test` (or `make pytest`), which sets it.")
    first_line = Path(sam_cli).read_bytes().split(b"\n", 1)[0].decode()
    if not first_line.startswith("#!") or "python" not in first_line:
        pytest.fail(f"SAM_CLI={sam_cli} is not a pip-installed SAM CLI script; run the tests with `make test`.")
    return Path(first_line[2:].strip())


@pytest.fixture(scope="module")
def sam_template() -> dict[str, Any]:
    template: dict[str, Any] = json.loads(json.dumps(load(str(TEMPLATE))))
    return template


@pytest.fixture(scope="module")
def translated(sam_template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """CloudFormation of each case, its conditions evaluated and the resources they exclude removed."""
    result = subprocess.run(
        [str(_sam_python()), "-c", _TRANSLATE, json.dumps({case: params for case, (params, _) in CASES.items()})],
        input=json.dumps(sam_template),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    templates: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return {case: _evaluate(templates[case], CASES[case][0]) for case in CASES}


def _evaluate(template: dict[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """What CloudFormation would see: Fn::If and conditional resources resolved, Ref to a parameter replaced
    by its value, AWS::NoValue dropped. Refs to resources stay as they are."""
    parameters = {name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()}
    parameters.update(overrides)
    conditions: dict[str, bool] = {}

    def condition(name: str) -> bool:
        if name not in conditions:
            conditions[name] = truth(template["Conditions"][name])
        return conditions[name]

    def truth(node: Any) -> bool:
        ((function, args),) = node.items()
        if function == "Condition":
            return condition(args)
        if function == "Fn::Equals":
            left, right = (resolve(arg) for arg in args)
            return bool(str(left) == str(right))
        if function == "Fn::Not":
            return not truth(args[0])
        if function == "Fn::And":
            return all(truth(arg) for arg in args)
        if function == "Fn::Or":
            return any(truth(arg) for arg in args)
        raise AssertionError(f"unsupported condition function {function}")

    def resolve(node: Any) -> Any:
        if isinstance(node, list):
            items = [resolve(item) for item in node]
            return [item for item in items if item != {"Ref": "AWS::NoValue"}]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Fn::If"}:
            name, if_true, if_false = node["Fn::If"]
            return resolve(if_true if condition(name) else if_false)
        if set(node) == {"Ref"} and node["Ref"] in parameters:
            return parameters[node["Ref"]]
        resolved = {key: resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value != {"Ref": "AWS::NoValue"}}

    resources = {
        name: resource
        for name, resource in template["Resources"].items()
        if "Condition" not in resource or condition(resource["Condition"])
    }
    evaluated: dict[str, Any] = resolve({**template, "Resources": resources})
    return evaluated


def _references(node: Any) -> Iterator[str]:
    """Logical ids and parameters a template fragment refers to (Ref, Fn::GetAtt, Fn::Sub)."""
    if isinstance(node, list):
        for item in node:
            yield from _references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                yield value
            elif key == "Fn::GetAtt":
                yield value[0] if isinstance(value, list) else value.split(".")[0]
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                for name in re.findall(r"\$\{([^!][^}]*)\}", text):
                    if name.split(".")[0] not in variables:
                        yield name.split(".")[0]
                yield from _references(variables)
            else:
                yield from _references(value)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _of_type(template: Mapping[str, Any], resource_type: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


def test_cfn_lint_reports_nothing() -> None:
    matches = lint_file(TEMPLATE)
    assert [str(match) for match in matches] == []


def test_http_api_has_exactly_the_two_post_routes(sam_template: dict[str, Any]) -> None:
    routes = set()
    for name, resource in sam_template["Resources"].items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            assert event["Type"] == "HttpApi", f"{name} has a {event['Type']} event"
            properties = event["Properties"]
            assert properties["ApiId"] == {"Ref": "DifyExtensionApi"}
            routes.add((properties["Method"], properties["Path"], name))
    assert routes == {
        ("POST", "/moderation", "ModerationFunction"),
        ("POST", "/external-data-tool", "ExternalDataToolFunction"),
    }
    assert list(_of_type(sam_template, "AWS::Serverless::HttpApi")) == ["DifyExtensionApi"]
    assert not _of_type(sam_template, "AWS::Serverless::Api")


def test_translated_api_integrates_each_route_with_its_function(translated: dict[str, dict[str, Any]]) -> None:
    template = translated["created-secret"]
    (api,) = _of_type(template, "AWS::ApiGatewayV2::Api").values()
    paths = api["Properties"]["Body"]["paths"]
    assert {path: set(methods) for path, methods in paths.items()} == {
        "/moderation": {"post"},
        "/external-data-tool": {"post"},
    }
    for function, (_, path) in FUNCTIONS.items():
        uri = paths[path]["post"]["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        assert f"${{{function}.Arn}}" in uri
    # No extra routes (e.g. a $default catch-all) next to the OpenAPI body.
    assert not _of_type(template, "AWS::ApiGatewayV2::Route")
    permissions = {
        p["Properties"]["FunctionName"]["Ref"]: p for p in _of_type(template, "AWS::Lambda::Permission").values()
    }
    assert set(permissions) == set(FUNCTIONS)
    for function, (_, path) in FUNCTIONS.items():
        source_arn = permissions[function]["Properties"]["SourceArn"]["Fn::Sub"][0]
        assert source_arn.endswith(f"/POST{path}")


@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_function_runtime_architecture_layer_and_build(sam_template: dict[str, Any], function: str) -> None:
    globals_ = sam_template["Globals"]["Function"]
    resource = sam_template["Resources"][function]
    properties = {**globals_, **resource["Properties"]}
    assert resource["Type"] == "AWS::Serverless::Function"
    assert properties["Runtime"] == "python3.13"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Layers"] == [{"Ref": "SharedLayer"}]
    assert properties["Handler"] == FUNCTIONS[function][0]
    assert resource["Metadata"]["BuildMethod"] == "makefile"


def test_shared_layer_is_built_for_arm64_python313(sam_template: dict[str, Any]) -> None:
    layer = sam_template["Resources"]["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


@pytest.mark.parametrize("case", list(CASES))
def test_every_reference_resolves(translated: dict[str, dict[str, Any]], case: str) -> None:
    # E.g. nothing may still point at ApiKeySecret when the stack does not create it.
    template = translated[case]
    known = set(template["Resources"]) | set(template.get("Parameters", {}))
    dangling = {name for name in _references(template) if not name.startswith("AWS::")} - known
    assert dangling == set()


@pytest.mark.parametrize("case", list(CASES))
def test_secret_is_generated_only_when_no_existing_one_is_given(
    translated: dict[str, dict[str, Any]], case: str
) -> None:
    secrets = _of_type(translated[case], "AWS::SecretsManager::Secret")
    if CASES[case][0].get("ExistingApiKeySecretArn"):
        assert secrets == {}
    else:
        assert list(secrets) == ["ApiKeySecret"]
        properties = secrets["ApiKeySecret"]["Properties"]
        assert "SecretString" not in properties
        assert properties["GenerateSecretString"]["PasswordLength"] >= 32


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_function_role_is_least_privilege(translated: dict[str, dict[str, Any]], case: str, function: str) -> None:
    template = translated[case]
    overrides, secret = CASES[case]
    resources = template["Resources"]
    properties = resources[function]["Properties"]
    assert properties["Environment"]["Variables"]["API_KEY_SECRET_ID"] == secret

    role_name, attribute = properties["Role"]["Fn::GetAtt"]
    assert attribute == "Arn"
    role = resources[role_name]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}}
    ]
    assert not role.get("Policies"), "no inline policies"
    assert sorted(role["ManagedPolicyArns"], key=json.dumps) == sorted(
        [BASIC_EXECUTION_ROLE, {"Ref": "ApiKeyReadPolicy"}], key=json.dumps
    )

    # The only IAM policy in the stack is ApiKeyReadPolicy, and it attaches to nothing by itself.
    policies = {
        name: r
        for name, r in resources.items()
        if r["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"}
    }
    assert list(policies) == ["ApiKeyReadPolicy"]
    policy = policies["ApiKeyReadPolicy"]["Properties"]
    assert not {"Roles", "Users", "Groups"} & set(policy)

    statements = policy["PolicyDocument"]["Statement"]
    granted = [
        (statement["Effect"], _as_list(statement["Action"]), _as_list(statement["Resource"]))
        for statement in statements
    ]
    expected = [("Allow", ["secretsmanager:GetSecretValue"], [secret])]
    if overrides.get("ExistingApiKeySecretKmsKeyArn"):
        expected.append(("Allow", ["kms:Decrypt"], [KMS_KEY_ARN]))
    assert granted == expected
    for statement in statements:
        assert not {"NotAction", "NotResource", "Principal"} & set(statement)
        assert all("*" not in str(item) for item in _as_list(statement["Action"]) + _as_list(statement["Resource"]))
        if statement["Action"] == "kms:Decrypt":
            assert set(statement["Condition"]["StringEquals"]) == {"kms:ViaService"}


@pytest.mark.parametrize("case", list(CASES))
def test_outputs(translated: dict[str, dict[str, Any]], case: str) -> None:
    outputs = translated[case]["Outputs"]
    secret = CASES[case][1]
    for name, path in (("ModerationEndpoint", "/moderation"), ("ExternalDataToolEndpoint", "/external-data-tool")):
        url = outputs[name]["Value"]["Fn::Sub"]
        assert url.startswith("https://${DifyExtensionApi}.execute-api.")
        assert url.endswith(path)
    assert outputs["ApiKeySecretArn"]["Value"] == secret
    command, variables = outputs["GetApiKeyCommand"]["Value"]["Fn::Sub"]
    assert command.startswith("aws secretsmanager get-secret-value ")
    assert "--version-stage AWSCURRENT" in command
    (secret_variable,) = re.findall(r"--secret-id \$\{(\w+)\}", command)
    assert variables[secret_variable] == secret
