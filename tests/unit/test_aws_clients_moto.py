"""SsmClient and S3Client against moto (real AWS response shapes). With moto's IAM enforcement on, moto checks our
SigV4 signatures the way AWS does, so a success there proves the signing of POSTs and of S3 GETs with odd keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dify_extension.aws_http import AwsError
from dify_extension.s3 import S3Client
from dify_extension.sigv4 import Credentials
from dify_extension.ssm import Parameter, SsmClient
from tests.unit.moto_aws import CREDENTIALS, REGION, Restricted, boto, ssm_reader, unique

ODD_KEYS = ["policy.json", "dify/prod v2/policy+draft.json", "策略/ポリシー~_-.json", "a//b/./c.json"]


@pytest.fixture
def ssm(moto_endpoint: str) -> SsmClient:
    return SsmClient(region=REGION, endpoint_url=moto_endpoint, credentials=CREDENTIALS)


@pytest.fixture
def s3(moto_endpoint: str) -> S3Client:
    return S3Client(region=REGION, endpoint_url=moto_endpoint, credentials=CREDENTIALS)


@pytest.fixture
def restricted(moto_endpoint: str) -> Iterator[Restricted]:
    with ssm_reader(moto_endpoint) as user:
        yield user


@pytest.fixture
def bucket(moto_endpoint: str) -> str:
    name = unique("config")
    boto("s3", moto_endpoint).create_bucket(Bucket=name)
    return name


# SSM


def test_secure_string_is_decrypted_and_versioned(moto_endpoint: str, ssm: SsmClient) -> None:
    """A SecureString comes back decrypted, with the Version that each overwrite increments."""
    name = "/" + unique("dify/policy")
    store = boto("ssm", moto_endpoint)
    store.put_parameter(Name=name, Value='{"v": 1}', Type="SecureString")
    assert ssm.get_parameter(name) == Parameter('{"v": 1}', 1)
    store.put_parameter(Name=name, Value='{"v": "é"}', Type="SecureString", Overwrite=True)
    assert ssm.get_parameter(name) == Parameter('{"v": "é"}', 2)


def test_parameter_by_arn(moto_endpoint: str, ssm: SsmClient) -> None:
    """A parameter's ARN works where its name does (how a parameter shared from another account is named)."""
    name = "/" + unique("dify/tools")
    boto("ssm", moto_endpoint).put_parameter(Name=name, Value="[]", Type="String")
    assert ssm.get_parameter(f"arn:aws:ssm:{REGION}:123456789012:parameter{name}").value == "[]"


def test_missing_parameter_is_parameter_not_found(ssm: SsmClient) -> None:
    with pytest.raises(AwsError) as caught:
        ssm.get_parameter("/" + unique("missing"))
    assert caught.value.code == "ParameterNotFound"


def test_ssm_signature_is_accepted_and_a_wrong_key_is_not(moto_endpoint: str, restricted: Restricted) -> None:
    """Under IAM enforcement our signed request is served; with a wrong secret key it is SignatureDoesNotMatch
    (moto answers IAM errors in XML, which the JSON client reads too)."""
    client = SsmClient(region=REGION, endpoint_url=moto_endpoint, credentials=restricted.credentials)
    assert client.get_parameter(restricted.parameter).value == "secret-config"
    wrong = Credentials(restricted.credentials.access_key_id, restricted.credentials.secret_access_key + "x")
    with pytest.raises(AwsError) as caught:
        SsmClient(region=REGION, endpoint_url=moto_endpoint, credentials=wrong).get_parameter(restricted.parameter)
    assert caught.value.code == "SignatureDoesNotMatch"


