"""What every authoring tool shares: its exit codes, its argument parser, how it reports a failure."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

OK = 0
FAILED = 1
"""The file is invalid, or what was tried failed."""
USAGE = 2
"""The command was given wrong arguments (argparse exits with it too)."""


def parser(name: str, usage: str, description: str, epilog: str = "") -> argparse.ArgumentParser:
    """`usage` as make takes it; `python -m authoring.NAME` takes the same options."""
    return argparse.ArgumentParser(
        prog=f"make {name}",
        usage=f"{usage}\n       python -m authoring.{name} [-h] ...",
        description=description,
        epilog=epilog + "\n\nExit codes: 0 ok, 1 invalid or failed, 2 usage.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return FAILED


def json_object(text: str) -> dict[str, Any]:
    """An argument that must be a JSON object (Dify's `inputs`)."""
    try:
        value = json.loads(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('must be a JSON object, e.g. {"name": "Ana"}')
    return value
