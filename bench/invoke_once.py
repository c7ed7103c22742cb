"""One cold start: import a Lambda handler and answer one event read from stdin, as a fresh Lambda sandbox would.

Run as a script in a fresh interpreter (`python invoke_once.py module:function`): it imports nothing of the project
itself, so what it costs is what the handler costs. Exits 0 only if the answer is HTTP 200.
"""

import importlib
import json
import sys


class Context:
    """The attributes Powertools' Logger reads from a Lambda context."""

    function_name = "cold-start-bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cold-start-bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/cold-start-bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def main() -> int:
    event = json.loads(sys.stdin.buffer.read())
    module, _, function = sys.argv[1].partition(":")
    handler = getattr(importlib.import_module(module), function)
    response = handler(event, Context())
    return 0 if response.get("statusCode") == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
