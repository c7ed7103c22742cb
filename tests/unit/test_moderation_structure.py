"""The moderation modules' imports go one way: policy (the file's model) -> matcher -> decision -> examples (a
policy's examples, run) -> moderator -> handler. No module imports one above it, not even for type checking."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "functions" / "moderation" / "moderation"
CHAIN = ["policy", "matcher", "decision", "examples", "moderator", "handler"]


def imported_modules(path: Path) -> set[str]:
    """Every `moderation.<name>` a module imports, anywhere in it (TYPE_CHECKING blocks and functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("moderation."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("moderation."))
    return found


def helpers() -> list[Path]:
    """Every module but the chain's."""
    chain = {PACKAGE / f"{name}.py" for name in CHAIN}
    return sorted(path for path in PACKAGE.rglob("*.py") if path.name != "__init__.py" and path not in chain)


def test_the_chain_exists_and_each_link_imports_only_what_is_below_it() -> None:
    for rank, name in enumerate(CHAIN):
        above = set(CHAIN[rank + 1 :])
        assert not imported_modules(PACKAGE / f"{name}.py") & above, name


@pytest.mark.parametrize("path", helpers(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_helpers_import_nothing_of_the_chain(path: Path) -> None:
    """Every other module (normalisation, evasions, PII, outcome, detectors) sits below the policy."""
    assert not imported_modules(path) & set(CHAIN)


def test_the_parser_sees_type_checking_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from moderation.decision import X\n")
    assert imported_modules(module) == {"decision"}
