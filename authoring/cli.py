"""What every authoring tool shares: its exit codes, its argument parser, how it reports a failure, and how it
names a setting to the person who typed the command (`FILE=path` under make, `--file path` otherwise)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any, NoReturn

OK = 0
FAILED = 1
"""The file is invalid, or what was tried failed."""
USAGE = 2
"""The command was given wrong arguments (argparse exits with it too)."""

VIA_MAKE = "AUTHORING_VIA_MAKE"
"""Set to 1 by the Makefile: the user typed `make NAME VARIABLE=value`, so messages name make variables."""
_REQUIRED = "the following arguments are required: "
_OPTION = re.compile(r"--[a-z][a-z0-9-]*")


def via_make() -> bool:
    return os.environ.get(VIA_MAKE) == "1"


def setting(option: str, value: str) -> str:
    """How the user gives `option` (e.g. "region") this value: `REGION=value` under make, else `--region value`."""
    return f"{option.upper().replace('-', '_')}={value}" if via_make() else f"--{option} {value}"


def command(name: str, **settings: str | None) -> str:
    """The command that runs tool `name` with `settings` (None: left out), as the user runs the tools."""
    given = [setting(option.replace("_", "-"), value) for option, value in settings.items() if value]
    return " ".join([f"make {name}" if via_make() else f"python -m authoring.{name.replace('-', '_')}", *given])


def _variable(action: argparse.Action) -> str:
    """The make variable that carries an argument: --app-id -> APP_ID, the positional `file` -> FILE."""
    name = action.option_strings[-1].lstrip("-") if action.option_strings else action.dest
    return name.upper().replace("-", "_")


class _Parser(argparse.ArgumentParser):
    """argparse, whose errors name make variables when make runs the tool (`FILE=path is required (...)`)."""

    def __init__(self, make_usage: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.make_usage = make_usage

    def _action(self, name: str) -> argparse.Action | None:
        """The argument argparse calls `name` in its messages ("--file", "--stack", or a positional's metavar)."""
        for action in self._actions:
            if name in action.option_strings or name in (action.metavar, action.dest):
                return action
        return None

    def _for_make(self, message: str) -> list[str]:
        if message.startswith(_REQUIRED):
            lines = []
            for name in message.removeprefix(_REQUIRED).split(", "):
                action = self._action(name)
                if action is None:
                    lines.append(f"{name} is required")
                    continue
                value = action.metavar if isinstance(action.metavar, str) else "value"
                lines.append(f"{_variable(action)}={value} is required ({action.help})")
            return lines

        def variable(match: re.Match[str]) -> str:
            action = self._action(match[0])
            return match[0] if action is None else _variable(action)

        return [_OPTION.sub(variable, message.removeprefix("argument "))]

    def error(self, message: str) -> NoReturn:
        if not via_make():
            super().error(message)
        lines = "".join(f"{self.prog}: {line}\n" for line in self._for_make(message))
        self.exit(USAGE, f"usage: {self.make_usage}\n{lines}")


def parser(name: str, usage: str, description: str, epilog: str = "") -> argparse.ArgumentParser:
    """`usage` as make takes it; `python -m authoring.NAME` takes the same options."""
    return _Parser(
        usage,
        prog=f"make {name}" if via_make() else f"python -m authoring.{name}",
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
