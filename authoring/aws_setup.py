"""The AWS side of the tools that talk to a deployed stack (publish, dify-config, smoke): a boto3 session with a
region and credentials, the stack's description, and AWS failures turned into one line that says which of region,
credentials or stack is missing and the one command that fixes it.

boto3 is imported on use: the tools that never call AWS never load it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from authoring.cli import setting

EXAMPLE_REGION = "eu-west-1"
_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
_REFUSED = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "IncompleteSignature",
        "AuthFailure",
    }
)
_DENIED = frozenset({"AccessDenied", "AccessDeniedException"})


class AwsSetupError(Exception):
    """AWS cannot be asked: the message names what is missing and how to fix it."""


def _no_region() -> str:
    return f"no AWS region: set {setting('region', EXAMPLE_REGION)} or run `aws configure`"


def _no_credentials() -> str:
    return "no AWS credentials: run `aws configure`, or set AWS_PROFILE=name (a profile in ~/.aws/config)"


def _sso_login() -> str:
    profile = os.environ.get("AWS_PROFILE")
    return "aws sso login" + (f" --profile {profile}" if profile else "")


def _client_error(code: str, message: str, what: str) -> str:
    if code in _EXPIRED:
        return f"your AWS credentials have expired ({code}): run `{_sso_login()}` or `aws configure`"
    if code in _REFUSED:
        return f"AWS refused your credentials ({code}): run `aws configure`, or set AWS_PROFILE=name"
    if code in _DENIED:
        return f"{what}: access denied: {message}"
    return f"{what}: {message}"


def explain(error: Exception, what: str) -> AwsSetupError:
    """A botocore failure while asking AWS about `what` ("stack NAME", "secret ARN"), as one line with its fix."""
    from botocore import exceptions  # noqa: PLC0415 - boto3 only when asked

    if isinstance(error, exceptions.ClientError):
        details = error.response.get("Error", {})
        message = _client_error(details.get("Code", ""), details.get("Message", str(error)), what)
    elif isinstance(error, exceptions.NoRegionError):
        message = _no_region()
    elif isinstance(error, exceptions.NoCredentialsError | exceptions.PartialCredentialsError):
        message = _no_credentials()
    elif isinstance(error, exceptions.SSOError | exceptions.SSOTokenLoadError | exceptions.TokenRetrievalError):
        message = f"your AWS SSO login has expired: run `{_sso_login()}`"
    elif isinstance(error, exceptions.EndpointConnectionError):
        message = f"{what}: cannot reach AWS ({error}): check the network and the region"
    else:
        message = f"{what}: {error}"
    return AwsSetupError(message)


def session_for(region: str | None) -> Any:
    """A boto3 session in `region` (else boto3's: AWS_REGION, AWS_DEFAULT_REGION, the profile's) that has
    credentials. AwsSetupError naming the missing one."""
    import boto3  # noqa: PLC0415 - boto3 only when asked
    from botocore import exceptions  # noqa: PLC0415

    try:
        found = boto3.session.Session(region_name=region or None)
    except exceptions.ProfileNotFound as error:
        profile = error.kwargs.get("profile", os.environ.get("AWS_PROFILE", ""))
        raise AwsSetupError(
            f"no AWS profile {profile!r} (AWS_PROFILE): run `aws configure --profile {profile}`, "
            "or set AWS_PROFILE to a profile in ~/.aws/config"
        ) from None
    if not found.region_name:
        raise AwsSetupError(_no_region())
    try:
        credentials = found.get_credentials()
    except exceptions.BotoCoreError as error:
        raise explain(error, "AWS credentials") from None
    if credentials is None:
        raise AwsSetupError(_no_credentials())
    return found


def describe_stack(session: Any, name: str) -> dict[str, Any]:
    """The stack as CloudFormation DescribeStacks tells it (parameters, outputs, status). AwsSetupError when it is
    not in the session's region, or AWS cannot be asked."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - boto3 only when asked

    try:
        stacks: list[dict[str, Any]] = session.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            raise AwsSetupError(
                f"stack {name}: not found in {session.region_name}: deploy it with `make deploy`, or give the "
                f"region it is in: {setting('region', '...')}"
            ) from None
        raise explain(error, f"stack {name}") from None
    except BotoCoreError as error:
        raise explain(error, f"stack {name}") from None
    return stacks[0]


def stack_outputs(stack: Mapping[str, Any]) -> dict[str, str]:
    """A described stack's outputs (describe_stack), by key."""
    return {item["OutputKey"]: item.get("OutputValue", "") for item in stack.get("Outputs", [])}


def stack_parameters(stack: Mapping[str, Any]) -> dict[str, str]:
    """A described stack's parameters (describe_stack), by key."""
    return {item["ParameterKey"]: item.get("ParameterValue", "") for item in stack.get("Parameters", [])}
