"""Where a function's JSON config comes from, chosen by four environment variables sharing a prefix:

- `<PREFIX>_FILE`: a file (relative to the working directory), e.g. for `make run`;
- `<PREFIX>_SSM_PARAMETER`: an SSM parameter's name or ARN (String or SecureString);
- `<PREFIX>_S3_URI`: an S3 object, s3://bucket/key;
- none of them: the file bundled with the function.

Files are read once. An SSM parameter or S3 object is read when the function starts (a failure stops it, naming the
source), then again at most once per `<PREFIX>_TTL_SECONDS` (60 by default), started by the request that finds it
due: in the background, within READ_SECONDS, that request waiting for it at most WAIT_SECONDS. A re-read fetches only
what changed (S3: If-None-Match with the ETag; SSM: same version and content, no parse); a failed, slow or invalid
re-read keeps the last good config, logs why (never the content), and is retried one TTL later.

A function may give a `check` that a config must also pass (the moderation policy's examples): called for every
config loaded from a chosen file, SSM or S3, at start and on every re-read, but not for the bundled file, which the
project's tests prove. Its ValueError refuses the config like a validation error.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol

from aws_lambda_powertools import Logger

from dify_extension.aws_http import AwsError
from dify_extension.config_files import Check, ConfigFileError, ModelT, load_config_file, parse_config
from dify_extension.deadline import DeadlineExceeded, Flight, run_within, time_left
from dify_extension.metrics import count_config_reload_failure
from dify_extension.settings import seconds_setting

DEFAULT_TTL_SECONDS = 60.0
READ_SECONDS = 3.0
"""The longest a read of the config from SSM or S3 may take in all (at start too)."""
WAIT_SECONDS = 0.5
"""The longest the request that finds a re-read due waits for it (see ApiKeyCache for the key's part)."""
S3_SCHEME = "s3://"


class Fetched:
    __slots__ = ("content", "tag")

    def __init__(self, content: bytes | str, tag: str) -> None:
        self.content = content
        self.tag = tag
        """Equal tags mean equal content: an SSM parameter's "<Version>:<digest>", an S3 object's ETag."""


if TYPE_CHECKING:  # a Protocol class costs cold-start time, and only mypy needs it

    class Remote(Protocol):
        """A config stored in AWS."""

        @property
        def origin(self) -> str:
            """How messages name it: "ssm:/dify/policy", "s3://bucket/key"."""
            ...

        def fetch(self, tag: str | None) -> Fetched | None:
            """The current content; None when the store says it is still the one tagged `tag`. Raises AwsError."""
            ...


class SsmParameter:
    def __init__(self, name: str, environ: Mapping[str, str]) -> None:
        from dify_extension.ssm import SsmClient  # noqa: PLC0415 - only when configured: off the default cold path

        self.origin = f"ssm:{name}"
        self._name = name
        self._client = SsmClient.from_environment(environ)

    def fetch(self, tag: str | None) -> Fetched:
        # GetParameter has no conditional form; ConfigSource skips the parse when the tag is unchanged. The Version
        # alone is not enough: a parameter deleted and created again starts over at 1.
        parameter = self._client.get_parameter(self._name)
        digest = hashlib.sha256(parameter.value.encode()).hexdigest()[:16]
        return Fetched(parameter.value, f"{parameter.version}:{digest}")


class S3Object:
    def __init__(self, uri: str, environ: Mapping[str, str]) -> None:
        from dify_extension.s3 import S3Client  # noqa: PLC0415 - only when configured: off the default cold path

        self.origin = uri
        self._bucket, _, self._key = uri.removeprefix(S3_SCHEME).partition("/")
        self._client = S3Client.from_environment(environ)

    def fetch(self, tag: str | None) -> Fetched | None:
        found = self._client.get_object(self._bucket, self._key, if_none_match=tag)
        return None if found is None else Fetched(found.body, found.etag)


def _is_s3_uri(value: str) -> bool:
    bucket, _, key = value.removeprefix(S3_SCHEME).partition("/")
    return value.startswith(S3_SCHEME) and bool(bucket) and bool(key)


class ConfigSource(Generic[ModelT]):
    """The current config, for a handler to read on every request with `current()`: a clock check, and a fetch
    only when one is due. Thread-safe (the local API serves requests from threads)."""

    def __init__(
        self,
        model: type[ModelT],
        value: ModelT,
        *,
        remote: Remote | None = None,
        tag: str = "",
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        logger: Logger | None = None,
        check: Check[ModelT] | None = None,
    ) -> None:
        """`value` as loaded (tagged `tag`) from `remote`, or from a file when there is no remote (never re-read).
        The factories below do the first load. A re-read must pass `check` too."""
        self._model = model
        self._check = check
        self._value = value
        self._remote = remote
        self._tag = tag
        self._ttl = ttl_seconds
        self._clock = clock
        self._due = clock() + ttl_seconds
        self._logger = logger
        self._lock = threading.Lock()
        self._flight: Flight[tuple[Fetched, ModelT] | None] | None = None

    @classmethod
    def from_file(cls, model: type[ModelT], path: Path, *, check: Check[ModelT] | None = None) -> ConfigSource[ModelT]:
        """ConfigFileError naming the file when it cannot be read, is invalid or fails `check`."""
        return cls(model, load_config_file(model, path, check))

    @classmethod
    def from_remote(
        cls,
        model: type[ModelT],
        remote: Remote,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        logger: Logger | None = None,
        check: Check[ModelT] | None = None,
    ) -> ConfigSource[ModelT]:
        """Loaded now: ConfigFileError naming `remote` when it cannot be read, is invalid or fails `check`."""
        try:
            fetched = run_within(READ_SECONDS, partial(remote.fetch, None))
        except AwsError as error:
            raise ConfigFileError(f"{remote.origin}: cannot read: {error}") from None
        except DeadlineExceeded:
            raise ConfigFileError(f"{remote.origin}: cannot read: no answer within {READ_SECONDS:g} s") from None
        if fetched is None:
            raise ConfigFileError(f"{remote.origin}: cannot read: no content")
        value = parse_config(model, fetched.content, remote.origin, check)
        logger = logger or Logger()
        logger.info("config loaded", extra={"config_source": remote.origin, "config_version": fetched.tag})
        return cls(
            model,
            value,
            remote=remote,
            tag=fetched.tag,
            ttl_seconds=ttl_seconds,
            clock=clock,
            logger=logger,
            check=check,
        )

    @classmethod
    def from_environment(
        cls,
        prefix: str,
        *,
        bundled: Path,
        model: type[ModelT],
        environ: Mapping[str, str] = os.environ,
        clock: Callable[[], float] = time.monotonic,
        logger: Logger | None = None,
        check: Check[ModelT] | None = None,
    ) -> ConfigSource[ModelT]:
        """The source the variables `<prefix>_FILE`, `_SSM_PARAMETER`, `_S3_URI` and `_TTL_SECONDS` choose (an empty
        value is unset), loaded: ConfigFileError when the choice is unusable or the config invalid. A chosen config
        must pass `check`; the bundled one is not given to it."""
        names = [f"{prefix}_FILE", f"{prefix}_SSM_PARAMETER", f"{prefix}_S3_URI"]
        chosen = {name: value for name in names if (value := environ.get(name, "").strip())}
        if len(chosen) > 1:
            raise ConfigFileError(f"set at most one of {', '.join(names)}; found {' and '.join(chosen)}")
        file, parameter, uri = (chosen.get(name, "") for name in names)
        if not (parameter or uri):
            return cls.from_file(model, Path(file), check=check) if file else cls.from_file(model, bundled)
        try:
            ttl = seconds_setting(environ, f"{prefix}_TTL_SECONDS", DEFAULT_TTL_SECONDS)
        except ValueError as error:
            raise ConfigFileError(str(error)) from None
        if uri and not _is_s3_uri(uri):
            raise ConfigFileError(f"{prefix}_S3_URI must look like s3://bucket/key, got {uri!r}")
        try:
            remote: Remote = SsmParameter(parameter, environ) if parameter else S3Object(uri, environ)
        except AwsError as error:  # no region or credentials
            origin = f"ssm:{parameter}" if parameter else uri
            raise ConfigFileError(f"{origin}: cannot read: {error}") from None
        return cls.from_remote(model, remote, ttl_seconds=ttl, clock=clock, logger=logger, check=check)

    def current(self) -> ModelT:
        """The config in force. When a re-read is due, it starts in the background (one at a time, limited to
        READ_SECONDS in all) and this request waits for it at most WAIT_SECONDS (less if its own deadline comes first);
        meanwhile, and whenever the re-read fails, requests get the last good config."""
        if self._remote is not None and self._clock() >= self._due:
            flight = self._start_refresh(self._remote)
            if flight is not None:
                flight.wait(time_left(WAIT_SECONDS))
        return self._value

    def _start_refresh(self, remote: Remote) -> Flight[tuple[Fetched, ModelT] | None] | None:
        with self._lock:
            now = self._clock()
            if now < self._due:
                return None  # another request started it
            # Due again one TTL from now whatever happens: a broken store is not hammered once per request.
            self._due = now + self._ttl
            self._flight = Flight(partial(self._fetch, remote, self._tag), READ_SECONDS, self._refreshed)
            return self._flight

    def _fetch(self, remote: Remote, tag: str) -> tuple[Fetched, ModelT] | None:
        """The new version and its parsed value; None when unchanged."""
        fetched = remote.fetch(tag)
        if fetched is None or fetched.tag == tag:
            return None
        return fetched, parse_config(self._model, fetched.content, remote.origin, self._check)

    def _refreshed(self, flight: Flight[tuple[Fetched, ModelT] | None]) -> None:
        logger = self._logger or Logger()
        origin = self._remote.origin if self._remote is not None else ""
        with self._lock:
            if flight is not self._flight:
                return  # a re-read that outlived its deadline, replaced by a newer one
            self._flight = None
            try:
                outcome = flight.result()
            except (AwsError, ConfigFileError) as error:
                reason = str(error)
            except Exception as error:  # a model validator's bug must not take the function down
                reason = f"unexpected {type(error).__name__}"
            else:
                if outcome is not None:
                    fetched, self._value = outcome
                    self._tag = fetched.tag
                    logger.info("config reloaded", extra={"config_source": origin, "config_version": fetched.tag})
                return
            logger.warning(
                "config reload failed; keeping the last good config",
                extra={"config_source": origin, "config_version": self._tag, "reason": reason},
            )
            count_config_reload_failure()  # what the ConfigReload alarms watch
