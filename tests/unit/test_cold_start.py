"""init_phase: the cyclic GC is off while a handler module initialises, and what init built is frozen after; pydantic's
plugin lookup is skipped when PYDANTIC_DISABLE_PLUGINS=__all__."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dify_extension.cold_start import init_phase

LAYER = Path(__file__).resolve().parents[2] / "layers" / "shared"


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_the_gc_is_off_during_init_and_what_init_built_is_frozen() -> None:
    gc.unfreeze()
    with init_phase():
        assert not gc.isenabled()
        built = [{"object": index} for index in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)


def test_a_failing_init_turns_the_gc_back_on_and_freezes_nothing() -> None:
    gc.unfreeze()
    with pytest.raises(RuntimeError), init_phase():
        raise RuntimeError("init failed")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def _fresh_python(code: str, **environment: str) -> str:
    """`code`'s stdout in a fresh interpreter (pydantic's loader is already imported in this one)."""
    environ = {name: value for name, value in os.environ.items() if name != "PYDANTIC_DISABLE_PLUGINS"}
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env={**environ, "PYTHONPATH": str(LAYER), **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


INIT_THEN_VALIDATE = """
import sys
from dify_extension.cold_start import init_phase
with init_phase():
    from pydantic import BaseModel, ValidationError
    class Model(BaseModel):
        count: int
try:
    Model(count="x")
except ValidationError:
    print("importlib.metadata" in sys.modules, Model(count="3").count)
"""


def test_with_plugins_disabled_init_never_imports_importlib_metadata_and_pydantic_still_validates() -> None:
    assert _fresh_python(INIT_THEN_VALIDATE, PYDANTIC_DISABLE_PLUGINS="__all__") == "False 3"


def test_without_the_setting_pydantic_looks_for_plugins_as_usual() -> None:
    assert _fresh_python(INIT_THEN_VALIDATE) == "True 3"


def test_pydantics_own_loader_still_finds_no_plugins_under_the_setting() -> None:
    """What the stand-in copies: if pydantic renames or changes its loader, this fails first."""
    check = """
import inspect
from pydantic.plugin import _loader, _schema_validator
print(tuple(_loader.get_plugins()), "from ._loader import get_plugins" in inspect.getsource(_schema_validator))
"""
    assert _fresh_python(check, PYDANTIC_DISABLE_PLUGINS="__all__") == "() True"
