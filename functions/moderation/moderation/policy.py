"""Keyword moderation: the policy file's shape and its evaluation. Plain Python, no AWS."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints

from dify_extension.config_files import load_config_file
from dify_extension.protocol import (
    ModerationAction,
    ModerationInputAnswer,
    ModerationInputParams,
    ModerationOutputAnswer,
    ModerationOutputParams,
)

BUNDLED_POLICY = Path(__file__).with_name("policy.json")

Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class StagePolicy(BaseModel):
    """What to block at one stage (input or output): a hit on any keyword answers with `preset_response`."""

    # Built as part of ModerationPolicy only (defer_build): building it on its own too would cost cold-start time.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    keywords: list[Keyword] = Field(default_factory=list)
    preset_response: Annotated[str, StringConstraints(min_length=1)]
    _needles: tuple[str, ...] = PrivateAttr(default=())

    def model_post_init(self, context: Any, /) -> None:
        self._needles = tuple(keyword.casefold() for keyword in self.keywords)

    def first_hit(self, texts: Iterable[str]) -> str | None:
        """The first keyword found in any of `texts`, ignoring case."""
        for text in texts:
            folded = text.casefold()
            for needle, keyword in zip(self._needles, self.keywords, strict=True):
                if needle in folded:
                    return keyword
        return None


class ModerationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    input: StagePolicy
    output: StagePolicy

    @classmethod
    def load(cls, path: Path) -> ModerationPolicy:
        return load_config_file(cls, path)

    def moderate_input(self, params: ModerationInputParams) -> ModerationInputAnswer:
        hit = self.input.first_hit(_strings([params.query, params.inputs]))
        if hit is None:
            # Not flagged: Dify ignores the action, and "overridden" with the unchanged values is a no-op either way.
            return ModerationInputAnswer(
                flagged=False, action=ModerationAction.OVERRIDDEN, inputs=params.inputs, query=params.query
            )
        return ModerationInputAnswer(
            flagged=True,
            action=ModerationAction.DIRECT_OUTPUT,
            preset_response=self.input.preset_response,
            inputs=params.inputs,
            query=params.query,
        )

    def moderate_output(self, params: ModerationOutputParams) -> ModerationOutputAnswer:
        if self.output.first_hit([params.text]) is None:
            return ModerationOutputAnswer(flagged=False, action=ModerationAction.OVERRIDDEN, text=params.text)
        return ModerationOutputAnswer(
            flagged=True,
            action=ModerationAction.DIRECT_OUTPUT,
            preset_response=self.output.preset_response,
            text=params.text,
        )


def _strings(value: Any) -> Iterator[str]:
    """Every string inside `value`: Dify inputs hold strings, numbers, and lists/objects for file inputs."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
