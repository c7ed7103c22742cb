"""template.yaml: lint, routes, runtime settings, the API key secret, the opt-in AWS features and least privilege.

The least-privilege checks run on the CloudFormation that SAM's own translator makes of the template (SAM adds
the functions' roles), with the template's conditions evaluated for each way of supplying the API key and for each
opt-in feature (a policy or tools config in SSM or S3, the AWS detectors, the tools' tables, knowledge bases and
secrets); ARNs are then rendered as CloudFormation would in us-east-1 of account 123456789012.
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
ACCOUNT = "123456789012"
PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "dify-extension",
}

# Parameter overrides of each case, and the value every reference to the secret must take in it.
CASES: dict[str, tuple[dict[str, str], Any]] = {
    "created-secret": ({}, {"Ref": "ApiKeySecret"}),
    "existing-secret": ({"ExistingApiKeySecretArn": SECRET_ARN}, SECRET_ARN),
    "existing-secret-with-kms-key": (
        {"ExistingApiKeySecretArn": SECRET_ARN, "ExistingApiKeySecretKmsKeyArn": KMS_KEY_ARN},
        SECRET_ARN,
    ),
}

REGION = "us-east-1"
POLICY_KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
TOOLS_KMS_KEYS = [
    "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-2222-3333-4444-555555555555",
    "arn:aws:kms:us-east-1:123456789012:key/bbbbbbbb-2222-3333-4444-555555555555",
]
UPSTREAM_SECRETS = [
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:weather/api-key-AbCdEf",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:crm/token-GhIjKl",
]
SHARED_PARAMETER = "arn:aws:ssm:eu-west-1:210987654321:parameter/shared/dify-policy"
TABLES = ["customers", "orders.v2", "Inventory_2024", "a-b", "fifth"]
KNOWLEDGE_BASES = ["KB12345678", "ABCDEFGHIJ"]


def _via(*services: str) -> list[str]:
    return [f"{service}.{REGION}.amazonaws.com" for service in services]


def _table_arns(*names: str) -> list[str]:
    prefix = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
    return [arn for name in names for arn in (prefix + name, f"{prefix}{name}/index/*")]


Grant = tuple[str, tuple[str, ...], tuple[Any, ...], tuple[str, ...]]
"""Sid, actions, resources (an ARN, or the Fn::Sub of a resource's ARN), the kms:ViaService values it is limited to
(empty: no condition)."""


def _grant(sid: str, actions: list[str], resources: list[Any], via: list[str] | None = None) -> Grant:
    return (sid, tuple(sorted(actions)), tuple(sorted(resources, key=json.dumps)), tuple(sorted(via or [])))


PARAMETER_GRANT = "ReadPolicyParameter", ["ssm:GetParameter"]
# Parameter overrides of each feature case, and the grants each function must then have beyond the API key.
FEATURES: dict[str, tuple[dict[str, str], dict[str, list[Grant]]]] = {
    "all-off": ({}, {}),
    "kms-keys-alone-grant-nothing": (
        {"ModerationPolicyKmsKeyArn": POLICY_KMS_KEY, "ExternalDataToolsKmsKeyArns": ",".join(TOOLS_KMS_KEYS)},
        {},
    ),
    "policy-parameter-path": (
        {"ModerationPolicySsmParameter": "/dify/moderation-policy"},
        {
            "ModerationFunction": [
                _grant(
                    "ReadPolicyParameter",
                    ["ssm:GetParameter"],
                    [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/dify/moderation-policy"],
                )
            ]
        },
    ),
    "policy-parameter-plain-name-with-kms": (
        {"ModerationPolicySsmParameter": "dify-policy", "ModerationPolicyKmsKeyArn": POLICY_KMS_KEY},
        {
            "ModerationFunction": [
                _grant(
                    "ReadPolicyParameter",
                    ["ssm:GetParameter"],
                    [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/dify-policy"],
                ),
                _grant("DecryptPolicy", ["kms:Decrypt"], [POLICY_KMS_KEY], _via("ssm")),
            ]
        },
    ),
    "policy-parameter-arn": (
        {"ModerationPolicySsmParameter": SHARED_PARAMETER},
        {"ModerationFunction": [_grant("ReadPolicyParameter", ["ssm:GetParameter"], [SHARED_PARAMETER])]},
    ),
    "policy-object-with-kms": (
        {
            "ModerationPolicyS3Uri": "s3://my.config-bucket/dify/policy v2.json",
            "ModerationPolicyKmsKeyArn": POLICY_KMS_KEY,
        },
        {
            "ModerationFunction": [
                _grant("ReadPolicyObject", ["s3:GetObject"], ["arn:aws:s3:::my.config-bucket/dify/policy v2.json"]),
                _grant("DecryptPolicy", ["kms:Decrypt"], [POLICY_KMS_KEY], _via("s3")),
            ]
        },
    ),
    "guardrail": (
        {"BedrockGuardrailId": "abc123def456", "BedrockGuardrailVersion": "3"},
        {
            "ModerationFunction": [
                _grant(
                    "ApplyGuardrail",
                    ["bedrock:ApplyGuardrail"],
                    [f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/abc123def456"],
                )
            ]
        },
    ),
    "comprehend-toxicity": (
        {"ComprehendToxicityThresholds": "TOXICITY=0.8,HATE_SPEECH=0.5"},
        {"ModerationFunction": [_grant("DetectToxicContent", ["comprehend:DetectToxicContent"], ["*"])]},
    ),
    "comprehend-pii": (
        {"ComprehendPiiEntityTypes": "ALL"},
        {"ModerationFunction": [_grant("DetectPiiEntities", ["comprehend:DetectPiiEntities"], ["*"])]},
    ),
    "tools-parameter": (
        {"ExternalDataToolsSsmParameter": "/dify/tools"},
        {
            "ExternalDataToolFunction": [
                _grant(
                    "ReadToolsParameter", ["ssm:GetParameter"], [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/dify/tools"]
                )
            ]
        },
    ),
    "tools-object-with-kms": (
        {"ExternalDataToolsS3Uri": "s3://tools-config/tools.json", "ExternalDataToolsKmsKeyArns": TOOLS_KMS_KEYS[0]},
        {
            "ExternalDataToolFunction": [
                _grant("ReadToolsObject", ["s3:GetObject"], ["arn:aws:s3:::tools-config/tools.json"]),
                _grant("DecryptToolsConfigAndSecrets", ["kms:Decrypt"], [TOOLS_KMS_KEYS[0]], _via("s3")),
            ]
        },
    ),
    "one-table": (
        {"DynamoDbTableNames": "customers"},
        {
            "ExternalDataToolFunction": [
                _grant("ReadTables", ["dynamodb:GetItem", "dynamodb:Query"], _table_arns("customers"))
            ]
        },
    ),
    "five-tables": (
        {"DynamoDbTableNames": ",".join(TABLES)},
        {
            "ExternalDataToolFunction": [
                _grant("ReadTables", ["dynamodb:GetItem", "dynamodb:Query"], _table_arns(*TABLES))
            ]
        },
    ),
    "knowledge-bases": (
        {"BedrockKnowledgeBaseIds": ",".join(KNOWLEDGE_BASES)},
        {
            "ExternalDataToolFunction": [
                _grant(
                    "RetrieveFromKnowledgeBases",
                    ["bedrock:Retrieve"],
                    [f"arn:aws:bedrock:{REGION}:{ACCOUNT}:knowledge-base/{kb}" for kb in KNOWLEDGE_BASES],
                )
            ]
        },
    ),
    "upstream-secrets-with-kms": (
        {"UpstreamSecretArns": ",".join(UPSTREAM_SECRETS), "ExternalDataToolsKmsKeyArns": ",".join(TOOLS_KMS_KEYS)},
        {
            "ExternalDataToolFunction": [
                _grant("ReadUpstreamSecrets", ["secretsmanager:GetSecretValue"], UPSTREAM_SECRETS),
                _grant("DecryptToolsConfigAndSecrets", ["kms:Decrypt"], TOOLS_KMS_KEYS, _via("secretsmanager")),
            ]
        },
    ),
    "everything": (
        {
            "ModerationPolicySsmParameter": "/dify/moderation-policy",
            "ModerationPolicyKmsKeyArn": POLICY_KMS_KEY,
            "BedrockGuardrailId": "abc123def456",
            "ComprehendToxicityThresholds": "TOXICITY=0.8",
            "ComprehendPiiEntityTypes": "EMAIL,PHONE",
            "ExternalDataToolsS3Uri": "s3://tools-config/tools.json",
            "ExternalDataToolsKmsKeyArns": ",".join(TOOLS_KMS_KEYS),
            "UpstreamSecretArns": UPSTREAM_SECRETS[0],
            "DynamoDbTableNames": "customers,orders.v2",
            "BedrockKnowledgeBaseIds": KNOWLEDGE_BASES[0],
        },
        {
            "ModerationFunction": [
                _grant(
                    "ReadPolicyParameter",
                    ["ssm:GetParameter"],
                    [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/dify/moderation-policy"],
                ),
                _grant("DecryptPolicy", ["kms:Decrypt"], [POLICY_KMS_KEY], _via("ssm")),
                _grant(
                    "ApplyGuardrail",
                    ["bedrock:ApplyGuardrail"],
                    [f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/abc123def456"],
                ),
                _grant("DetectToxicContent", ["comprehend:DetectToxicContent"], ["*"]),
                _grant("DetectPiiEntities", ["comprehend:DetectPiiEntities"], ["*"]),
            ],
            "ExternalDataToolFunction": [
                _grant("ReadToolsObject", ["s3:GetObject"], ["arn:aws:s3:::tools-config/tools.json"]),
                _grant("ReadUpstreamSecrets", ["secretsmanager:GetSecretValue"], UPSTREAM_SECRETS[:1]),
                _grant("DecryptToolsConfigAndSecrets", ["kms:Decrypt"], TOOLS_KMS_KEYS, _via("s3", "secretsmanager")),
                _grant("ReadTables", ["dynamodb:GetItem", "dynamodb:Query"], _table_arns("customers", "orders.v2")),
                _grant(
                    "RetrieveFromKnowledgeBases",
                    ["bedrock:Retrieve"],
                    [f"arn:aws:bedrock:{REGION}:{ACCOUNT}:knowledge-base/{KNOWLEDGE_BASES[0]}"],
                ),
            ],
        },
    ),
}

REVIEW_KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/cccccccc-2222-3333-4444-555555555555"
REVIEW_SAMPLES = {"Fn::Sub": "${ReviewBucket.Arn}/samples/*"}
FEATURES["review"] = (
    {"ReviewSamplePercent": "10", "ReviewStoreFullText": "true"},
    {"ModerationFunction": [_grant("WriteReviewSamples", ["s3:PutObject"], [REVIEW_SAMPLES])]},
)
FEATURES["review-with-kms-key"] = (
    {"ReviewSamplePercent": "100", "ReviewKmsKeyArn": REVIEW_KMS_KEY},
    {
        "ModerationFunction": [
            _grant("WriteReviewSamples", ["s3:PutObject"], [REVIEW_SAMPLES]),
            _grant("EncryptReviewSamples", ["kms:GenerateDataKey"], [REVIEW_KMS_KEY], _via("s3")),
        ]
    },
)
FEATURES["review-kms-key-alone-grants-nothing"] = ({"ReviewKmsKeyArn": REVIEW_KMS_KEY}, {})

# The variables each function reads, and the parameter (or fixed value) template.yaml gives each.
FUNCTION_VARIABLES: dict[str, dict[str, str]] = {
    "ModerationFunction": {
        "MODERATION_POLICY_FILE": "",
        "MODERATION_POLICY_SSM_PARAMETER": "ModerationPolicySsmParameter",
        "MODERATION_POLICY_S3_URI": "ModerationPolicyS3Uri",
        "MODERATION_POLICY_TTL_SECONDS": "ConfigTtlSeconds",
        "BEDROCK_GUARDRAIL_ID": "BedrockGuardrailId",
        "BEDROCK_GUARDRAIL_VERSION": "BedrockGuardrailVersion",
        "BEDROCK_GUARDRAIL_STAGES": "BedrockGuardrailStages",
        "COMPREHEND_TOXICITY_THRESHOLDS": "ComprehendToxicityThresholds",
        "COMPREHEND_TOXICITY_STAGES": "ComprehendToxicityStages",
        "COMPREHEND_PII_ENTITY_TYPES": "ComprehendPiiEntityTypes",
        "COMPREHEND_PII_STAGES": "ComprehendPiiStages",
        "COMPREHEND_LANGUAGE_CODE": "ComprehendLanguageCode",
        "DETECTOR_FAILURE_MODE": "DetectorFailureMode",
        "DETECTOR_TIMEOUT_SECONDS": "DetectorTimeoutSeconds",
        "DETECTOR_UNAVAILABLE_RESPONSE": "DetectorUnavailableResponse",
        "REVIEW_SAMPLE_PERCENT": "ReviewSamplePercent",
        "REVIEW_STORE_FULL_TEXT": "ReviewStoreFullText",
    },
    "ExternalDataToolFunction": {
        "EXTERNAL_DATA_TOOLS_FILE": "",
        "EXTERNAL_DATA_TOOLS_SSM_PARAMETER": "ExternalDataToolsSsmParameter",
        "EXTERNAL_DATA_TOOLS_S3_URI": "ExternalDataToolsS3Uri",
        "EXTERNAL_DATA_TOOLS_TTL_SECONDS": "ConfigTtlSeconds",
    },
}


FUNCTIONS = {
    "ModerationFunction": ("moderation.handler.lambda_handler", "/moderation"),
    "ExternalDataToolFunction": ("external_data_tool.handler.lambda_handler", "/external-data-tool"),
}
# What API Gateway invokes: the moderation function through its "live" alias (where provisioned concurrency lives).
INTEGRATION_TARGETS = {
    "ModerationFunction": "ModerationFunctionAliaslive",
    "ExternalDataToolFunction": "ExternalDataToolFunction.Arn",
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
    overrides = {case: params for case, (params, _) in CASES.items()}
    overrides.update((case, params) for case, (params, _) in FEATURES.items())
    return translate(sam_template, overrides)


def translate(sam_template: dict[str, Any], overrides: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, Any]]:
    """CloudFormation of each case (its parameter overrides), its conditions evaluated and the resources they
    exclude removed."""
    result = subprocess.run(
        [str(_sam_python()), "-c", _TRANSLATE, json.dumps(overrides)],
        input=json.dumps(sam_template),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    templates: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return {case: _evaluate(templates[case], params) for case, params in overrides.items()}


def _parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Each parameter's value as CloudFormation passes it: a list for a CommaDelimitedList."""
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        value = overrides.get(name, spec.get("Default"))
        values[name] = str(value).split(",") if spec["Type"] == "CommaDelimitedList" else value
    return values


def _render(node: Any, parameters: Mapping[str, Any]) -> Any:
    """Fn::Sub, Fn::Select, Fn::Split, Fn::Join and Refs to parameters and pseudo parameters computed as
    CloudFormation computes them; anything naming a resource is left as it is."""
    if isinstance(node, list):
        return [_render(item, parameters) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((function, args),) = node.items()
        rendered = _render_function(function, args, parameters)
        if rendered is not None:
            return rendered
    return {key: _render(value, parameters) for key, value in node.items()}


def _render_function(function: str, args: Any, parameters: Mapping[str, Any]) -> Any:
    """The value of one intrinsic function, or None when it is not one _render computes."""
    known = {**PSEUDO_PARAMETERS, **parameters}
    if function == "Ref":
        return known.get(args)
    if function == "Fn::Sub":
        text, variables = (args, {}) if isinstance(args, str) else args
        known.update(_render(variables, parameters))
        names = re.findall(r"\$\{([^!}][^}]*)\}", text)
        if not all(isinstance(known.get(name), str) for name in names):
            return None
        return re.sub(r"\$\{([^!}][^}]*)\}", lambda match: known[match[1]], text)
    if function in ("Fn::Select", "Fn::Split", "Fn::Join"):
        first, second = _render(args, parameters)
        if function == "Fn::Select":
            return second[int(first)]
        return second.split(first) if function == "Fn::Split" else first.join(second)
    return None


def _evaluate(template: dict[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """What CloudFormation would see: Fn::If and conditional resources and outputs resolved, Ref to a parameter
    replaced by its value, AWS::NoValue dropped. Refs to resources stay as they are."""
    parameters = _parameter_values(template, overrides)
    conditions: dict[str, bool] = {}

    def condition(name: str | bool) -> bool:
        if isinstance(name, bool):  # no Condition
            return name
        if name not in conditions:
            conditions[name] = truth(template["Conditions"][name])
        return conditions[name]

    def truth(node: Any) -> bool:
        ((function, args),) = node.items()
        if function == "Condition":
            return condition(args)
        if function == "Fn::Equals":
            left, right = (_render(resolve(arg), parameters) for arg in args)
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

    resources, outputs = (
        {name: item for name, item in template.get(section, {}).items() if condition(item.get("Condition", True))}
        for section in ("Resources", "Outputs")
    )
    evaluated: dict[str, Any] = resolve({**template, "Resources": resources, "Outputs": outputs})
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
        assert f"${{{INTEGRATION_TARGETS[function]}}}" in uri
    # No extra routes (e.g. a $default catch-all) next to the OpenAPI body.
    assert not _of_type(template, "AWS::ApiGatewayV2::Route")
    permissions = {
        p["Properties"]["FunctionName"]["Ref"]: p for p in _of_type(template, "AWS::Lambda::Permission").values()
    }
    targets = {function: INTEGRATION_TARGETS[function].removesuffix(".Arn") for function in FUNCTIONS}
    assert set(permissions) == set(targets.values())
    for function, (_, path) in FUNCTIONS.items():
        source_arn = permissions[targets[function]]["Properties"]["SourceArn"]["Fn::Sub"][0]
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


def _granted(template: Mapping[str, Any], function: str, parameters: Mapping[str, Any]) -> list[Grant]:
    """Every statement of the managed policies on the function's role, except the API key's, as Grants."""
    resources = template["Resources"]
    role = resources[resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]
    grants = []
    for arn in role["ManagedPolicyArns"]:
        if arn in (BASIC_EXECUTION_ROLE, {"Ref": "ApiKeyReadPolicy"}):
            continue
        policy = resources[arn["Ref"]]
        assert policy["Type"] == "AWS::IAM::ManagedPolicy"
        for statement in _render(policy["Properties"]["PolicyDocument"]["Statement"], parameters):
            assert statement["Effect"] == "Allow"
            assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}
            via = []
            if "Condition" in statement:
                assert list(statement["Condition"]) == ["StringEquals"]
                assert list(statement["Condition"]["StringEquals"]) == ["kms:ViaService"]
                via = _as_list(statement["Condition"]["StringEquals"]["kms:ViaService"])
            grants.append(_grant(statement["Sid"], _as_list(statement["Action"]), _as_list(statement["Resource"]), via))
    return grants


@pytest.mark.parametrize("case", list(FEATURES))
@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_features_grant_exactly_their_resources(
    translated: dict[str, dict[str, Any]], case: str, function: str
) -> None:
    """Off: no statement for it anywhere. On: exactly the named resources, to the function that uses them, and
    never to the other one."""
    template = translated[case]
    overrides, expected = FEATURES[case]
    parameters = _parameter_values(template, overrides)
    assert sorted(_granted(template, function, parameters)) == sorted(expected.get(function, []))


@pytest.mark.parametrize("case", list(FEATURES))
def test_feature_policies_exist_only_when_used(translated: dict[str, dict[str, Any]], case: str) -> None:
    """A function that calls nothing beyond its API key has no extra policy, in the stack or on its role."""
    policies = set(_of_type(translated[case], "AWS::IAM::ManagedPolicy"))
    expected = {"ApiKeyReadPolicy"}
    expected |= {f"{function.removesuffix('Function')}AwsPolicy" for function in FEATURES[case][1]}
    assert policies == expected
    assert not _of_type(translated[case], "AWS::IAM::Policy")


@pytest.mark.parametrize("case", list(FEATURES))
@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_functions_get_their_variables_from_the_parameters(
    translated: dict[str, dict[str, Any]], case: str, function: str
) -> None:
    """Each function gets every variable it reads, with the parameter's value, and none of the other's."""
    template = translated[case]
    parameters = _parameter_values(template, FEATURES[case][0])
    variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
    for name, parameter in FUNCTION_VARIABLES[function].items():
        assert str(variables[name]) == (str(parameters[parameter]) if parameter else "")
    (other,) = set(FUNCTIONS) - {function}
    assert not set(FUNCTION_VARIABLES[other]) & set(variables)


def test_feature_parameters_default_to_off(sam_template: dict[str, Any]) -> None:
    """Every parameter that grants access defaults to empty, so a plain deploy grants nothing new."""
    parameters = sam_template["Parameters"]
    for name in [
        "ModerationPolicySsmParameter",
        "ModerationPolicyS3Uri",
        "ModerationPolicyKmsKeyArn",
        "BedrockGuardrailId",
        "ComprehendToxicityThresholds",
        "ComprehendPiiEntityTypes",
        "ExternalDataToolsSsmParameter",
        "ExternalDataToolsS3Uri",
        "ExternalDataToolsKmsKeyArns",
        "DynamoDbTableNames",
        "BedrockKnowledgeBaseIds",
        "UpstreamSecretArns",
        "ReviewKmsKeyArn",
    ]:
        assert parameters[name]["Default"] == "", name
        assert len(parameters[name]["Description"]) > 40, name


@pytest.mark.parametrize(
    ("parameter", "value", "allowed"),
    [
        ("ModerationPolicySsmParameter", "/dify/policy", True),
        ("ModerationPolicySsmParameter", "dify-policy", True),
        ("ModerationPolicySsmParameter", SHARED_PARAMETER, True),
        ("ModerationPolicySsmParameter", "/dify/policy:3", False),
        ("ModerationPolicyS3Uri", "s3://bucket-1/dify/policy.json", True),
        ("ModerationPolicyS3Uri", "s3://bucket-1", False),
        ("ModerationPolicyS3Uri", "https://bucket-1.s3.amazonaws.com/policy.json", False),
        ("DynamoDbTableNames", ",".join(TABLES), True),
        ("DynamoDbTableNames", ",".join([*TABLES, "sixth"]), False),
        ("DynamoDbTableNames", "customers, orders", False),
        ("BedrockKnowledgeBaseIds", "KB12345678", True),
        ("BedrockKnowledgeBaseIds", "KB1234567", False),
        ("BedrockGuardrailId", "abc123def456", True),
        ("BedrockGuardrailId", "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc", False),
        ("ComprehendToxicityThresholds", "TOXICITY=0.8, HATE_SPEECH=0.5", True),
        ("ComprehendToxicityThresholds", "TOXICITY", False),
        ("ComprehendPiiEntityTypes", "EMAIL,PHONE", True),
        ("ReviewKmsKeyArn", "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c", True),
        ("ReviewKmsKeyArn", "alias/review", False),
    ],
)
def test_parameter_patterns(sam_template: dict[str, Any], parameter: str, value: str, allowed: bool) -> None:
    """What CloudFormation accepts for the parameters whose values become ARNs: the IAM grants can only be built
    from well-formed values (at most 5 tables and knowledge bases: the template has 5 slots each)."""
    pattern = sam_template["Parameters"][parameter]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is allowed


def test_moderation_timeout_fits_the_detectors(sam_template: dict[str, Any]) -> None:
    """The three AWS detectors, each at its longest timeout, in turn, still leave the moderation function time to
    load its key and answer."""
    timeout = sam_template["Resources"]["ModerationFunction"]["Properties"]["Timeout"]
    detector = sam_template["Parameters"]["DetectorTimeoutSeconds"]
    assert detector["Default"] == 2
    assert 3 * detector["MaxValue"] + 1 <= timeout
