"""local_api.environment: each function's variables, who may supply them, and os.environ while a function runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dify_extension.metrics import METRICS_NAMESPACE
from local_api.environment import UnresolvedVariableError, applied, function_environment, lambda_runtime
from local_api.template import FunctionSpec, read_functions

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
RUNTIME = lambda_runtime(region="eu-west-1", aws_endpoint="http://127.0.0.1:1", log_level="WARNING")


def _function(**environment: str | dict[str, object]) -> FunctionSpec:
    return FunctionSpec(
        logical_id="DemoFunction",
        code_uri=Path("functions/demo"),
        handler="demo.handler.lambda_handler",
        layer_dirs=(),
        environment=environment,
        timeout_seconds=3,
        memory_mb=128,
        routes=(),
    )


def test_runtime_has_region_fake_credentials_local_endpoint_and_quiet_powertools() -> None:
    assert RUNTIME["AWS_REGION"] == RUNTIME["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert RUNTIME["AWS_ENDPOINT_URL_SECRETS_MANAGER"] == RUNTIME["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert RUNTIME["AWS_ACCESS_KEY_ID"] and RUNTIME["AWS_SECRET_ACCESS_KEY"] and RUNTIME["AWS_SESSION_TOKEN"]
    assert RUNTIME["POWERTOOLS_METRICS_DISABLED"] == "true"
    assert RUNTIME["POWERTOOLS_LOG_LEVEL"] == "WARNING"


def test_shell_endpoints_point_one_service_elsewhere_but_secrets_manager_stays_local() -> None:
    shell = {
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": "https://secretsmanager.example",
        "AWS_ENDPOINT_URL": "https://elsewhere.example",
        "AWS_PROFILE": "production",
    }
    runtime = lambda_runtime(region="eu-west-1", aws_endpoint="http://127.0.0.1:1", log_level="INFO", shell=shell)
    assert runtime["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:8000"
    assert runtime["AWS_ENDPOINT_URL_SECRETS_MANAGER"] == runtime["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert "AWS_PROFILE" not in runtime


def test_real_template_resolves_with_the_local_secret_id_alone() -> None:
    local = {**RUNTIME, "API_KEY_SECRET_ID": "local/secret"}
    for function in read_functions(TEMPLATE):
        environment = function_environment(function, local=local, shell={})
        assert environment["API_KEY_SECRET_ID"] == "local/secret"
        assert environment["POWERTOOLS_LOG_LEVEL"] == "WARNING"  # local wins over the template's INFO
        assert environment["API_KEY_CACHE_TTL_SECONDS"] == "300"
        assert environment["POWERTOOLS_SERVICE_NAME"] == function.environment["POWERTOOLS_SERVICE_NAME"]
        assert environment["AWS_ENDPOINT_URL_SECRETS_MANAGER"] == "http://127.0.0.1:1"
        # template.yaml's namespace names the stack; locally, the one the functions fall back to.
        assert environment["POWERTOOLS_METRICS_NAMESPACE"] == METRICS_NAMESPACE


def test_unresolved_intrinsic_fails_naming_variable_and_function() -> None:
    (function, *_) = read_functions(TEMPLATE)
    with pytest.raises(UnresolvedVariableError) as caught:
        function_environment(function, local=RUNTIME, shell={})
    message = str(caught.value)
    assert "API_KEY_SECRET_ID" in message
    assert function.logical_id in message


def test_shell_overrides_declared_variables_only_and_local_values_win() -> None:
    function = _function(POLICY_FILE="bundled.json", SECRET={"Ref": "Secret"}, LEVEL="INFO")
    shell = {"POLICY_FILE": "policies/strict.json", "SECRET": "from-shell", "LEVEL": "DEBUG", "UNDECLARED": "x"}
    environment = function_environment(function, local={"LEVEL": "ERROR"}, shell=shell)
    assert environment == {"POLICY_FILE": "policies/strict.json", "SECRET": "from-shell", "LEVEL": "ERROR"}


def test_applied_sets_hides_users_aws_variables_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALREALREAL")
    monkeypatch.setenv("UNRELATED", "kept")
    before = dict(os.environ)
    with applied({"AWS_REGION": "eu-west-1", "DEMO": "1"}):
        assert os.environ["AWS_REGION"] == "eu-west-1"
        assert os.environ["DEMO"] == "1"
        assert "AWS_PROFILE" not in os.environ
        assert "AWS_ACCESS_KEY_ID" not in os.environ
        assert os.environ["UNRELATED"] == "kept"
    assert dict(os.environ) == before
