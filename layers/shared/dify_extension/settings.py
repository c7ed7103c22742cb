"""The functions' settings, read once from the environment that template.yaml gives them."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping


def seconds_setting(environ: Mapping[str, str], name: str, default: float) -> float:
    """The number of seconds in variable `name`; raises ValueError naming it when unusable."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite, non-negative number of seconds, got {raw!r}")
    return value


class Settings:
    # A plain class, not a dataclass: generating dataclass methods costs cold-start time for no gain here.
    __slots__ = ("api_key_secret_id", "key_cache_ttl_seconds", "key_refresh_interval_seconds")

    def __init__(
        self,
        api_key_secret_id: str,
        key_cache_ttl_seconds: float = 300.0,
        key_refresh_interval_seconds: float = 10.0,
    ) -> None:
        self.api_key_secret_id = api_key_secret_id
        self.key_cache_ttl_seconds = key_cache_ttl_seconds
        self.key_refresh_interval_seconds = key_refresh_interval_seconds

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Raises ValueError naming the variable when a value is unusable. A missing secret id is not an error here:
        it makes every request fail closed with 503, which is easier to diagnose than a function that cannot start.
        """
        return cls(
            api_key_secret_id=environ.get("API_KEY_SECRET_ID", "").strip(),
            key_cache_ttl_seconds=seconds_setting(environ, "API_KEY_CACHE_TTL_SECONDS", 300.0),
            key_refresh_interval_seconds=seconds_setting(environ, "API_KEY_REFRESH_INTERVAL_SECONDS", 10.0),
        )
