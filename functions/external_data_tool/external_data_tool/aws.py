"""boto3 for the kinds that call AWS APIs (dynamodb, bedrock_knowledge_base): imported on their first call only.

Importing boto3 costs ~0.3-0.4 s, so it never happens at load and never for configs without these kinds. Clients
make one attempt with the tool's timeout; the tool's own retry loop (base.RetryingTool) keeps all within budget.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from external_data_tool.base import ToolFailure

RETRYABLE_CODES = frozenset(
    {
        "InternalServerError",
        "InternalServerException",
        "ServiceUnavailableException",
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
    }
)


@cache
def aws_client(service: str, region: str | None, timeout_seconds: float) -> Any:
    """One client per service, region and timeout, kept for the sandbox's life (tests stub it with Stubber)."""
    import boto3  # noqa: PLC0415 - see the module's docstring
    from botocore.config import Config  # noqa: PLC0415

    config = Config(connect_timeout=timeout_seconds, read_timeout=timeout_seconds, retries={"total_max_attempts": 1})
    return boto3.client(service, region_name=region, config=config)


def aws_call(service: str, call: Any, **arguments: Any) -> Any:
    """`call(**arguments)`, with botocore's failures as ToolFailure (the error code, never the message)."""
    from botocore.exceptions import (  # noqa: PLC0415 - botocore is loaded by now: the client exists
        BotoCoreError,
        ClientError,
        ConnectionError,
        ConnectTimeoutError,
        ReadTimeoutError,
    )

    try:
        return call(**arguments)
    except (ConnectTimeoutError, ReadTimeoutError):
        raise ToolFailure(f"{service} timed out", retryable=True, timed_out=True) from None
    except ConnectionError as error:
        raise ToolFailure(f"{service} unreachable ({type(error).__name__})", retryable=True) from None
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", "error"))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        raise ToolFailure(f"{service} {code}", retryable=code in RETRYABLE_CODES or status >= 500) from None
    except BotoCoreError as error:
        raise ToolFailure(f"{service} {type(error).__name__}") from None
