"""The functions' key cache as the environment configures it. Imports only the standard library, so a handler can
start loading the key before it imports anything heavy (see ApiKeyCache.prefetch)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from dify_extension.keys import ApiKeyCache
from dify_extension.secrets_manager import api_key_loader
from dify_extension.settings import Settings


def key_cache_from_environment(environ: Mapping[str, str] = os.environ) -> ApiKeyCache:
    settings = Settings.from_environment(environ)
    # A snapshot: the environment of a Lambda sandbox never changes, and the local API swaps os.environ per call.
    return ApiKeyCache(
        api_key_loader(settings.api_key_secret_id, dict(environ)),
        ttl_seconds=settings.key_cache_ttl_seconds,
        refresh_interval_seconds=settings.key_refresh_interval_seconds,
    )
