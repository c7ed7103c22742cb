"""The two kinds of config an author writes, and how to tell them apart: the one place the tools learn which model
loads a file, where its schema lives and which stack parameters name its store.

This is the seam to the functions' code: a tool asks here, never the function modules directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel
from pydantic_core import from_json

from dify_extension.config_files import ConfigFileError, load_config_file, parse_config
from external_data_tool.tools import BUNDLED_TOOLS, ToolRegistry
from moderation.examples import ExamplesFailed, prove, report
from moderation.matcher import CompiledPolicy
from moderation.policy import BUNDLED_POLICY, ModerationPolicy

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"


class ConfigKind:
    __slots__ = ("bundled", "label", "model", "parameters", "schema_file", "top_level_keys")

    def __init__(
        self,
        *,
        label: str,
        model: type[BaseModel],
        bundled: Path,
        schema_file: str,
        parameters: tuple[str, str],
        top_level_keys: frozenset[str],
    ) -> None:
        self.label = label
        """How messages name it: "moderation policy", "tools file"."""
        self.model = model
        self.bundled = bundled
        self.schema_file = schema_file
        self.parameters = parameters
        """The stack parameters naming its store: (SSM parameter, S3 URI)."""
        self.top_level_keys = top_level_keys
        """Keys only this kind has at the top level: how a file without "$schema" is recognised."""

    @property
    def schema_path(self) -> Path:
        return SCHEMAS / self.schema_file


POLICY = ConfigKind(
    label="moderation policy",
    model=ModerationPolicy,
    bundled=BUNDLED_POLICY,
    schema_file="moderation-policy.schema.json",
    parameters=("ModerationPolicySsmParameter", "ModerationPolicyS3Uri"),
    top_level_keys=frozenset({"default", "description"}),
)
TOOLS = ConfigKind(
    label="tools file",
    model=ToolRegistry,
    bundled=BUNDLED_TOOLS,
    schema_file="external-data-tools.schema.json",
    parameters=("ExternalDataToolsSsmParameter", "ExternalDataToolsS3Uri"),
    top_level_keys=frozenset({"tools"}),
)
KINDS = (POLICY, TOOLS)


def kind_of(document: Any, origin: str) -> ConfigKind | None:
    """Which config `document` (parsed JSON) is: by its "$schema" file name, else by keys only one kind has; None
    when neither tells (e.g. a policy with only "apps")."""
    if not isinstance(document, dict):
        raise ConfigFileError(f"{origin}: (top level): expected a JSON object (a moderation policy or a tools file)")
    reference = document.get("$schema")
    if isinstance(reference, str):
        for kind in KINDS:
            if reference.rsplit("/", 1)[-1] == kind.schema_file:
                return kind
    found = [kind for kind in KINDS if kind.top_level_keys & document.keys()]
    return found[0] if len(found) == 1 else None


def _read(path: Path) -> tuple[bytes, Any]:
    """The file's bytes and parsed JSON; ConfigFileError worded as the function's loader words it."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ConfigFileError(f"{path}: cannot read: {error.strerror}") from None
    try:
        return content, from_json(content)
    except ValueError as error:
        raise ConfigFileError(f"{path}: (top level): Invalid JSON: {error}") from None


def load(path: Path) -> tuple[ConfigKind, BaseModel, bytes]:
    """The file, loaded exactly as the function loads it at start (same checks, same messages; a policy's examples
    run), its kind, and the bytes that were checked. ConfigFileError naming the file and every bad place, or every
    failing example with what it got."""
    kind, config, content = _parse(path)
    if isinstance(config, ModerationPolicy):
        _prove_examples(config, path)
    return kind, config, content


def _parse(path: Path) -> tuple[ConfigKind, BaseModel, bytes]:
    content, document = _read(path)
    kind = kind_of(document, str(path))
    if kind is not None:
        return kind, parse_config(kind.model, content, str(path)), content
    problems = []
    for candidate in KINDS:
        try:
            return candidate, parse_config(candidate.model, content, str(path)), content
        except ConfigFileError as error:
            problems.append(str(error))
    # A tools file needs "tools": without it, the policy's problems are the ones that matter.
    raise ConfigFileError(
        f'{problems[0]}\n(read as a moderation policy: it has no "tools" key; add "$schema" to say which it is)'
    )


def _prove_examples(policy: ModerationPolicy, path: Path) -> None:
    """The function's check of a policy's examples, reported for its author: each failing one with its text."""
    try:
        prove(CompiledPolicy(policy))
    except ExamplesFailed as error:
        failed, total = len(error.failed), len(error.results)
        lines = [f"{path}: {failed} of {total} examples fail ({total - failed} pass):"]
        raise ConfigFileError("\n".join(lines + [f"  {report(result)}" for result in error.failed])) from None


def _load_as(kind: ConfigKind, path: Path | None) -> BaseModel:
    """`path` (the bundled file when None) loaded as `kind`; a file that says it is the other kind is refused as
    such, before its problems as `kind` would bury the mistake."""
    if path is None:
        return load_config_file(kind.model, kind.bundled)
    content, document = _read(path)
    found = kind_of(document, str(path))
    if found is not None and found is not kind:
        raise ConfigFileError(f"{path}: (top level): a {found.label}, not a {kind.label}")
    return parse_config(kind.model, content, str(path))


def load_policy(path: Path | None) -> ModerationPolicy:
    """The policy at `path`, or the bundled one, loaded as the function loads it."""
    return cast(ModerationPolicy, _load_as(POLICY, path))


def load_tools(path: Path | None) -> ToolRegistry:
    """The tools file at `path`, or the bundled one, loaded as the function loads it."""
    return cast(ToolRegistry, _load_as(TOOLS, path))


def tools_from(content: bytes, origin: str) -> ToolRegistry:
    """A tools file's bytes (read from where a stack keeps it), loaded as the function loads them."""
    return cast(ToolRegistry, parse_config(TOOLS.model, content, origin))
