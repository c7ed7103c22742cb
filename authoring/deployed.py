"""What Dify needs from a deployed stack: the two endpoints (its outputs) and the API key (its secret's AWSCURRENT
version). Shared by `make dify-config`, which prints them, and `make smoke STACK=`, which calls them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authoring.aws_setup import AwsSetupError, describe_stack, explain, stack_outputs, stack_parameters
from authoring.cli import setting
from authoring.configs import TOOLS, load_tools, tools_from
from authoring.publish import PublishError, ssm_name, target_of
from external_data_tool.tools import ToolRegistry

MODERATION_OUTPUT = "ModerationEndpoint"
TOOLS_OUTPUT = "ExternalDataToolEndpoint"
KEY_OUTPUT = "ApiKeySecretArn"


@dataclass(frozen=True)
class Deployment:
    stack: str
    region: str
    moderation_endpoint: str
    external_data_tool_endpoint: str
    api_key: str
    parameters: Mapping[str, str]


def _secret_region(arn: str) -> str | None:
    """The region in a secret's ARN (a secret brought with ExistingApiKeySecretArn may live elsewhere)."""
    parts = arn.split(":")
    return parts[3] if arn.startswith("arn:") and len(parts) > 3 and parts[3] else None


def api_key(session: Any, secret: str) -> str:
    """The key the functions accept today: the secret's AWSCURRENT version, as they read it (surrounding whitespace
    ignored)."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - boto3 only when asked

    region = _secret_region(secret)
    client = session.client("secretsmanager", region_name=region) if region else session.client("secretsmanager")
    try:
        value = client.get_secret_value(SecretId=secret, VersionStage="AWSCURRENT").get("SecretString", "")
    except (ClientError, BotoCoreError) as error:
        raise explain(error, f"the API key's secret {secret}") from None
    key: str = value.strip()
    if not key:
        raise AwsSetupError(f"the API key's secret {secret} is empty: see docs/api-key.md to set a key")
    return key


def deployment(session: Any, stack: str) -> Deployment:
    """The stack's endpoints and key. AwsSetupError when the stack lacks them (not this project's, or not deployed
    completely) or AWS cannot be asked."""
    described = describe_stack(session, stack)
    outputs = stack_outputs(described)
    missing = [name for name in (MODERATION_OUTPUT, TOOLS_OUTPUT, KEY_OUTPUT) if not outputs.get(name)]
    if missing:
        raise AwsSetupError(
            f"stack {stack}: no {', '.join(missing)} output (status {described.get('StackStatus', 'unknown')}): "
            "is it this project's stack, deployed completely? Deploy it with `make deploy`"
        )
    return Deployment(
        stack=stack,
        region=session.region_name,
        moderation_endpoint=outputs[MODERATION_OUTPUT],
        external_data_tool_endpoint=outputs[TOOLS_OUTPUT],
        api_key=api_key(session, outputs[KEY_OUTPUT]),
        parameters=stack_parameters(described),
    )


def served_tools(session: Any, found: Deployment) -> tuple[str, ToolRegistry]:
    """The tools file the stack serves, and where it is: the SSM parameter or S3 object its parameters name (as
    `make publish` writes it), else the bundled one."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - boto3 only when asked

    try:
        parameter, store = target_of(TOOLS, found.stack, found.parameters)
    except PublishError:
        return "the bundled tools.json", load_tools(None)
    in_s3 = parameter == TOOLS.parameters[1]
    where = store if in_s3 else f"ssm:{store}"
    try:
        if in_s3:
            bucket, _, key = store.removeprefix("s3://").partition("/")
            content: bytes = session.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        else:
            name, region = ssm_name(store)
            ssm = session.client("ssm", region_name=region) if region else session.client("ssm")
            content = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"].encode()
    except (ClientError, BotoCoreError) as error:
        raise explain(error, f"the stack's tools file {where} (or give {setting('tools', 'path')})") from None
    return f"{where} ({parameter})", tools_from(content, where)
