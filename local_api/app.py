"""`make run`: settings from the shell, start-up, the banner, and a clean stop on Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import secrets
import signal
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from local_api import functions
from local_api.environment import UnresolvedVariableError, function_environment, lambda_runtime
from local_api.secrets_store import create_secret, local_secrets_manager
from local_api.server import Invoke, LocalApiServer
from local_api.template import FunctionSpec, TemplateError, read_functions

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
MIN_KEY_CHARS = 5  # Dify refuses shorter keys
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
CONFIG_SOURCE_SUFFIXES = ("_FILE", "_SSM_PARAMETER", "_S3_URI")
ALL_INTERFACES = ("", "0.0.0.0")  # noqa: S104 - binding to them is the user's explicit opt-in (HOST=0.0.0.0)
STOP_POLL_SECONDS = 0.2
DEFAULT_REVIEW_DIR = ".review"


class ConfigError(Exception):
    """A variable the user set in the shell is unusable."""


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    api_key: str
    key_from_shell: bool
    region: str
    log_level: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Settings:
        """HOST, PORT, LOCAL_API_KEY, LOG_LEVEL and AWS_REGION/AWS_DEFAULT_REGION, with the local defaults."""
        port_text = environ.get("PORT", "3000")
        if not port_text.isdigit() or int(port_text) > 65535:
            raise ConfigError(f"PORT must be a number from 0 to 65535, got {port_text!r}")
        api_key = environ.get("LOCAL_API_KEY")
        if api_key is not None and (len(api_key) < MIN_KEY_CHARS or not api_key.isprintable() or " " in api_key):
            raise ConfigError(f"LOCAL_API_KEY must be at least {MIN_KEY_CHARS} printable characters without spaces")
        log_level = environ.get("LOG_LEVEL", "WARNING").upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
        return cls(
            host=environ.get("HOST", "127.0.0.1"),
            port=int(port_text),
            api_key=api_key or secrets.token_urlsafe(32),
            key_from_shell=api_key is not None,
            region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            log_level=log_level,
        )


def main() -> int:
    stop = _stop_on_signals()
    try:
        settings = Settings.from_environment(os.environ)
        specs = read_functions(TEMPLATE)
        with ExitStack() as cleanup:
            server, aws_endpoint = _start(settings, specs, cleanup)
            _print_banner(settings, server.port, specs, aws_endpoint)
            while not stop:
                time.sleep(STOP_POLL_SECONDS)
    except functions.HandlerImportError as error:
        cause = error.__cause__
        if isinstance(cause, ValueError):
            # A config the function refused (a policy or tools file, a variable): its message names the place.
            print(f"local API: {error.function} did not start: {cause}", file=sys.stderr)
        else:
            traceback.print_exception(cause or error)
            print(f"local API: {error}", file=sys.stderr)
        return 1
    except (ConfigError, TemplateError, UnresolvedVariableError, OSError) as error:
        print(f"local API: {error}", file=sys.stderr)
        return 1
    print("stopped", flush=True)
    return 0


def _stop_on_signals() -> list[int]:
    """Ctrl-C and SIGTERM only record the signal (a list, truthy once set): the main loop then stops everything in
    order. Raising from a handler could interrupt start-up or cleanup half-way."""
    received: list[int] = []

    def record(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    signal.signal(signal.SIGINT, record)
    signal.signal(signal.SIGTERM, record)
    return received


def _start(settings: Settings, specs: list[FunctionSpec], cleanup: ExitStack) -> tuple[LocalApiServer, str]:
    """Local AWS, then the functions, then the HTTP server; `cleanup` stops them in reverse order.

    Returns the server and local AWS's endpoint."""
    endpoint = cleanup.enter_context(local_secrets_manager())
    runtime = lambda_runtime(
        region=settings.region, aws_endpoint=endpoint, log_level=settings.log_level, shell=os.environ
    )
    # The local values the template's intrinsics stand for; add one here when the template gains another. Review
    # samples (REVIEW_SAMPLE_PERCENT) go to a folder instead of the stack's bucket.
    local = {
        **runtime,
        "API_KEY_SECRET_ID": create_secret(runtime, settings.api_key),
        "REVIEW_DIR": str(review_dir(os.environ)),
    }
    shell = dict(os.environ)
    routes: dict[str, Invoke] = {}
    for spec in specs:
        function = functions.load(spec, function_environment(spec, local=local, shell=shell))
        routes.update((route.key, function.invoke) for route in spec.routes)
    try:
        server = LocalApiServer((settings.host, settings.port), routes)
    except OSError as error:
        raise OSError(f"cannot listen on {settings.host}:{settings.port}: {error.strerror}") from None
    cleanup.callback(server.server_close)
    threading.Thread(target=server.serve_forever, name="local-api", daemon=True).start()
    cleanup.callback(server.shutdown)
    return server, endpoint


def review_dir(environ: Mapping[str, str]) -> Path:
    """Where `make run` writes review samples: REVIEW_DIR, else .review in the current directory."""
    return Path(environ.get("REVIEW_DIR", "").strip() or DEFAULT_REVIEW_DIR).resolve()


def _review_line(environ: Mapping[str, str]) -> str:
    percent = environ.get("REVIEW_SAMPLE_PERCENT", "").strip()
    if percent in ("", "0"):
        return f"Review samples: off (REVIEW_SAMPLE_PERCENT=100 make run writes them to {DEFAULT_REVIEW_DIR}/)"
    folder = review_dir(environ)
    return f"Review samples: {percent}% of flagged decisions to {folder} (make review DIR={folder})"


def _config_source(spec: FunctionSpec) -> str:
    """Which config the function loaded: the variable the shell set (see dify_extension.config_source), or none."""
    chosen = [
        f"{name}={value}"
        for name in spec.environment
        if name.endswith(CONFIG_SOURCE_SUFFIXES) and (value := os.environ.get(name, "").strip())
    ]
    return ", ".join(chosen) or "bundled"


def _print_banner(settings: Settings, port: int, specs: list[FunctionSpec], aws_endpoint: str) -> None:
    all_interfaces = settings.host in ALL_INTERFACES
    base = f"http://{'127.0.0.1' if all_interfaces else settings.host}:{port}"
    lines = ["Dify extension API, running locally from template.yaml:"]
    lines += [f"  {route.method} {base}{route.path}  ({spec.logical_id})" for spec in specs for route in spec.routes]
    if all_interfaces:
        lines.append(
            f"Listening on all interfaces: Dify in Docker reaches these at http://host.docker.internal:{port}/..."
            " (a self-hosted Dify's SSRF proxy must allow that host)"
        )
    lines += [f"  {spec.logical_id} config: {_config_source(spec)}" for spec in specs]
    lines.append(f"API key: {'from LOCAL_API_KEY' if settings.key_from_shell else settings.api_key}")
    lines.append(
        f"Local AWS (moto) the functions use: {aws_endpoint}"
        " (AWS_ENDPOINT_URL_<SERVICE>=... in your shell points one service elsewhere)"
    )
    lines.append(_review_line(os.environ))
    lines.append(f"Function logs: {settings.log_level} and above (LOG_LEVEL=DEBUG|INFO|WARNING|ERROR to change)")
    lines.append("Ctrl-C to stop")
    print("\n".join(lines), flush=True)
