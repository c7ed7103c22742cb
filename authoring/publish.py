"""`make publish FILE=path STACK=name`: check a policy or tools file, then write it where the deployed stack reads it
(the SSM parameter or S3 object its parameters name). boto3, with your AWS credentials; refuses an invalid file."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from authoring import cli
from authoring.aws_setup import AwsSetupError, describe_stack, explain, session_for, stack_parameters
from authoring.configs import ConfigKind, load
from dify_extension.config_files import ConfigFileError

SSM_STANDARD_LIMIT = 4096
SSM_ADVANCED_LIMIT = 8192
DEFAULT_TTL_SECONDS = "60"


class PublishError(Exception):
    """Publishing cannot go on; the message says why and what to do."""


def ssm_name(parameter: str) -> tuple[str, str | None]:
    """The parameter's name and, for an ARN, its region (PutParameter takes a name, never an ARN)."""
    if not parameter.startswith("arn:"):
        return parameter, None
    region, _, resource = parameter.split(":", 5)[3:]
    name = resource.removeprefix("parameter/")
    return ("/" + name if "/" in name else name), region


def target_of(kind: ConfigKind, stack: str, parameters: Mapping[str, str]) -> tuple[str, str]:
    """(the stack parameter that names the store, its value). PublishError when the stack uses the bundled file."""
    ssm, s3 = kind.parameters
    for name in (ssm, s3):
        if parameters.get(name, "").strip():
            return name, parameters[name].strip()
    raise PublishError(
        f"stack {stack} uses the bundled {kind.label} ({ssm} and {s3} are empty): there is nothing to publish to. "
        f"Deploy once with {ssm}=/dify/NAME or {s3}=s3://BUCKET/KEY, then publish."
    )


def write_ssm(session: Any, parameter: str, content: str) -> None:
    size = len(content.encode())
    if size > SSM_ADVANCED_LIMIT:
        raise PublishError(f"the file has {size} bytes; an SSM parameter holds at most {SSM_ADVANCED_LIMIT}: use S3")
    name, region = ssm_name(parameter)
    ssm = session.client("ssm", region_name=region) if region else session.client("ssm")
    try:
        kind = ssm.get_parameter(Name=name)["Parameter"]["Type"]
    except ssm.exceptions.ParameterNotFound:
        kind = "SecureString"  # a policy may hold words its owner would rather not show
    # Intelligent-Tiering: standard while it fits in 4 KB, advanced (8 KB) beyond.
    ssm.put_parameter(Name=name, Value=content, Type=kind, Overwrite=True, Tier="Intelligent-Tiering")


def write_s3(session: Any, uri: str, content: str) -> None:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    session.client("s3").put_object(Bucket=bucket, Key=key, Body=content.encode(), ContentType="application/json")


def publish(path: Path, stack: str, *, region: str | None, dry_run: bool) -> str:
    """What was done (or would be, `dry_run`). ConfigFileError for an invalid file, AwsSetupError when AWS cannot be
    asked (no region, credentials or stack), PublishError otherwise."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - boto3 only when publishing

    kind, _config, checked = load(path)
    content = checked.decode("utf-8")  # what was checked is what is written, even if the file changes meanwhile
    session = session_for(region)
    parameters = stack_parameters(describe_stack(session, stack))
    parameter, store = target_of(kind, stack, parameters)
    to_ssm = parameter == kind.parameters[0]
    where = f"ssm:{store}" if to_ssm else store
    ttl = parameters.get("ConfigTtlSeconds", DEFAULT_TTL_SECONDS)
    if dry_run:
        return (
            f"{path}: a valid {kind.label}; would write it to {where} (stack {stack}, {parameter}). "
            "Dry run: nothing written."
        )
    try:
        if to_ssm:
            write_ssm(session, store, content)
        else:
            write_s3(session, store, content)
    except (ClientError, BotoCoreError) as error:
        raise explain(error, where) from None
    return (
        f"{path}: wrote the {kind.label} to {where} (stack {stack}, {parameter}). Running functions pick it up "
        f"within {ttl} s (ConfigTtlSeconds); a function that starts reads it at once. A version the function "
        "refuses is logged and the last good one kept."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.parser(
        "publish",
        "make publish FILE=path STACK=name [DRY_RUN=1] [REGION=region]",
        "Check a moderation policy or tools file as the function would, then write it to the SSM parameter or S3 "
        "object that the deployed stack's parameters name (ModerationPolicySsmParameter / ModerationPolicyS3Uri, "
        "ExternalDataToolsSsmParameter / ExternalDataToolsS3Uri), read with CloudFormation DescribeStacks. An "
        "invalid file is refused; a stack that uses the bundled file has nowhere to publish to. Uses your AWS "
        "credentials and region as boto3 finds them (AWS_PROFILE, AWS_REGION...).",
        "Example: make publish FILE=my-policy.json STACK=dify-extension DRY_RUN=1",
    )
    parser.add_argument("--file", metavar="path", type=Path, required=True, help="the policy or tools file to publish")
    parser.add_argument("--stack", metavar="name", required=True, help="the deployed stack's name")
    parser.add_argument("--dry-run", action="store_true", help="check and say where it would go; write nothing")
    parser.add_argument("--region", metavar="region", help="the stack's region (default: boto3's)")
    arguments = parser.parse_args(argv)
    try:
        print(publish(arguments.file, arguments.stack, region=arguments.region, dry_run=arguments.dry_run))
    except (ConfigFileError, PublishError, AwsSetupError) as error:
        return cli.fail(f"not published: {error}")
    return cli.OK


if __name__ == "__main__":
    sys.exit(main())
