"""Stacks side by side: two stacks of template.yaml in one account and region (dev and prod) share no name and no
metric an alarm or the dashboard reads.

Names are checked on the CloudFormation SAM's translator makes of the template (see test_template.py), with every
optional resource on, rendered for samconfig.toml's two stack names. That no alarm or dashboard of one stack reads
what the other's functions write, run as deployed: tests/handlers/test_handler_metrics_alarms.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from local_api.template import read_functions
from tests.template import watched
from tests.template.test_template import translate

STACKS = (watched.STACK, f"{watched.STACK}-prod")  # samconfig.toml's default and prod environments
# CloudFormation's longest stack name: 128 letters, digits and hyphens, starting with a letter.
LONGEST_STACK = "d" + "-1" * 63 + "x"
# CloudWatch's rule for a namespace: these ASCII characters, 1 to 255 of them, not only spaces, not "AWS/...".
NAMESPACE = re.compile(r"(?!AWS/)(?! *$)[0-9A-Za-z._/#: -]{1,255}")
FUNCTIONS = read_functions(watched.TEMPLATE)
# Every optional resource on (alarm topic and subscription, block rate alarm, the functions' AWS policies).
ALL_ON = {
    "AlarmEmail": "ops@example.com",
    "BlockRatePercent": "20",
    "ModerationProvisionedConcurrency": "1",
    "Tracing": "Active",
    "ModerationPolicySsmParameter": "/dify/moderation-policy",
    "DynamoDbTableNames": "customers",
}
# Where each resource type sets a name that is unique in an account and region (absent: CloudFormation generates
# one from the stack name). A type the template gains must be added here or to NO_ACCOUNT_NAME.
ACCOUNT_NAMES: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::ApiGatewayV2::Api": (("Name",), ("Body", "info", "title")),
    "AWS::CloudWatch::Alarm": (("AlarmName",),),
    "AWS::CloudWatch::CompositeAlarm": (("AlarmName",),),
    "AWS::CloudWatch::Dashboard": (("DashboardName",),),
    "AWS::DynamoDB::Table": (("TableName",),),
    "AWS::Events::Rule": (("Name",),),
    "AWS::IAM::ManagedPolicy": (("ManagedPolicyName",),),
    "AWS::IAM::Role": (("RoleName",),),
    "AWS::KMS::Alias": (("AliasName",),),
    "AWS::Lambda::Function": (("FunctionName",),),
    "AWS::Lambda::LayerVersion": (("LayerName",),),
    "AWS::Logs::LogGroup": (("LogGroupName",),),
    "AWS::Logs::QueryDefinition": (("Name",),),
    "AWS::S3::Bucket": (("BucketName",),),
    "AWS::SNS::Topic": (("TopicName",),),
    "AWS::SQS::Queue": (("QueueName",),),
    "AWS::SSM::Parameter": (("Name",),),
    "AWS::SecretsManager::Secret": (("Name",),),
}
# Types with no name of their own, or one that is unique only within their parent (an alias's "live").
NO_ACCOUNT_NAME = {
    "AWS::ApiGatewayV2::Stage",
    "AWS::Lambda::Alias",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Version",
    "AWS::SNS::Subscription",
}


@pytest.fixture(scope="module")
def deployed() -> dict[str, Any]:
    """The CloudFormation a stack deploys with every optional resource on."""
    return translate(json.loads(json.dumps(watched.template())), {"all-on": ALL_ON})["all-on"]


def _at(properties: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = properties
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def physical_names(template: Mapping[str, Any], stack: str) -> dict[str, tuple[str, str]]:
    """Where each account-wide name is set (resource and property, or output) -> (kind, name in stack `stack`).

    A name made of another resource's name alone renders alike in both stacks (<LogicalId>) and is reported too."""
    names = {}
    for logical_id, resource in template["Resources"].items():
        kind = resource["Type"]
        assert kind in ACCOUNT_NAMES or kind in NO_ACCOUNT_NAME, f"{logical_id}: where does a {kind} set its name?"
        for path in ACCOUNT_NAMES.get(kind, ()):
            name = _at(resource.get("Properties", {}), path)
            if name is not None:
                names[".".join((logical_id, *path))] = (kind, str(watched.render(name, {}, stack=stack)))
    for output_id, output in template.get("Outputs", {}).items():
        if "Export" in output:
            names[f"Outputs.{output_id}.Export"] = (
                "Export",
                str(watched.render(output["Export"]["Name"], {}, stack=stack)),
            )
    return names


def test_no_name_of_one_stack_is_another_stacks(deployed: dict[str, Any]) -> None:
    dev, prod = (physical_names(deployed, stack) for stack in STACKS)
    assert set(dev) == set(prod)
    # 15 alarms, the dashboard, 6 saved queries, the API key secret, the layer, the API.
    assert len(dev) >= 25
    shared = {where: dev[where] for where in dev if dev[where] in set(prod.values())}
    assert shared == {}


def test_every_name_fits_its_limit_with_the_longest_stack_name(deployed: dict[str, Any]) -> None:
    limits = {
        "AWS::Lambda::LayerVersion": 140,
        "AWS::CloudWatch::Alarm": 255,
        "AWS::CloudWatch::Dashboard": 255,
        "AWS::Logs::QueryDefinition": 255,
        "AWS::SecretsManager::Secret": 512,
    }
    names = physical_names(deployed, LONGEST_STACK)
    assert {kind for kind, _ in names.values()} >= set(limits)
    for where, (kind, name) in names.items():
        assert len(name) <= limits.get(kind, len(LONGEST_STACK)), where


def test_each_stacks_functions_write_to_a_namespace_of_their_own() -> None:
    namespaces = {stack: {watched.metrics_namespace(f, stack=stack) for f in FUNCTIONS} for stack in STACKS}
    (dev,), (prod,) = namespaces.values()  # a stack's functions share one namespace
    assert dev != prod
    (longest,) = {watched.metrics_namespace(f, stack=LONGEST_STACK) for f in FUNCTIONS}
    for namespace in (dev, prod, longest):
        assert NAMESPACE.fullmatch(namespace), namespace


@pytest.mark.parametrize("stack", STACKS)
def test_every_alarm_and_dashboard_reads_custom_metrics_in_its_stacks_namespace(stack: str) -> None:
    (namespace,) = {watched.metrics_namespace(f, stack=stack) for f in FUNCTIONS}
    template = watched.template()
    body = watched.dashboard_body(template, stack=stack)
    read = {
        metric[0] for alarm in watched.alarms(template).values() for metric in watched.alarm_metrics(alarm, stack=stack)
    }
    read |= {metric[0] for metric in watched.dashboard_metrics(body)}
    read |= {search.namespace for search in watched.dashboard_searches(body)}
    assert {name for name in read if not name.startswith(watched.AWS_NAMESPACE_PREFIX)} == {namespace}
