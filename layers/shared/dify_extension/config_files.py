"""Loading a JSON config (a moderation policy, a tools list) into its pydantic model, or failing loudly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)
Check = Callable[[ModelT], object]
"""What a config must pass beyond its model (a policy's examples): a ValueError refuses it."""


class ConfigFileError(ValueError):
    """A config that cannot be used; the message names where it came from and every bad place in it."""


def parse_config(model: type[ModelT], content: bytes | str, origin: str, check: Check[ModelT] | None = None) -> ModelT:
    """`content` validated as `model`, then given to `check` if any (e.g. a policy's examples run); ConfigFileError
    "<origin>: <place>: <problem>; ..." otherwise, or "<origin>: <check's ValueError>". The problems never quote
    the offending values (a config may hold sensitive text), nor may `check`'s."""
    try:
        value = model.model_validate_json(content)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(top level)'}: {item['msg']}"
            for item in error.errors(include_url=False, include_input=False)
        )
        raise ConfigFileError(f"{origin}: {problems}") from None
    if check is not None:
        try:
            check(value)
        except ValueError as error:
            raise ConfigFileError(f"{origin}: {error}") from None
    return value


def load_config_file(model: type[ModelT], path: Path, check: Check[ModelT] | None = None) -> ModelT:
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ConfigFileError(f"{path}: cannot read: {error.strerror}") from None
    return parse_config(model, content, str(path), check)
