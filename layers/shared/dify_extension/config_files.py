"""Loading a JSON config file (a moderation policy, a tools list) into its pydantic model, or failing loudly."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigFileError(ValueError):
    """A config file that cannot be used; the message names the file and every bad place in it."""


def load_config_file(model: type[ModelT], path: Path) -> ModelT:
    try:
        return model.model_validate_json(path.read_bytes())
    except OSError as error:
        raise ConfigFileError(f"{path}: cannot read: {error.strerror}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(top level)'}: {item['msg']}"
            for item in error.errors(include_url=False, include_input=False)
        )
        raise ConfigFileError(f"{path}: {problems}") from None
