"""Reference for `make bench`: what the two libraries every handler here must load cost on their own.

A pydantic model and Powertools' Logger and Metrics, nothing else: no auth, no key, no AWS call. Our functions
cannot start faster than this; the bench prints it beside them so the distance to this floor is visible.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from pydantic import BaseModel


class Envelope(BaseModel):
    point: str


logger = Logger()
metrics = Metrics(namespace="ColdStartBench")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    Envelope.model_validate_json(event["body"])
    return {"statusCode": 200}
