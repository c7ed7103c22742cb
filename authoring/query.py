"""`make query TOOL=name`: run one external data tool as the function would, and say what came back, how long it
took and, when it failed, why and what the endpoint would have answered."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from authoring import cli
from authoring.configs import load_tools
from dify_extension.config_files import ConfigFileError
from dify_extension.endpoint import error_body
from dify_extension.errors import InvalidRequestError, UpstreamError
from dify_extension.protocol import ExternalDataToolParams
from external_data_tool.base import TOOL_FAILED  # how a fallback answer is told apart


class _Failures(logging.Handler):
    """Collects the causes of "tool failed" warnings (the tool's fallback hides them from the answer)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.causes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == TOOL_FAILED:
            timed_out = " (timed out)" if getattr(record, "timed_out", False) else ""
            self.causes.append(f"{getattr(record, 'cause', 'unknown')}{timed_out}")


@contextmanager
def _failures() -> Iterator[_Failures]:
    handler = _Failures()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.parser(
        "query",
        'make query TOOL=name [INPUTS=\'{"location":"London"}\'] [QUERY=text] [APP_ID=id] [TOOLS=path]',
        "Run one external data tool as the function would (the registry from the tools file, the bundled one "
        "unless TOOLS names a file) and print the JSON answer Dify would get, the time it took, and on failure "
        "the cause and the status the endpoint would answer (400, 502, 504), or that the tool's fallback answered. "
        "Tools that call AWS (dynamodb, bedrock_knowledge_base, header secrets) use your AWS credentials and "
        "region, as boto3 finds them.",
        "Examples:\n"
        '  make query TOOL=weather_retrieve INPUTS=\'{"location":"London"}\'\n'
        '  make query TOOL=greeting INPUTS=\'{"name":"Ana"}\' \\\n'
        "      TOOLS=functions/external_data_tool/examples/external-data-tools.json\n\n"
        "Exit 1 also when the tool's fallback answered: its upstream failed.",
    )
    parser.add_argument("--tool", metavar="name", required=True, help="the tool_variable to query")
    parser.add_argument(
        "--inputs", metavar="'{...}'", type=cli.json_object, default={}, help="the app's inputs, JSON (default {})"
    )
    parser.add_argument("--query", metavar="text", default="", help="the user's message (default empty)")
    parser.add_argument(
        "--app-id", metavar="id", default="", help="the Dify app id, to use its own tools (default: none)"
    )
    parser.add_argument("--tools", metavar="path", type=Path, help="a tools file (default: the bundled tools.json)")
    arguments = parser.parse_args(argv)
    try:
        registry = load_tools(arguments.tools)
    except ConfigFileError as error:
        return cli.fail(str(error))
    params = ExternalDataToolParams(
        app_id=arguments.app_id, tool_variable=arguments.tool, inputs=arguments.inputs, query=arguments.query
    )
    started = time.perf_counter()
    with _failures() as failures:
        try:
            answer = registry.query(params)
        except InvalidRequestError as error:
            status, message = 400, str(error)
        except UpstreamError as error:
            status, message = error.status, str(error)
        else:
            status, message = 200, ""
    took = f"{(time.perf_counter() - started) * 1000:.0f} ms"
    if status != 200:
        print(error_body(message))
        print(f"status: {status} in {took}")
        return cli.fail(f"failed: {message}")
    print(answer.model_dump_json())
    if failures.causes:
        print(f"status: 200 in {took}, from the tool's fallback")
        return cli.fail(f"the upstream failed: {'; '.join(failures.causes)}")
    print(f"status: 200 in {took}")
    return cli.OK


if __name__ == "__main__":
    sys.exit(main())
