"""Cold-start hygiene for a handler module's init code (imports and set-up)."""

from __future__ import annotations

import gc
import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

# pydantic's plugin loader: pydantic imports it on the first model build to look for plugins.
PYDANTIC_PLUGIN_LOADER = "pydantic.plugin._loader"


def _no_pydantic_plugins() -> tuple[()]:
    return ()


def skip_pydantic_plugin_lookup() -> None:
    """When PYDANTIC_DISABLE_PLUGINS=__all__ (template.yaml sets it), stand in for pydantic's plugin loader with one
    that finds none, as the real one would.

    The real loader returns no plugins under that setting too, but importing it imports importlib.metadata (and
    with it email, zipfile, csv...): 20-40 ms of every cold start for nothing. tests/unit/test_cold_start.py checks
    that the real loader still has this `get_plugins` and still answers () under the setting.
    """
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") != "__all__" or PYDANTIC_PLUGIN_LOADER in sys.modules:
        return
    loader = types.ModuleType(PYDANTIC_PLUGIN_LOADER, "No pydantic plugins (PYDANTIC_DISABLE_PLUGINS=__all__).")
    loader.get_plugins = _no_pydantic_plugins  # type: ignore[attr-defined]
    sys.modules[PYDANTIC_PLUGIN_LOADER] = loader


@contextmanager
def init_phase() -> Iterator[None]:
    """Run a handler module's init with the cyclic GC off, then freeze what it built.

    Init creates tens of thousands of objects (modules, classes, models) that live as long as the Lambda sandbox;
    collecting while creating them costs tens of milliseconds of every cold start (`make bench`). gc.freeze moves
    them out of the collector's sight, so the collections that later run during requests never scan them again.
    This is the pattern the gc docs give for long-lived state built at start (disable early, freeze, enable).
    """
    skip_pydantic_plugin_lookup()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        gc.enable()