def test_ssm_endpoint_variables() -> None:
    """AWS_ENDPOINT_URL_SSM wins over AWS_ENDPOINT_URL; without either, the region's HTTPS endpoint (.cn in China)."""
    base = {"AWS_REGION": "cn-north-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}
    assert SsmClient.from_environment(base).target == (True, "ssm.cn-north-1.amazonaws.com.cn")
    both = {**base, "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:2"}
    assert SsmClient.from_environment(both).target == (False, "127.0.0.1:2")
    del both["AWS_ENDPOINT_URL_SSM"]
    assert SsmClient.from_environment(both).target == (False, "127.0.0.1:1")


# S3


@pytest.mark.parametrize("key", ODD_KEYS)
def test_object_round_trip_with_any_key(moto_endpoint: str, s3: S3Client, bucket: str, key: str) -> None:
    """Keys with spaces, "+", non-ASCII, "~" and "//" or "./" segments reach the very object they name."""
    boto("s3", moto_endpoint).put_object(Bucket=bucket, Key=key, Body=key.encode())
    found = s3.get_object(bucket, key)
    assert found is not None
    assert found.body == key.encode()
    assert found.etag.startswith('"')


@pytest.mark.parametrize("key", ODD_KEYS)
def test_put_object_writes_any_key(moto_endpoint: str, s3: S3Client, bucket: str, key: str) -> None:
    """What put_object writes is what S3 then holds under that very key, with its content type."""
    body = f'{{"key": "{key}"}}\n'.encode()
    s3.put_object(bucket, key, body, content_type="application/x-ndjson")
    stored = boto("s3", moto_endpoint).get_object(Bucket=bucket, Key=key)
    assert (stored["Body"].read(), stored["ContentType"]) == (body, "application/x-ndjson")


def test_put_object_to_a_missing_bucket_is_an_aws_error(s3: S3Client) -> None:
    with pytest.raises(AwsError) as caught:
        s3.put_object(unique("gone"), "a.jsonl", b"{}")
    assert caught.value.code == "NoSuchBucket"


def test_unchanged_object_is_not_modified(moto_endpoint: str, s3: S3Client, bucket: str) -> None:
    """With the current ETag the answer is 304 (None); after a change, the new body and a new ETag."""
    store = boto("s3", moto_endpoint)
    store.put_object(Bucket=bucket, Key="c.json", Body=b"1")
    first = s3.get_object(bucket, "c.json")
    assert first is not None
    assert s3.get_object(bucket, "c.json", if_none_match=first.etag) is None
    store.put_object(Bucket=bucket, Key="c.json", Body=b"2")
    second = s3.get_object(bucket, "c.json", if_none_match=first.etag)
    assert second is not None
    assert (second.body, second.etag != first.etag) == (b"2", True)


@pytest.mark.parametrize(("bucket_exists", "code"), [(True, "NoSuchKey"), (False, "NoSuchBucket")])
def test_missing_object_or_bucket(s3: S3Client, bucket: str, bucket_exists: bool, code: str) -> None:
    with pytest.raises(AwsError) as caught:
        s3.get_object(bucket if bucket_exists else unique("gone"), "nothing.json")
    assert caught.value.code == code


def test_s3_signature_is_accepted_and_denials_are_reported(
    moto_endpoint: str, bucket: str, restricted: Restricted
) -> None:
    """Under IAM enforcement an odd key's GET and PUT pass the signature check and are then refused by IAM
    (AccessDenied); a wrong secret key fails the signature check."""
    client = S3Client(region=REGION, endpoint_url=moto_endpoint, credentials=restricted.credentials)
    with pytest.raises(AwsError) as caught:
        client.get_object(bucket, ODD_KEYS[2])
    assert caught.value.code == "AccessDenied"
    with pytest.raises(AwsError) as caught:
        client.put_object(bucket, ODD_KEYS[2], b"{}")
    assert caught.value.code == "AccessDenied"
    wrong = Credentials(restricted.credentials.access_key_id, restricted.credentials.secret_access_key + "x")
    with pytest.raises(AwsError) as caught:
        S3Client(region=REGION, endpoint_url=moto_endpoint, credentials=wrong).get_object(bucket, ODD_KEYS[2])
    assert caught.value.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    ("region", "bucket", "key", "target", "path"),
    [
        (
            "eu-west-1",
            "my-bucket",
            "a b/ü.json",
            (True, "my-bucket.s3.eu-west-1.amazonaws.com"),
            "/a%20b/%C3%BC.json",
        ),
        (
            "eu-west-1",
            "my.dotted.bucket",
            "p.json",
            (True, "s3.eu-west-1.amazonaws.com"),
            "/my.dotted.bucket/p.json",
        ),
        ("cn-north-1", "my-bucket", "p.json", (True, "my-bucket.s3.cn-north-1.amazonaws.com.cn"), "/p.json"),
    ],
)
def test_aws_addressing(region: str, bucket: str, key: str, target: tuple[bool, str], path: str) -> None:
    """Virtual-hosted on AWS; path-style for dotted bucket names (TLS), and .com.cn in China."""
    client = S3Client.from_environment({"AWS_REGION": region, "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S"})
    assert client.locate(bucket, key) == (target, path)


def test_endpoint_variable_means_path_style() -> None:
    """AWS_ENDPOINT_URL_S3 (else AWS_ENDPOINT_URL) is used as is, with the bucket in the path."""
    environ = {
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "A",
        "AWS_SECRET_ACCESS_KEY": "S",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:2",
    }
    assert S3Client.from_environment(environ).locate("b-1", "k+1") == ((False, "127.0.0.1:2"), "/b-1/k%2B1")
    del environ["AWS_ENDPOINT_URL_S3"]
    assert S3Client.from_environment(environ).locate("b-1", "k")[0] == (False, "127.0.0.1:1")
