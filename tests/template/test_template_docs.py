"""The pages that restate template.yaml's parameter defaults say what the template says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import load  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
DETECTOR_PARAMETERS = [
    "BedrockGuardrailId",
    "BedrockGuardrailVersion",
    "BedrockGuardrailStages",
    "ComprehendToxicityThresholds",
    "ComprehendToxicityStages",
    "ComprehendPiiEntityTypes",
    "ComprehendPiiStages",
    "ComprehendLanguageCode",
    "DetectorFailureMode",
    "DetectorTimeoutSeconds",
    "DetectorUnavailableResponse",
]


def _default(name: str) -> str:
    parameters: dict[str, Any] = load(str(REPO / "template.yaml"))["Parameters"]
    return str(parameters[name]["Default"])


def _row(page: str, starts_with: str) -> str:
    lines = (REPO / "docs" / page).read_text(encoding="utf-8").splitlines()
    (row,) = [line for line in lines if line.startswith(starts_with)]
    return row


@pytest.mark.parametrize("name", DETECTOR_PARAMETERS)
def test_each_detector_default_is_the_templates_on_both_pages(name: str) -> None:
    default = _default(name)
    shown = f"`{default}`" if default else "empty = off"
    detectors_row = _row("detectors.md", f"| `{name}` (")
    assert detectors_row.split(" | ")[1] == shown
    cell = _row("deploying.md", "| `BedrockGuardrailId`, ").split(" | ")[1]
    defaults: dict[str, str] = {}
    for entry in cell.split("; "):  # "`A`, `B`: value", or "each `...Stages`: value"
        keys, _, value = entry.partition(": ")
        for key in re.findall(r"`([\w.]+)`", keys):
            defaults[key] = value.removesuffix(" (each turns its detector on)")
    assert defaults["...Stages" if name.endswith("Stages") else name] == shown
