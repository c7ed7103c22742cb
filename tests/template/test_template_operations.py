"""template.yaml's operations: alarms and their topic, the dashboard, access logs, tracing, saved queries, capacity.

The alarm, topic, tracing and capacity checks run on the CloudFormation that SAM's translator makes of the template
(see test_template.py), with alarms on (the default) and off, with each notification choice, and with each knob on.
That every alarm and dashboard metric is one the handlers write: tests/handlers/test_handler_metrics_alarms.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.template import watched
from tests.template.test_template import REPO, _of_type, _references, translate

TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:ops-alerts"
XRAY_POLICY = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
FUNCTIONS = ("ModerationFunction", "ExternalDataToolFunction")
# Each alarm on by default, and the end of its AlarmName ("<stack name>-<end>").
ALARMS = {
    "ModerationFailedAnswersAlarm": "moderation-failed-answers",
    "ExternalDataToolFailedAnswersAlarm": "tools-failed-answers",
    "ModerationKeyUnavailableAlarm": "moderation-key-unavailable",
    "ExternalDataToolKeyUnavailableAlarm": "tools-key-unavailable",
    "ModerationLambdaErrorsAlarm": "moderation-lambda-errors",
    "ExternalDataToolLambdaErrorsAlarm": "tools-lambda-errors",
    "ModerationLambdaTimeoutsAlarm": "moderation-lambda-timeouts",
    "ExternalDataToolLambdaTimeoutsAlarm": "tools-lambda-timeouts",
    "ModerationLambdaThrottlesAlarm": "moderation-lambda-throttles",
    "ExternalDataToolLambdaThrottlesAlarm": "tools-lambda-throttles",
    "ApiServerErrorsAlarm": "api-5xx",
    "ModerationLatencyAlarm": "moderation-latency-p99",
    "ModerationConfigReloadAlarm": "moderation-config-reload-failed",
    "ExternalDataToolConfigReloadAlarm": "tools-config-reload-failed",
}
OPTIONAL_ALARMS = {"ModerationBlockRateAlarm": "moderation-block-rate"}

CASES: dict[str, dict[str, str]] = {
    "defaults": {},
    "alarms-off": {"Alarms": "false", "AlarmEmail": "ops@example.com", "BlockRatePercent": "20"},
    "email": {"AlarmEmail": "ops@example.com"},
    "existing-topic": {"AlarmTopicArn": TOPIC_ARN, "AlarmEmail": "ops@example.com"},
    "block-rate": {"BlockRatePercent": "20"},
    "tracing": {"Tracing": "Active"},
    "reserved-concurrency": {"ModerationReservedConcurrency": "20", "ExternalDataToolReservedConcurrency": "10"},
    "provisioned-concurrency": {"ModerationProvisionedConcurrency": "2"},
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return watched.template()


@pytest.fixture(scope="module")
def cases(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return translate(json.loads(json.dumps(template)), CASES)


def test_the_default_deploy_needs_no_parameter(template: dict[str, Any]) -> None:
    assert all("Default" in spec for spec in template["Parameters"].values())
    parameters = template["Parameters"]
    assert parameters["Alarms"]["Default"] == "true"
    assert parameters["Tracing"]["Default"] == "Disabled"
    for name in ("AlarmEmail", "AlarmTopicArn"):
        assert parameters[name]["Default"] == ""
    for name in (
        "BlockRatePercent",
        "ModerationReservedConcurrency",
        "ExternalDataToolReservedConcurrency",
        "ModerationProvisionedConcurrency",
    ):
        assert parameters[name]["Default"] == 0, name


@pytest.mark.parametrize(
    ("parameter", "value", "allowed"),
    [
        ("AlarmEmail", "ops@example.com", True),
        ("AlarmEmail", "ops", False),
        ("AlarmTopicArn", TOPIC_ARN, True),
        ("AlarmTopicArn", "arn:aws:sqs:us-east-1:123456789012:queue", False),
    ],
)
def test_notification_parameter_patterns(template: dict[str, Any], parameter: str, value: str, allowed: bool) -> None:
    assert bool(re.fullmatch(template["Parameters"][parameter]["AllowedPattern"], value)) is allowed


@pytest.mark.parametrize("case", list(CASES))
def test_every_reference_resolves(cases: dict[str, dict[str, Any]], case: str) -> None:
    template = cases[case]
    known = set(template["Resources"]) | set(template["Parameters"])
    dangling = {name for name in _references(template["Resources"]) if not name.startswith("AWS::")} - known
    assert dangling == set()


def test_alarms_are_on_by_default_and_notify_the_stacks_topic(cases: dict[str, dict[str, Any]]) -> None:
    template = cases["defaults"]
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    assert set(alarms) == set(ALARMS)
    assert list(_of_type(template, "AWS::SNS::Topic")) == ["AlarmTopic"]
    assert not _of_type(template, "AWS::SNS::Subscription")
    for name, alarm in alarms.items():
        properties = alarm["Properties"]
        assert properties["AlarmName"] == {"Fn::Sub": f"${{AWS::StackName}}-{ALARMS[name]}"}
        assert properties["AlarmActions"] == properties["OKActions"] == [{"Ref": "AlarmTopic"}]
        assert properties["TreatMissingData"] == "notBreaching"
        assert "Runbook: docs/operations.md." in properties["AlarmDescription"]


def test_alarms_false_creates_no_alarm_and_no_topic(cases: dict[str, dict[str, Any]]) -> None:
    template = cases["alarms-off"]
    assert not _of_type(template, "AWS::CloudWatch::Alarm")
    assert not _of_type(template, "AWS::SNS::Topic")
    assert not _of_type(template, "AWS::SNS::Subscription")
    assert list(_of_type(template, "AWS::CloudWatch::Dashboard")) == ["OperationsDashboard"]


def test_alarm_email_subscribes_to_the_topic_in_use(cases: dict[str, dict[str, Any]]) -> None:
    for case, topic in (("email", {"Ref": "AlarmTopic"}), ("existing-topic", TOPIC_ARN)):
        (subscription,) = _of_type(cases[case], "AWS::SNS::Subscription").values()
        assert subscription["Properties"] == {"TopicArn": topic, "Protocol": "email", "Endpoint": "ops@example.com"}


def test_an_existing_topic_replaces_the_stacks_own(cases: dict[str, dict[str, Any]]) -> None:
    template = cases["existing-topic"]
    assert not _of_type(template, "AWS::SNS::Topic")
    for alarm in _of_type(template, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == alarm["Properties"]["OKActions"] == [TOPIC_ARN]


def test_the_block_rate_alarm_is_off_unless_given_a_threshold(cases: dict[str, dict[str, Any]]) -> None:
    alarms = _of_type(cases["block-rate"], "AWS::CloudWatch::Alarm")
    assert set(alarms) == set(ALARMS) | set(OPTIONAL_ALARMS)
    properties = alarms["ModerationBlockRateAlarm"]["Properties"]
    assert str(properties["Threshold"]) == "20"
    assert properties["AlarmName"] == {"Fn::Sub": "${AWS::StackName}-moderation-block-rate"}


def test_every_alarm_has_a_threshold_parameter(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    for name, alarm in watched.alarms(template).items():
        properties = alarm["Properties"]
        knob = properties["Threshold"] if isinstance(properties["Threshold"], dict) else properties["EvaluationPeriods"]
        assert knob["Ref"] in parameters, name
        assert len(parameters[knob["Ref"]]["Description"]) > 40


def test_metric_math_reads_only_its_own_queries_and_returns_one_series(template: dict[str, Any]) -> None:
    for name, alarm in watched.alarms(template).items():
        queries = alarm["Properties"].get("Metrics")
        if queries is None:
            continue
        ids = {query["Id"] for query in queries}
        (expression,) = [query for query in queries if query["ReturnData"]]
        used = set(re.findall(r"\b([a-z]\w*)\b", expression["Expression"])) - {"FILL"}
        assert used == ids - {expression["Id"]}, name  # every metric read is used, and nothing else
        assert all("MetricStat" in query for query in queries if query is not expression), name


def test_aws_metric_alarms_watch_this_stacks_functions_and_api(template: dict[str, Any]) -> None:
    watched_resources = set()
    for alarm in watched.alarms(template).values():
        for namespace, _, dimensions in watched.alarm_metrics(alarm):
            if namespace.startswith("AWS/"):
                ((dimension, value),) = dimensions
                watched_resources.add((namespace, dimension, value))
    assert watched_resources == {
        ("AWS/Lambda", "FunctionName", "<ModerationFunction>"),
        ("AWS/Lambda", "FunctionName", "<ExternalDataToolFunction>"),
        ("AWS/ApiGateway", "ApiId", "<DifyExtensionApi>"),
    }


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_timeout_alarm_watches_invocations_that_last_the_whole_timeout(
    template: dict[str, Any], function: str
) -> None:
    timeout_ms = template["Resources"][function]["Properties"]["Timeout"] * 1000
    alarm = template["Resources"][function.replace("Function", "LambdaTimeoutsAlarm")]["Properties"]
    assert alarm["MetricName"] == "Duration"
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
    assert alarm["ExtendedStatistic"] == f"PR({timeout_ms - 100}:900000)"  # the share of invocations that long
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert template["Parameters"][alarm["Threshold"]["Ref"]]["Default"] == 0  # any timeout


@pytest.mark.parametrize("alarms_on", [True, False])
def test_the_dashboard_is_valid_json_and_shows_the_alarms_when_on(template: dict[str, Any], alarms_on: bool) -> None:
    body = watched.dashboard_body(template, alarms_on=alarms_on)
    shown = [alarm for widget in watched.widgets(body, "alarm") for alarm in widget["properties"]["alarms"]]
    assert sorted(shown) == (sorted(f"<{name}.Arn>" for name in ALARMS) if alarms_on else [])
    titles = " | ".join(widget["properties"].get("title", "") for widget in body["widgets"])
    for topic in ("requests by point and outcome", "Latency", "Moderation decisions", "Tool failures", "key", "init"):
        assert topic.lower() in titles.lower(), topic
    aws_metrics = {
        (ns, name) for ns, name, _ in watched.dashboard_metrics(body) if not watched.is_custom((ns, name, _))
    }
    assert {("AWS/Lambda", m) for m in ("Duration", "Errors", "Throttles", "ConcurrentExecutions")} <= aws_metrics


def test_the_dashboard_url_is_an_output(cases: dict[str, dict[str, Any]]) -> None:
    url = cases["defaults"]["Outputs"]["DashboardUrl"]["Value"]["Fn::Sub"]
    assert url.startswith("https://")
    assert url.endswith("#dashboards/dashboard/${OperationsDashboard}")


def test_log_widgets_and_saved_queries_read_this_stacks_log_groups(template: dict[str, Any]) -> None:
    groups = {"ModerationLogGroup", "ExternalDataToolLogGroup", "ApiAccessLogGroup"}
    body = watched.dashboard_body(template)
    for widget in watched.widgets(body, "log"):
        sources = re.findall(r"SOURCE '<(\w+)>'", widget["properties"]["query"])
        assert sources
        assert set(sources) <= groups
    queries = _of_type(template, "AWS::Logs::QueryDefinition")
    assert len(queries) >= 4
    for query in queries.values():
        assert {ref["Ref"] for ref in query["Properties"]["LogGroupNames"]} <= groups
        assert query["Properties"]["Name"]["Fn::Sub"].startswith("${AWS::StackName}/")


def test_saved_queries_filter_on_log_lines_the_code_writes(template: dict[str, Any]) -> None:
    """A query on a renamed log line would silently find nothing."""
    source = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("layers/shared", "functions")
        for path in (REPO / folder).rglob("*.py")
    )
    texts = [q["Properties"]["QueryString"] for q in _of_type(template, "AWS::Logs::QueryDefinition").values()]
    texts += [w["properties"]["query"] for w in watched.widgets(watched.dashboard_body(template), "log")]
    messages = {message for text in texts for message in re.findall(r'message = \\?"([^"\\]+)', text)}
    assert messages >= {"moderation decision", "tool failed", "request handled"}
    for message in messages:
        assert f'"{message}' in source, message


def test_api_access_logs_are_json_without_headers_or_body(template: dict[str, Any]) -> None:
    api = template["Resources"]["DifyExtensionApi"]["Properties"]
    settings = api["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(settings["Format"])
    assert {"requestId", "routeKey", "status", "responseLatency", "integrationError"} <= set(line)
    assert all(value.startswith("$context.") for value in line.values())
    lowered = settings["Format"].lower()
    for forbidden in ("header", "authorization", "body", "$request", "authorizer"):
        assert forbidden not in lowered, forbidden


def test_every_log_group_keeps_the_stacks_retention(template: dict[str, Any]) -> None:
    groups = _of_type(template, "AWS::Logs::LogGroup")
    assert set(groups) == {"ModerationLogGroup", "ExternalDataToolLogGroup", "ApiAccessLogGroup"}
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}


def _role_policies(template: dict[str, Any], function: str) -> list[Any]:
    resources = template["Resources"]
    role = resources[resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]]
    policies: list[Any] = role["Properties"]["ManagedPolicyArns"]
    return policies


@pytest.mark.parametrize("function", FUNCTIONS)
def test_tracing_is_off_by_default_and_active_on_both_functions_when_asked(
    cases: dict[str, dict[str, Any]], function: str
) -> None:
    default = cases["defaults"]["Resources"][function]["Properties"]
    assert "TracingConfig" not in default
    assert XRAY_POLICY not in _role_policies(cases["defaults"], function)
    traced = cases["tracing"]["Resources"][function]["Properties"]
    assert traced["TracingConfig"] == {"Mode": "Active"}
    assert XRAY_POLICY in _role_policies(cases["tracing"], function)


def test_no_tracing_sdk_is_shipped_or_imported() -> None:
    """Lambda traces the invocation itself; an SDK would lengthen every cold start."""
    requirements = (REPO / "layers/shared/requirements.txt").read_text(encoding="utf-8").lower()
    assert "xray" not in requirements
    for folder in ("layers/shared/dify_extension", "functions"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "aws_xray_sdk" not in text and "Tracer(" not in text, path


@pytest.mark.parametrize("function", FUNCTIONS)
def test_reserved_concurrency_is_set_only_when_asked(cases: dict[str, dict[str, Any]], function: str) -> None:
    assert "ReservedConcurrentExecutions" not in cases["defaults"]["Resources"][function]["Properties"]
    reserved = cases["reserved-concurrency"]["Resources"][function]["Properties"]["ReservedConcurrentExecutions"]
    assert str(reserved) == CASES["reserved-concurrency"][f"{function.removesuffix('Function')}ReservedConcurrency"]


def _api_targets(template: dict[str, Any]) -> dict[str, str]:
    (api,) = _of_type(template, "AWS::ApiGatewayV2::Api").values()
    paths = api["Properties"]["Body"]["paths"]
    return {
        path: methods["post"]["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"] for path, methods in paths.items()
    }


@pytest.mark.parametrize("case", ["defaults", "provisioned-concurrency"])
def test_provisioned_concurrency_lives_on_the_alias_the_api_calls(cases: dict[str, dict[str, Any]], case: str) -> None:
    template = cases[case]
    (alias_name,) = _of_type(template, "AWS::Lambda::Alias")
    alias = template["Resources"][alias_name]["Properties"]
    assert alias["Name"] == "live"
    assert alias["FunctionName"] == {"Ref": "ModerationFunction"}
    assert f"${{{alias_name}}}" in _api_targets(template)["/moderation"]
    if case == "defaults":
        assert "ProvisionedConcurrencyConfig" not in alias
    else:
        assert alias["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": "2"}


def test_every_checkov_skip_says_why(template: dict[str, Any]) -> None:
    skips = [
        (name, skip)
        for name, resource in template["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert re.fullmatch(r"CKV_AWS_\d+", skip["id"]), name
        assert len(skip["comment"]) > 30, (name, skip)


def test_the_runbook_names_every_alarm() -> None:
    page = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    runbook = page.split("\n### Runbook\n", 1)[1].split("\n## ", 1)[0]
    for name, suffix in {**ALARMS, **OPTIONAL_ALARMS}.items():
        assert f"`{name}`" in runbook, name
        assert f"`<stack>-{suffix}`" in runbook, suffix


def test_the_docs_list_every_operations_parameter(template: dict[str, Any]) -> None:
    page = (REPO / "docs" / "deploying.md").read_text(encoding="utf-8")
    parameters = page.split("\n### Operations parameters\n", 1)[1].split("\n## ", 1)[0]
    names = list(template["Parameters"])
    for name in names[names.index("Alarms") :]:
        assert f"`{name}`" in parameters, name
