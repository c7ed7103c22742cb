"""`make build` and `make deploy` as a new user runs them, without AWS: in a copy of the repository's Makefile and
samconfig.toml, with a fake `sam` on PATH that records its arguments and, like `sam deploy --guided`, saves a region
into samconfig.toml when asked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# What the Makefile's build and deploy targets read: the Makefile, SAM's settings, and the requirements the
# environments' stamps depend on.
COPIED = ["Makefile", "samconfig.toml", "requirements", "layers/shared/requirements.txt"]

FAKE_SAM = f"""#!{sys.executable}
import json, os, re, sys
from pathlib import Path

args = sys.argv[1:]
with open(os.environ["FAKE_SAM_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({{"args": args, "python": os.environ.get("PYTHON")}}) + "\\n")
if args[:1] == ["deploy"] and "--guided" in args:
    env = args[args.index("--config-env") + 1] if "--config-env" in args else "default"
    config = Path("samconfig.toml")
    text = config.read_text(encoding="utf-8")
    section = f"[{{env}}.deploy.parameters]"
    saved = f'{{section}}\\nregion = "eu-west-1"\\n'
    config.write_text(text.replace(section + "\\n", saved) if section in text else text + "\\n" + saved)
"""


class Project:
    """A copy of the repository's build and deploy files, and a way to run make in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for name in COPIED:
            source, target = REPO / name, root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copyfile(source, target)
        self.log = root / "sam-calls.jsonl"
        self.bin = root / "fake-bin"

    def own_sam(self) -> None:
        """A user with a SAM CLI of their own on PATH, who has run `make run` once (its .venv is up to date)."""
        self.bin.mkdir()
        sam = self.bin / "sam"
        sam.write_text(FAKE_SAM, encoding="utf-8")
        sam.chmod(0o755)
        stamp = self.root / ".venv" / ".local.stamp"
        stamp.parent.mkdir()
        stamp.touch()

    def make(self, *args: str) -> str:
        # No sam of the machine's own on PATH; none of the outer make's flags (make test's -j, -O); no settings of the
        # developer's shell.
        path = [str(self.bin)] + [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "sam").exists()]
        outer = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SAM", "GUIDED", "CONFIG_ENV", "PYTHON"}
        environ = {k: v for k, v in os.environ.items() if k not in outer}
        environ |= {"PATH": os.pathsep.join(path), "FAKE_SAM_LOG": str(self.log)}
        result = subprocess.run(
            [shutil.which("make") or "make", "--no-print-directory", *args],
            cwd=self.root,
            env=environ,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
        return result.stdout

    def sam_calls(self) -> list[list[str]]:
        """The fake sam's calls since the last look."""
        if not self.log.exists():
            return []
        calls = [json.loads(line)["args"] for line in self.log.read_text(encoding="utf-8").splitlines()]
        self.log.unlink()
        return calls


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "clone")


def test_build_on_a_fresh_clone_installs_the_python_and_sam_it_runs(project: Project) -> None:
    """Without any environment or sam of one's own, the build first creates .venv-sam, then runs its sam with its
    python (which has pip) for the layer's Makefile."""
    lines = project.make("-n", "build").splitlines()
    creates = next(i for i, line in enumerate(lines) if line.endswith("-m venv .venv-sam"))
    build = next(i for i, line in enumerate(lines) if line.endswith("sam build"))
    assert creates < build
    assert lines[build] == f"PYTHON={project.root}/.venv-sam/bin/python .venv-sam/bin/sam build"


def test_build_uses_your_own_sam_from_path(project: Project) -> None:
    project.own_sam()
    project.make("build")
    assert project.sam_calls() == [["build"]]
    assert not (project.root / ".venv-sam").exists()


def test_deploy_asks_the_first_time_then_deploys_the_saved_settings(project: Project) -> None:
    project.own_sam()
    project.make("deploy")
    assert project.sam_calls() == [["build"], ["deploy", "--guided", "--config-env", "default"]]
    project.make("deploy")
    assert project.sam_calls() == [["build"], ["deploy", "--config-env", "default"]]
    project.make("deploy", "GUIDED=1")
    assert project.sam_calls() == [["build"], ["deploy", "--guided", "--config-env", "default"]]


def test_deploy_without_questions_on_request(project: Project) -> None:
    """GUIDED=0: samconfig.toml's section as it is, the region from the AWS profile."""
    project.own_sam()
    project.make("deploy", "GUIDED=0")
    assert project.sam_calls() == [["build"], ["deploy", "--config-env", "default"]]


def test_each_config_env_is_guided_until_its_own_settings_are_saved(project: Project) -> None:
    project.own_sam()
    project.make("deploy")
    project.sam_calls()
    project.make("deploy", "CONFIG_ENV=prod")
    assert project.sam_calls() == [["build"], ["deploy", "--guided", "--config-env", "prod"]]
    project.make("deploy", "CONFIG_ENV=prod")
    assert project.sam_calls() == [["build"], ["deploy", "--config-env", "prod"]]
