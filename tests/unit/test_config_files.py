"""load_config_file: a JSON file into its model, or a ConfigFileError naming the file and every bad place."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from dify_extension.config_files import ConfigFileError, load_config_file, parse_config


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    items: list[Inner]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sample.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_is_loaded(tmp_path: Path) -> None:
    """A valid file gives the model with the file's values."""
    loaded = load_config_file(Sample, write(tmp_path, '{"name": "n", "items": [{"limit": 1}, {"limit": 2}]}'))
    assert loaded == Sample(name="n", items=[Inner(limit=1), Inner(limit=2)])


def test_every_problem_is_listed_with_its_place(tmp_path: Path) -> None:
    """All validation problems appear, each with its dotted place, after the file name."""
    path = write(tmp_path, '{"items": [{"limit": 1}, {"limit": "many", "x": 0}]}')
    with pytest.raises(ConfigFileError) as caught:
        load_config_file(Sample, path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    for place in ["name:", "items.1.limit:", "items.1.x:"]:
        assert place in message
    assert "items.0" not in message


def test_values_from_the_file_are_not_echoed(tmp_path: Path) -> None:
    """The error describes problems without quoting the offending values (a config may hold sensitive text)."""
    path = write(tmp_path, '{"name": "n", "items": [{"limit": "hunter2-value"}]}')
    with pytest.raises(ConfigFileError) as caught:
        load_config_file(Sample, path)
    assert "items.0.limit:" in str(caught.value)
    assert "hunter2-value" not in str(caught.value)


@pytest.mark.parametrize("text", ["", "{", "not json", '{"name": "n",}'])
def test_invalid_json_is_reported_at_the_top_level(tmp_path: Path, text: str) -> None:
    """Text that is not JSON is a ConfigFileError at "(top level)"."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigFileError) as caught:
        load_config_file(Sample, path)
    assert str(caught.value).startswith(f"{path}: (top level): ")


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_path_is_reported(tmp_path: Path, kind: str) -> None:
    """A path that cannot be read is a ConfigFileError (a ValueError) naming it, not an OSError."""
    path = tmp_path / "missing.json"
    if kind == "directory":
        path.mkdir()
    with pytest.raises(ConfigFileError) as caught:
        load_config_file(Sample, path)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"{path}: cannot read")


def test_parse_config_names_the_origin_given() -> None:
    """Text from elsewhere (an SSM parameter, an S3 object) is reported under the origin's name, like a file's."""
    assert parse_config(Sample, '{"name": "n", "items": []}', "ssm:/x") == Sample(name="n", items=[])
    with pytest.raises(ConfigFileError) as caught:
        parse_config(Sample, b'{"name": "n", "items": [{"limit": "x"}]}', "s3://bucket/key.json")
    assert str(caught.value).startswith("s3://bucket/key.json: items.0.limit: ")
