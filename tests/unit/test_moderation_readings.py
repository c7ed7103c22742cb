"""The registry of readings (moderation/readings.py): each reading's examples behave as it says, through a compiled
policy, and every reading is on the evasions page."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.readings import BY_NAME, READINGS, SHORT_KEYWORDS, Example, explain
from tests.unit.keyword_rules import keyword_stage

DOCS = Path(__file__).resolve().parents[2] / "docs" / "evasions.md"


def found(example: Example) -> list[tuple[str, ...]]:
    """The evasions of each match of the example's keyword in its text."""
    stage = keyword_stage([example.keyword], example.whole_word, **dict(example.options))
    return [match.evasions for match in stage.matcher.find(example.text)]


CAUGHT = [(reading.name, example) for reading in READINGS for example in reading.caught]
SPARED = [(reading.name, example) for reading in READINGS for example in reading.spared]


@pytest.mark.parametrize(("name", "example"), CAUGHT, ids=[f"{name}-{example.text}" for name, example in CAUGHT])
def test_each_reading_catches_its_examples_and_names_itself(name: str, example: Example) -> None:
    assert any(name in evasions for evasions in found(example)), found(example)


@pytest.mark.parametrize(("name", "example"), SPARED, ids=[f"{name}-{example.text}" for name, example in SPARED])
def test_each_reading_spares_the_examples_of_its_precision_rule(name: str, example: Example) -> None:
    assert found(example) == []


def test_every_reading_is_on_the_evasions_page_by_name() -> None:
    page = DOCS.read_text(encoding="utf-8")
    assert [reading.name for reading in READINGS if f"`{reading.name}`" not in page] == []


def test_names_are_unique_and_explained() -> None:
    assert len(BY_NAME) == len(READINGS)
    assert explain("accents").startswith("accents: ")
    assert explain("not-a-reading") == "not-a-reading"


@pytest.mark.parametrize("example", SHORT_KEYWORDS, ids=[example.text for example in SHORT_KEYWORDS])
def test_a_keyword_of_one_or_two_letters_takes_no_reading(example: Example) -> None:
    assert found(example) == []
    assert found(Example(example.keyword, example.keyword.upper() + "!")) == [()]
