"""init_phase: the cyclic GC is off while a handler module initialises, and what init built is frozen after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from dify_extension.cold_start import init_phase


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
