"""The functions' settings from the environment: defaults, numbers, and errors naming the variable."""

from __future__ import annotations

import pytest

from dify_extension.settings import Settings

TTL = "API_KEY_CACHE_TTL_SECONDS"
INTERVAL = "API_KEY_REFRESH_INTERVAL_SECONDS"


@pytest.mark.parametrize(
    "environ",
    [
        pytest.param({}, id="unset"),
        pytest.param({TTL: "", INTERVAL: ""}, id="empty"),
        pytest.param({TTL: "  ", INTERVAL: "\n"}, id="blank"),
    ],
)
def test_defaults_are_300_and_10_seconds(environ: dict[str, str]) -> None:
    """Unset or empty variables give a 300 s cache and a 10 s refresh interval."""
    settings = Settings.from_environment(environ)
    assert settings.key_cache_ttl_seconds == 300.0
    assert settings.key_refresh_interval_seconds == 10.0


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("60", 60.0), ("0", 0.0), ("2.5", 2.5), (" 45 ", 45.0), ("1e3", 1000.0)],
)
def test_numeric_strings_are_read(raw: str, seconds: float) -> None:
    """Each variable accepts any non-negative number of seconds, independently of the other."""
    ttl_only = Settings.from_environment({TTL: raw})
    assert (ttl_only.key_cache_ttl_seconds, ttl_only.key_refresh_interval_seconds) == (seconds, 10.0)
    interval_only = Settings.from_environment({INTERVAL: raw})
    assert (interval_only.key_cache_ttl_seconds, interval_only.key_refresh_interval_seconds) == (300.0, seconds)


@pytest.mark.parametrize("name", [TTL, INTERVAL])
@pytest.mark.parametrize("raw", ["-1", "-0.5", "abc", "10s", "five"])
def test_unusable_value_names_the_variable(name: str, raw: str) -> None:
    """A negative or non-numeric value is a ValueError that names the variable at fault."""
    with pytest.raises(ValueError, match=name):
        Settings.from_environment({name: raw})


@pytest.mark.parametrize("name", [TTL, INTERVAL])
def test_nan_is_refused(name: str) -> None:
    """ "nan" is not a number of seconds: float() parses it, but every comparison with it is false, so a NaN
    refresh interval would let each wrong key reload the secret and a NaN TTL would never expire the keys."""
    with pytest.raises(ValueError, match=name):
        Settings.from_environment({name: "nan"})


@pytest.mark.parametrize(
    ("environ", "secret_id"),
    [
        ({"API_KEY_SECRET_ID": "prod/dify-key"}, "prod/dify-key"),
        ({"API_KEY_SECRET_ID": "  prod/dify-key\n"}, "prod/dify-key"),
        ({}, ""),
    ],
)
def test_secret_id_is_read_and_stripped(environ: dict[str, str], secret_id: str) -> None:
    """The secret id is read verbatim minus surrounding whitespace; a missing one is "" (refused later, not here)."""
    assert Settings.from_environment(environ).api_key_secret_id == secret_id
