"""`MODERATION_POLICY_FILE=... make run` and `EXTERNAL_DATA_TOOLS_FILE=... make run`: the shell's value reaches the
function that reads it (template.yaml declares both), and only that function."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_api.environment import function_environment, lambda_runtime
from local_api.template import read_functions

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
RUNTIME = lambda_runtime(region="eu-west-1", aws_endpoint="http://127.0.0.1:1", log_level="WARNING")
LOCAL = {**RUNTIME, "API_KEY_SECRET_ID": "local/secret"}
FUNCTIONS = {spec.logical_id: spec for spec in read_functions(TEMPLATE)}


@pytest.mark.parametrize(
    ("function", "variable", "other"),
    [
        ("ModerationFunction", "MODERATION_POLICY_FILE", "ExternalDataToolFunction"),
        ("ExternalDataToolFunction", "EXTERNAL_DATA_TOOLS_FILE", "ModerationFunction"),
    ],
)
def test_shell_config_file_reaches_its_function_only(function: str, variable: str, other: str) -> None:
    shell = {variable: "examples/my-config.json"}
    assert function_environment(FUNCTIONS[function], local=LOCAL, shell=shell)[variable] == "examples/my-config.json"
    assert variable not in function_environment(FUNCTIONS[other], local=LOCAL, shell=shell)


def test_without_the_shell_every_config_source_is_unset() -> None:
    """A plain `make run`: the bundled files (every source variable empty) and the default TTL."""
    moderation = function_environment(FUNCTIONS["ModerationFunction"], local=LOCAL, shell={})
    tools = function_environment(FUNCTIONS["ExternalDataToolFunction"], local=LOCAL, shell={})
    for environment, prefix in ((moderation, "MODERATION_POLICY"), (tools, "EXTERNAL_DATA_TOOLS")):
        for suffix in ("FILE", "SSM_PARAMETER", "S3_URI"):
            assert environment[f"{prefix}_{suffix}"] == ""
        assert environment[f"{prefix}_TTL_SECONDS"] == "60"
    assert moderation["DETECTOR_FAILURE_MODE"] == "open"
    assert moderation["BEDROCK_GUARDRAIL_ID"] == moderation["COMPREHEND_TOXICITY_THRESHOLDS"] == ""
