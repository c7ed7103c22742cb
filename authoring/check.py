"""`make check FILE=path`: is this moderation policy or tools file valid, and do the policy's examples get what they
expect? Checked as the function checks it at start, with the same messages (every bad place, named), and every
failing example named with what it got."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

from authoring import cli
from authoring.configs import load
from dify_extension.config_files import ConfigFileError
from external_data_tool.base import BaseTool
from external_data_tool.tools import ToolRegistry
from moderation.policy import ModerationPolicy, Rule, Stages


def _stages(stages: Stages) -> str:
    parts = [
        f"{name} {len(stage.rules)} rule{'s' * (len(stage.rules) != 1)}{_monitored(stage.rules)}"
        for name, stage in (("input", stages.input), ("output", stages.output))
        if stage is not None
    ]
    return ", ".join(parts) or "no stages"


def _monitored(rules: list[Rule]) -> str:
    """How many of the rules only monitor, by id: "" when none does."""
    ids = [rule.id for rule in rules if rule.monitor]
    return f" ({len(ids)} monitor only: {', '.join(ids)})" if ids else ""


def summary(config: BaseModel) -> str:
    """What the file holds, in one or a few lines."""
    if isinstance(config, ModerationPolicy):
        lines = [f"  default: {_stages(config.default)}"]
        lines += [f"  app {app_id}: {_stages(stages)}" for app_id, stages in config.apps.items()]
        count = len(config.examples)
        proven = f"all {count} pass" if count else 'none (docs/moderation-policy.md, "Examples that prove a policy")'
        lines.append(f"  examples: {proven}")
        return "\n".join(lines)
    if isinstance(config, ToolRegistry):
        lines = [f"  tools: {_tools(config.tools) or 'none'}"]
        lines += [f"  app {app_id}: {_tools(tools)}" for app_id, tools in config.apps.items()]
        return "\n".join(lines)
    return ""


def _tools(tools: Mapping[str, BaseTool]) -> str:
    return ", ".join(f"{name} ({getattr(tool, 'kind', '?')})" for name, tool in tools.items())


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.parser(
        "check",
        "make check FILE=path",
        "Validate a moderation policy or an external data tools file, exactly as the function does when it starts "
        '(which one it is: its "$schema", else its shape). Beyond the JSON Schema this compiles every regular '
        "expression and template, imports every python tool and runs a policy's examples, naming each one that "
        "fails with what it got.",
        "Example: make check FILE=functions/moderation/examples/moderation-policy.json",
    )
    parser.add_argument("file", metavar="path", type=Path, help="the policy or tools file to check")
    arguments = parser.parse_args(argv)
    try:
        kind, config, _content = load(arguments.file)
    except ConfigFileError as error:
        return cli.fail(str(error))
    print(f"{arguments.file}: a valid {kind.label}\n{summary(config)}")
    return cli.OK


if __name__ == "__main__":
    sys.exit(main())
