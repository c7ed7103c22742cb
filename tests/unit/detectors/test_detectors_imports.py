"""The detectors package's modules import one another one way only: settings, then construction, then the entry."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "functions" / "moderation" / "moderation" / "detectors"


def imports_within_package(path: Path) -> set[str]:
    """The package's modules that `path` imports, at the top or inside a function (lazily)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("moderation.detectors"):
            names.add(node.module.removeprefix("moderation.detectors").lstrip(".") or "__init__")
    return names


def test_the_detectors_package_has_no_import_circle() -> None:
    graph = {path.stem: imports_within_package(path) for path in PACKAGE.glob("*.py")}
    assert set(graph) >= {"__init__", "environment", "aws", "comprehend", "guardrail", "failure"}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:  # pragma: no cover - the failure message
        raise AssertionError(f"import circle: {error.args[1]}") from None
    # Settings first, construction after them, the package's entry last.
    assert order.index("environment") < order.index("aws") < order.index("__init__")
    assert graph["environment"] == set()
