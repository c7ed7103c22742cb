"""The `bedrock_knowledge_base` kind: Retrieve from an Amazon Bedrock Knowledge Base with the user's query.

{{result}} is the list of chunks that pass `min_score`, best first, each {text, score, source, metadata}; `source`
is where the chunk came from (an S3 URI, a web URL, ...).
"""

from typing import Any, Literal

from pydantic import Field

from dify_extension.protocol import ExternalDataToolParams
from external_data_tool.aws import aws_call, aws_client
from external_data_tool.base import RetryingTool, Scope

DEFAULT_TEMPLATE = "{{#each result}}[{{index}}] {{item.text}}\nSource: {{item.source}}\n\n{{/each}}"


class KnowledgeBaseTool(RetryingTool):
    kind: Literal["bedrock_knowledge_base"]
    knowledge_base_id: str = Field(pattern=r"^[0-9a-zA-Z]{10}$")
    region: str | None = None
    number_of_results: int = Field(default=5, ge=1, le=100)
    min_score: float | None = Field(default=None, ge=0, le=1)
    template: str = DEFAULT_TEMPLATE
    max_input_chars: int = Field(default=1000, ge=1, le=1000)
    timeout_seconds: float = Field(default=5.0, gt=0, le=25)
    retries: int = Field(default=1, ge=0, le=5)

    def lookup_fields(self) -> frozenset[str]:
        return frozenset({"query"})

    def fetch(self, scope: Scope, params: ExternalDataToolParams) -> Scope:
        if not params.query.strip():
            return {"result": []}
        deadline = self.deadline()  # before the client: boto3's first import counts within the budget
        client = aws_client("bedrock-agent-runtime", self.region, self.timeout_seconds)
        arguments = {
            "knowledgeBaseId": self.knowledge_base_id,
            "retrievalQuery": {"text": params.query},
            "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": self.number_of_results}},
        }
        response = self.with_retries(
            lambda _timeout: aws_call("bedrock-agent-runtime", client.retrieve, **arguments),
            deadline,
            whole_timeout=True,
            service="bedrock-agent-runtime",
        )
        chunks = [_chunk(result) for result in response.get("retrievalResults", [])]
        if self.min_score is not None:
            chunks = [chunk for chunk in chunks if chunk["score"] is not None and chunk["score"] >= self.min_score]
        return {"result": chunks}


def _chunk(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": result.get("content", {}).get("text", ""),
        "score": result.get("score"),
        "source": _source(result.get("location", {})),
        "metadata": result.get("metadata", {}),
    }


def _source(location: dict[str, Any]) -> str:
    """The location's URI or URL, whatever its type (s3Location.uri, webLocation.url, confluenceLocation.url...)."""
    for key, value in location.items():
        if key.endswith("Location") and isinstance(value, dict):
            for field in ("uri", "url", "id"):
                if isinstance(value.get(field), str):
                    return str(value[field])
    return ""
