"""local_api.app.Settings: what `make run` takes from the user's shell, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_api.app import MIN_KEY_CHARS, ConfigError, Settings


def test_defaults() -> None:
    settings = Settings.from_environment({})
    assert (settings.host, settings.port, settings.region, settings.log_level) == (
        "127.0.0.1",
        3000,
        "us-east-1",
        "WARNING",
    )
    assert settings.key_from_shell is False
    assert len(settings.api_key) >= 32
    assert settings.api_key != Settings.from_environment({}).api_key


def test_shell_values() -> None:
    settings = Settings.from_environment(
        {"HOST": "192.0.2.10", "PORT": "0", "LOCAL_API_KEY": "12345", "LOG_LEVEL": "debug", "AWS_REGION": "eu-west-1"}
    )
    assert (settings.host, settings.port, settings.api_key, settings.log_level) == ("192.0.2.10", 0, "12345", "DEBUG")
    assert settings.key_from_shell is True
    assert settings.region == "eu-west-1"
    assert Settings.from_environment({"AWS_DEFAULT_REGION": "ap-south-1"}).region == "ap-south-1"


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"LOCAL_API_KEY": "1234"}, "LOCAL_API_KEY"),  # Dify requires >= 5 characters
        ({"LOCAL_API_KEY": ""}, "LOCAL_API_KEY"),
        ({"LOCAL_API_KEY": "has a space"}, "LOCAL_API_KEY"),
        ({"PORT": "http"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_unusable_values_are_refused_by_name(environ: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        Settings.from_environment(environ)


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md"])
def test_the_docs_state_the_key_rule_make_run_enforces(page: str) -> None:
    text = " ".join((Path(__file__).resolve().parents[2] / page).read_text(encoding="utf-8").split())
    assert f"at least {MIN_KEY_CHARS} printable characters, no spaces" in text
    with pytest.raises(ConfigError, match=f"at least {MIN_KEY_CHARS} printable characters without spaces"):
        Settings.from_environment({"LOCAL_API_KEY": "x" * (MIN_KEY_CHARS - 1)})
    with pytest.raises(ConfigError):
        Settings.from_environment({"LOCAL_API_KEY": "a b c d e"})
