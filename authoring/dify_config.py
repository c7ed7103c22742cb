"""`make dify-config STACK=name`: what to type into Dify's *Add API Extension* dialog for both extensions (name,
API endpoint, API key), read from the deployed stack's outputs and its secret, and what to do next in Dify."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from authoring import cli
from authoring.aws_setup import AwsSetupError, session_for
from authoring.deployed import Deployment, deployment

MODERATION_NAME = "Moderation"
TOOLS_NAME = "External data"


def dialog(found: Deployment, region_given: str | None) -> str:
    """The dialog's fields for both extensions, then the next steps in Dify."""
    smoke = cli.command("smoke", stack=found.stack, region=region_given)
    lines = [
        f"Stack {found.stack} ({found.region}). In Dify: Settings -> API Extension -> Add API Extension, twice:",
        "",
    ]
    for name, endpoint in (
        (MODERATION_NAME, found.moderation_endpoint),
        (TOOLS_NAME, found.external_data_tool_endpoint),
    ):
        lines += [f"  Name:          {name}", f"  API Endpoint:  {endpoint}", f"  API-key:       {found.api_key}", ""]
    lines += [
        "Dify pings the endpoint when you save: a wrong URL or key fails the save. Then, in an app:",
        f"  Content moderation -> API Extension -> {MODERATION_NAME}; tick Moderate input and/or Moderate output.",
        f"  Variables -> Add -> API-based Variable, named after a tool of your tools file -> {TOOLS_NAME}.",
        f"Check both endpoints as Dify calls them: {smoke}",
        "(The API-key is a secret: keep this output out of chats, tickets and CI logs.)",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.parser(
        "dify-config",
        "make dify-config STACK=name [REGION=region]",
        "Print what to type into Dify's Add API Extension dialog for both extensions: the name, the API endpoint "
        "(the stack's ModerationEndpoint and ExternalDataToolEndpoint outputs) and the API key (the AWSCURRENT "
        "version of the secret in its ApiKeySecretArn output). Uses your AWS credentials and region as boto3 finds "
        "them (AWS_PROFILE, AWS_REGION...); you need cloudformation:DescribeStacks on the stack and "
        "secretsmanager:GetSecretValue on the secret. The output holds the key: it is a secret.",
        "Example: make dify-config STACK=dify-extension REGION=eu-west-1",
    )
    parser.add_argument("--stack", metavar="name", required=True, help="the deployed stack's name")
    parser.add_argument("--region", metavar="region", help="the stack's region (default: boto3's)")
    arguments = parser.parse_args(argv)
    try:
        found = deployment(session_for(arguments.region), arguments.stack)
    except AwsSetupError as error:
        return cli.fail(f"no Dify settings: {error}")
    print(dialog(found, arguments.region))
    return cli.OK


if __name__ == "__main__":
    sys.exit(main())
