"""local_api.template: what the local API reads from template.yaml (routes, code, layers, environment, limits)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import load  # type: ignore[import-untyped]

from local_api.template import Route, TemplateError, load_template, read_functions

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"


def _http_api_events(template: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(METHOD, path) -> function, read with cfn-lint's own parser as an independent reference."""
    routes = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                routes[(event["Properties"]["Method"].upper(), event["Properties"]["Path"])] = logical_id
    return routes


def test_routes_are_exactly_the_templates_http_api_events() -> None:
    expected = _http_api_events(load(str(TEMPLATE)))
    functions = read_functions(TEMPLATE)
    actual = {(route.method, route.path): function.logical_id for function in functions for route in function.routes}
    assert actual == expected
    assert len(expected) >= 2


def test_real_template_gives_code_handler_layer_and_limits() -> None:
    reference = load(str(TEMPLATE))
    resources = reference["Resources"]
    layer_dirs = {
        REPO / resource["Properties"]["ContentUri"]
        for resource in resources.values()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }
    for function in read_functions(TEMPLATE):
        props = resources[function.logical_id]["Properties"]
        assert function.code_uri == REPO / props["CodeUri"]
        assert function.handler == props["Handler"]
        assert set(function.layer_dirs) == layer_dirs
        assert function.timeout_seconds == props["Timeout"]
        assert function.memory_mb == reference["Globals"]["Function"]["MemorySize"]


def test_real_template_environment_merges_globals_with_the_functions_own() -> None:
    reference = load(str(TEMPLATE))
    global_names = set(reference["Globals"]["Function"]["Environment"]["Variables"])
    for function in read_functions(TEMPLATE):
        own = reference["Resources"][function.logical_id]["Properties"]["Environment"]["Variables"]
        assert set(function.environment) == global_names | set(own)
        for name, value in own.items():
            # A !Ref to a parameter takes the parameter's Default, as a deploy with defaults would; so does the
            # condition of an !If (the review bucket's name: none by default).
            if isinstance(value, dict) and "Fn::If" in value:
                assert value["Fn::If"][0] == "ReviewOn"
                expected = value["Fn::If"][2]
            else:
                expected = reference["Parameters"][value["Ref"]]["Default"] if isinstance(value, dict) else value
            assert function.environment[name] == str(expected)
        assert function.environment["API_KEY_CACHE_TTL_SECONDS"] == "300"
        # Only a deployed stack can resolve the secret's !If.
        assert isinstance(function.environment["API_KEY_SECRET_ID"], dict)


SYNTHETIC = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Level:
    Type: String
    Default: DEBUG
  Flag:
    Type: String
    Default: true
Globals:
  Function:
    Timeout: 7
    Layers: [!Ref GlobalLayer]
    Environment:
      Variables:
        SHARED: global
        OVERRIDDEN: global
        LEVEL: !Ref Level
        FLAG: !Ref Flag
        COUNT: 42
        STACK_SECRET: !GetAtt Secret.Id
Resources:
  GlobalLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layers/global}
  OwnLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layers/own}
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/api
      Handler: api.handler.main
      Layers: [!Ref OwnLayer]
      Environment:
        Variables:
          OVERRIDDEN: own
          NAME: !Sub "${AWS::StackName}-api"
      Events:
        Create: {Type: HttpApi, Properties: {Method: post, Path: /items}}
        Read: {Type: HttpApi, Properties: {Method: GET, Path: /items}}
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/worker
      Handler: worker.main
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_synthetic_template_globals_layers_and_environment(tmp_path: Path) -> None:
    (function,) = read_functions(_write(tmp_path, SYNTHETIC))  # Worker has no HttpApi event
    assert function.logical_id == "Api"
    assert function.routes == (Route("POST", "/items"), Route("GET", "/items"))
    assert function.code_uri == tmp_path / "functions/api"
    assert function.handler == "api.handler.main"
    assert function.layer_dirs == (tmp_path / "layers/global", tmp_path / "layers/own")
    assert function.timeout_seconds == 7
    assert function.memory_mb == 128  # SAM's default
    assert function.environment == {
        "SHARED": "global",
        "OVERRIDDEN": "own",
        "LEVEL": "DEBUG",
        "FLAG": "true",
        "COUNT": "42",
        "STACK_SECRET": {"Fn::GetAtt": ["Secret", "Id"]},
        "NAME": {"Fn::Sub": "${AWS::StackName}-api"},
    }


def test_short_tags_become_their_long_form(tmp_path: Path) -> None:
    template = load_template(_write(tmp_path, SYNTHETIC))
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["LEVEL"] == {"Ref": "Level"}
    assert template["Globals"]["Function"]["Layers"] == [{"Ref": "GlobalLayer"}]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("Layers: [!Ref OwnLayer]", "Layers: [arn:aws:lambda:us-east-1:123456789012:layer:x:1]"), "layer"),
        (("Method: GET, Path: /items", "Method: POST, Path: /items"), "route POST /items is served by both"),
        (("Method: GET, Path: /items", "Path: /items"), "Api event Read: the local API needs a literal Method"),
        (("Timeout: 7", "Timeout: !Ref Missing"), "Api: Timeout is {'Ref': 'Missing'}"),
    ],
)
def test_template_errors_say_what_and_where(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = _write(tmp_path, SYNTHETIC.replace(*change))
    with pytest.raises(TemplateError, match=re.escape(message)):
        read_functions(path)


CONDITIONAL = """
Parameters:
  Percent: {Type: Number, Default: 0}
  Name: {Type: String, Default: ""}
Conditions:
  Sampled: !Not [!Equals [!Ref Percent, "0"]]
  Named: !Not [!Equals [!Ref Name, ""]]
  Both: !And [!Condition Sampled, !Condition Named]
  RegionalOn: !Equals [!Ref "AWS::Region", "us-east-1"]
Resources:
  Bucket: {Type: AWS::S3::Bucket, Condition: Sampled}
  Layer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: layer}}
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: api
      Handler: api.main
      Layers: [!Ref Layer]
      Environment:
        Variables:
          WHEN_OFF: !If [Sampled, !Ref Bucket, ""]
          WHEN_NAMED: !If [Both, "x", !If [Named, "y", !Ref Name]]
          NAMES_A_RESOURCE: !If [Sampled, "x", !Ref Bucket]
          UNDECIDED: !If [RegionalOn, "x", ""]
      Events:
        Get: {Type: HttpApi, Properties: {Method: GET, Path: /}}
"""


def test_an_if_takes_the_branch_the_parameters_defaults_choose(tmp_path: Path) -> None:
    """As a deploy with the defaults would: an optional resource off by default gives its "off" value; a branch
    that names a resource, or a condition the defaults cannot decide (a pseudo parameter), stays unresolved."""
    (function,) = read_functions(_write(tmp_path, CONDITIONAL))
    environment = function.environment
    assert (environment["WHEN_OFF"], environment["WHEN_NAMED"]) == ("", "")
    assert environment["NAMES_A_RESOURCE"] == {"Fn::If": ["Sampled", "x", {"Ref": "Bucket"}]}
    assert isinstance(environment["UNDECIDED"], dict)
    (named,) = read_functions(_write(tmp_path, CONDITIONAL.replace('Default: ""}', 'Default: "n"}')))
    assert named.environment["WHEN_NAMED"] == "y"
