"""The environment each function sees locally: template.yaml's variables plus what Lambda itself would provide.

Precedence, highest first, for every variable the template declares:
1. local values the local API owns (the secret's name, the log level, the fake AWS runtime; see `lambda_runtime`);
2. the user's shell, e.g. `MODERATION_POLICY_FILE=./policy.json make run`;
3. the template's own value (a string, or a !Ref to a parameter, replaced by its Default).
A variable left as an intrinsic CloudFormation cannot resolve without a stack is an error at start.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from local_api.template import FunctionSpec

FAKE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # noqa: S105 - AWS's documented example key
FAKE_SESSION_TOKEN = "local-api-session-token"  # noqa: S105 - a placeholder, never accepted by AWS
# A deployed stack's functions write to DifyExtension/<stack name> (template.yaml); locally there is no stack.
LOCAL_METRICS_NAMESPACE = "DifyExtension"


class UnresolvedVariableError(Exception):
    """A template variable is an intrinsic that neither the local API nor the user's shell supplies."""


def lambda_runtime(
    *, region: str, aws_endpoint: str, log_level: str, shell: Mapping[str, str] | None = None
) -> dict[str, str]:
    """What the Lambda runtime and `make run` give every function: a region, fake credentials (never the user's
    real ones), AWS served locally, and quiet Powertools (no EMF metrics, no X-Ray on the console; the metrics
    namespace, which template.yaml scopes to the stack, is the one the functions fall back to).

    Every AWS service goes to `aws_endpoint` (the local moto server), so a tool or policy source can reach only
    local AWS. The shell's AWS_ENDPOINT_URL_<SERVICE> variables point one service elsewhere (e.g. DynamoDB Local);
    Secrets Manager stays local, since the local API's own key lives there.
    """
    overrides = {
        name: value
        for name, value in (shell or {}).items()
        if name.startswith("AWS_ENDPOINT_URL_") and name != "AWS_ENDPOINT_URL_SECRETS_MANAGER"
    }
    return {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY,
        "AWS_SESSION_TOKEN": FAKE_SESSION_TOKEN,
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": aws_endpoint,
        **overrides,
        "POWERTOOLS_LOG_LEVEL": log_level,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": LOCAL_METRICS_NAMESPACE,
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def function_environment(
    function: FunctionSpec, *, local: Mapping[str, str], shell: Mapping[str, str]
) -> dict[str, str]:
    """The function's variables by the precedence in this module's docstring, plus every `local` value."""
    environment = {}
    for name, value in function.environment.items():
        if name in local:
            environment[name] = local[name]
        elif name in shell:
            environment[name] = shell[name]
        elif isinstance(value, str):
            environment[name] = value
        else:
            raise UnresolvedVariableError(
                f"{function.logical_id}: environment variable {name} is {value} in template.yaml, which only a "
                f"deployed stack resolves; set {name} in your shell or give it a local value in local_api/app.py"
            )
    return {**environment, **local}


@contextmanager
def applied(environment: Mapping[str, str]) -> Iterator[None]:
    """os.environ as a function would see it, restored afterwards. The user's other AWS_* variables (profile,
    credentials, endpoints) are hidden so nothing can reach a real account. Callers serialize use: os.environ is
    process-wide."""
    saved = dict(os.environ)
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(environment)
    try:
        yield
    finally:
        # In place, not rebinding: code keeps references to os.environ (e.g. as a default argument).
        os.environ.clear()
        os.environ.update(saved)
