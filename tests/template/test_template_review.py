"""template.yaml, review of flagged decisions: the bucket exists only when asked for, and is then private, encrypted,
TLS only and expiring; the moderation function is told where it is and may only write to it (the grants themselves:
test_template.py's FEATURES)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.template import watched
from tests.template.test_template import REVIEW_KMS_KEY, _of_type, translate

CASES: dict[str, dict[str, str]] = {
    "off": {},
    "on": {"ReviewSamplePercent": "5", "ReviewRetentionDays": "14"},
    "with-kms-key": {"ReviewSamplePercent": "0.5", "ReviewKmsKeyArn": REVIEW_KMS_KEY, "ReviewStoreFullText": "true"},
}


@pytest.fixture(scope="module")
def sam_template() -> dict[str, Any]:
    return watched.template()


@pytest.fixture(scope="module")
def cases(sam_template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return translate(json.loads(json.dumps(sam_template)), CASES)


def _bucket(template: dict[str, Any]) -> dict[str, Any]:
    (bucket,) = _of_type(template, "AWS::S3::Bucket").values()
    properties: dict[str, Any] = bucket["Properties"]
    return properties


def _variables(template: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = template["Resources"]["ModerationFunction"]["Properties"]["Environment"]["Variables"]
    return variables


def test_off_by_default_no_bucket_no_output_nothing_sampled(
    sam_template: dict[str, Any], cases: dict[str, dict[str, Any]]
) -> None:
    assert sam_template["Parameters"]["ReviewSamplePercent"]["Default"] == 0
    assert sam_template["Parameters"]["ReviewStoreFullText"]["Default"] == "false"
    off = cases["off"]
    assert not _of_type(off, "AWS::S3::Bucket")
    assert not _of_type(off, "AWS::S3::BucketPolicy")
    assert "ReviewBucketName" not in off["Outputs"]
    variables = _variables(off)
    assert (variables["REVIEW_SAMPLE_PERCENT"], variables["REVIEW_BUCKET"]) == (0, "")


@pytest.mark.parametrize("case", ["on", "with-kms-key"])
def test_the_bucket_is_private_owner_enforced_and_named_by_cloudformation(
    cases: dict[str, dict[str, Any]], case: str
) -> None:
    bucket = _bucket(cases[case])
    assert "BucketName" not in bucket  # one bucket per stack: CloudFormation names it
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "AccessControl" not in bucket
    assert "WebsiteConfiguration" not in bucket


def test_encryption_is_s3_managed_unless_a_kms_key_is_given(cases: dict[str, dict[str, Any]]) -> None:
    (s3_managed,) = _bucket(cases["on"])["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert s3_managed == {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    (kms,) = _bucket(cases["with-kms-key"])["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert kms == {
        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": REVIEW_KMS_KEY},
        "BucketKeyEnabled": True,
    }


def test_objects_expire_after_the_retention_days(cases: dict[str, dict[str, Any]]) -> None:
    for case, days in (("on", "14"), ("with-kms-key", 30)):
        (rule,) = _bucket(cases[case])["LifecycleConfiguration"]["Rules"]
        assert rule["Status"] == "Enabled"
        assert "Prefix" not in rule and "Filter" not in rule  # every object
        assert rule["ExpirationInDays"] == days
        assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
        assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_only_tls_reaches_the_bucket(cases: dict[str, dict[str, Any]]) -> None:
    """The bucket policy denies every action, to everyone, over plain HTTP or TLS below 1.2; it grants nothing."""
    (policy,) = _of_type(cases["on"], "AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == {"Ref": "ReviewBucket"}
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {statement["Effect"] for statement in statements} == {"Deny"}
    everything = [{"Fn::GetAtt": ["ReviewBucket", "Arn"]}, {"Fn::Sub": "${ReviewBucket.Arn}/*"}]
    for statement in statements:
        assert (statement["Principal"], statement["Action"], statement["Resource"]) == ("*", "s3:*", everything)
    conditions = [statement["Condition"] for statement in statements]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions


def test_the_bucket_and_its_policy_outlive_the_feature(sam_template: dict[str, Any]) -> None:
    """CloudFormation cannot delete a bucket holding samples: it is kept, with the policy that keeps it TLS only,
    and its lifecycle still empties it."""
    for name in ("ReviewBucket", "ReviewBucketPolicy"):
        resource = sam_template["Resources"][name]
        assert resource["Condition"] == "ReviewOn"
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")


@pytest.mark.parametrize("case", ["on", "with-kms-key"])
def test_the_function_is_told_where_and_what_to_store(cases: dict[str, dict[str, Any]], case: str) -> None:
    template = cases[case]
    variables = _variables(template)
    assert variables["REVIEW_BUCKET"] == {"Ref": "ReviewBucket"}
    assert str(variables["REVIEW_SAMPLE_PERCENT"]) == CASES[case]["ReviewSamplePercent"]
    assert variables["REVIEW_STORE_FULL_TEXT"] == CASES[case].get("ReviewStoreFullText", "false")
    assert template["Outputs"]["ReviewBucketName"]["Value"] == {"Ref": "ReviewBucket"}
    # The external data tool function knows nothing of it.
    tools = template["Resources"]["ExternalDataToolFunction"]["Properties"]["Environment"]["Variables"]
    assert "ReviewBucket" not in json.dumps(tools)


def test_the_retention_and_percentage_parameters_are_bounded(sam_template: dict[str, Any]) -> None:
    parameters = sam_template["Parameters"]
    assert (parameters["ReviewSamplePercent"]["MinValue"], parameters["ReviewSamplePercent"]["MaxValue"]) == (0, 100)
    assert parameters["ReviewRetentionDays"]["MinValue"] >= 1
    assert parameters["ReviewStoreFullText"]["AllowedValues"] == ["true", "false"]
