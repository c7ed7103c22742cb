"""SSM Parameter Store `GetParameter` over plain HTTPS (AWS JSON 1.1), without botocore's cold start."""

from __future__ import annotations

from typing import NamedTuple

from dify_extension.aws_http import AwsError
from dify_extension.aws_json import AwsJsonClient, JsonService


class Parameter(NamedTuple):
    value: str
    version: int


class SsmClient(AwsJsonClient):
    service = JsonService("ssm", "AmazonSSM", "AWS_ENDPOINT_URL_SSM")

    def get_parameter(self, name: str) -> Parameter:
        """The latest value of a parameter (a name or an ARN), SecureStrings decrypted; AwsError otherwise."""
        document = self.call("GetParameter", {"Name": name, "WithDecryption": True})
        parameter = document.get("Parameter")
        value = parameter.get("Value") if isinstance(parameter, dict) else None
        version = parameter.get("Version") if isinstance(parameter, dict) else None
        if not isinstance(value, str) or not isinstance(version, int):
            raise AwsError("InvalidResponse", "GetParameter answered without a Parameter's Value and Version")
        return Parameter(value, version)
