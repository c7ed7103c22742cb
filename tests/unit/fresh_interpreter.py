"""Run code in a fresh Python that sees the moderation function and the shared layer, as Lambda's does: what a
cold start imports can only be seen from a new interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(code: str, **environ: str) -> str:
    """The standard output of `code`; `environ` is the interpreter's whole environment (besides PYTHONPATH)."""
    paths = [str(ROOT / "functions" / "moderation"), str(ROOT / "layers" / "shared")]
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": ":".join(paths), **environ},
        timeout=60,
    )
    return result.stdout
