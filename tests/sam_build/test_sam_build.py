"""`sam build` without Docker yields Lambda-ready artifacts: arm64 / CPython 3.13 binaries, no stray files.

One real build per test session (module-scoped fixture) with the SAM CLI named by SAM_CLI, as `make test` sets it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"

EM_AARCH64 = 183  # ELF e_machine of 64-bit ARM
FUNCTIONS = {"ModerationFunction": "moderation", "ExternalDataToolFunction": "external_data_tool"}


def _sam(*args: str) -> subprocess.CompletedProcess[str]:
    sam_cli = os.environ.get("SAM_CLI")
    if not sam_cli:
        pytest.fail("SAM_CLI is not set: run the tests with `make test` (or `make pytest`), which sets it.")
    return subprocess.run(
        [sam_cli, *args, "--template", str(TEMPLATE)],
        cwd=REPO,
        env={**os.environ, "PYTHON": sys.executable, "SAM_CLI_TELEMETRY": "0"},  # PYTHON313 as make exports it
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # sam build writes build.toml next to the build dir, so give it a directory of its own.
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    # --no-cached: test a real build, whatever samconfig.toml says, and leave the repo's .aws-sam alone.
    result = _sam("build", "--no-cached", "--build-dir", str(build_dir))
    assert result.returncode == 0, f"sam build failed:\n{result.stdout}\n{result.stderr}"
    return build_dir


@pytest.fixture(scope="module")
def layer_python(build_dir: Path) -> Path:
    return build_dir / "SharedLayer" / "python"


def _files(root: Path, pattern: str) -> Iterator[Path]:
    return (path for path in root.rglob(pattern) if path.is_file())


def test_sam_validate_lint() -> None:
    result = _sam("validate", "--lint")
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "is a valid SAM Template" in result.stdout


def test_layer_holds_dependencies_and_shared_package(layer_python: Path) -> None:
    for package in ("pydantic", "pydantic_core", "aws_lambda_powertools", "ahocorasick_rs", "re2", "dify_extension"):
        assert (layer_python / package / "__init__.py").is_file(), package
    # dify_extension comes from this repo, not from pip.
    assert not list(layer_python.glob("dify_extension-*.dist-info"))


def test_layer_has_nothing_lambda_never_uses(layer_python: Path) -> None:
    assert not (layer_python / "bin").exists()
    # No bytecode of the host's Python: only Python 3.13's, which the next test checks.
    assert [str(path) for path in _files(layer_python, "*.pyc") if ".cpython-313." not in path.name] == []


def _python313() -> str:
    """The Python 3.13 `make test` found for the build (the PYTHON313 it exports), or "" when there is none."""
    if "PYTHON313" not in os.environ:
        pytest.fail("PYTHON313 is not in the environment: run the tests with `make test`, which exports it.")
    return os.environ["PYTHON313"]


@pytest.mark.parametrize("artifact", ["SharedLayer", *FUNCTIONS])
def test_every_module_ships_bytecode_for_lambdas_python(build_dir: Path, artifact: str) -> None:
    """Lambda cannot write __pycache__, so without this bytecode every cold start compiles from source. With a
    Python 3.13 at hand, every module has an unchecked-hash .pyc of 3.13's bytecode; without one, none has."""
    root = build_dir / artifact
    sources = [path for path in _files(root, "*.py") if "__pycache__" not in path.parts]
    assert sources, root
    python313 = _python313()
    if not python313:
        assert list(_files(root, "*.pyc")) == []
        return
    magic = subprocess.run(
        [python313, "-c", "import importlib.util, sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for source in sources:
        compiled = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        assert compiled.is_file(), f"no bytecode for {source.relative_to(root)}"
        header = compiled.read_bytes()[:8]
        assert header[:4].hex() == magic, compiled
        assert int.from_bytes(header[4:8], "little") == 0b01, f"{compiled}: not unchecked-hash"


def test_binary_wheels_are_cpython313_aarch64(layer_python: Path) -> None:
    binary_wheels = []
    for wheel in _files(layer_python, "*.dist-info/WHEEL"):
        fields = [line.partition(":")[::2] for line in wheel.read_text().splitlines() if ":" in line]
        if ("Root-Is-Purelib", " true") in fields:
            continue
        binary_wheels.append(wheel.parent.name)
        tags = [value.strip() for key, value in fields if key == "Tag"]
        assert tags, wheel
        for tag in tags:
            interpreter, abi, platforms = tag.split("-")
            where = f"{wheel.parent.name}: {tag}"
            assert (interpreter, abi) == ("cp313", "cp313"), where
            assert all(platform.endswith("_aarch64") for platform in platforms.split(".")), where
    assert any(name.startswith("pydantic_core-") for name in binary_wheels), binary_wheels
    # The moderation keyword matcher (Aho-Corasick, in Rust): its wheel for Lambda, not the host's.
    assert any(name.startswith("ahocorasick_rs-") for name in binary_wheels), binary_wheels
    # Policy regexes (RE2, linear time): a manylinux_2_28 wheel.
    assert any(name.startswith("google_re2-") for name in binary_wheels), binary_wheels


def test_keyword_matcher_ships_its_aarch64_cpython313_extension(layer_python: Path) -> None:
    """ahocorasick_rs is a compiled extension: the layer must carry the build Lambda (arm64, 3.13) can load."""
    (extension,) = (layer_python / "ahocorasick_rs").glob("*.so")
    assert extension.name == "ahocorasick_rs.cpython-313-aarch64-linux-gnu.so"
    assert int.from_bytes(extension.read_bytes()[18:20], "little") == EM_AARCH64


def test_shared_objects_are_aarch64_elf_for_cpython313(layer_python: Path) -> None:
    shared_objects = list(_files(layer_python, "*.so"))
    assert shared_objects, "expected at least pydantic_core's extension module"
    for path in shared_objects:
        header = path.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", path
        assert header[4] == 2, f"{path}: not a 64-bit ELF"
        assert header[5] == 1, f"{path}: not little-endian"
        assert int.from_bytes(header[18:20], "little") == EM_AARCH64, f"{path}: not AArch64"
        assert path.name.endswith(".cpython-313-aarch64-linux-gnu.so"), path


@pytest.mark.parametrize(("function", "package"), FUNCTIONS.items())
def test_function_artifact_is_its_package_only(build_dir: Path, function: str, package: str) -> None:
    artifact = build_dir / function
    assert sorted(path.name for path in artifact.iterdir()) == [package]
    assert (artifact / package / "handler.py").is_file()
    stray = [
        str(path.relative_to(artifact))
        for path in artifact.rglob("*")
        if path.name in {"tests", "Makefile"} or (path.suffix == ".pyc" and ".cpython-313." not in path.name)
    ]
    assert stray == []
