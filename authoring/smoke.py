"""`make smoke URL=... KEY=...` or `make smoke STACK=name`: call both endpoints exactly as Dify's client does (its
body, headers and timeouts; see docs/authoring-tools.md) and say, one line per call, whether Dify would accept the
answer and how long it took against Dify's timeout.

The calls: the ping Dify sends when an extension is saved (both endpoints), an input moderation the policy in force
blocks and one it passes, an output moderation, and one query per tool of the tools file. Standard library HTTP only.
"""

from __future__ import annotations

import gzip
import http.client
import json
import ssl
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from authoring import cli
from authoring.aws_setup import AwsSetupError, session_for
from authoring.configs import load_policy, load_tools
from authoring.deployed import deployment, served_tools
from dify_extension.config_files import ConfigFileError
from dify_extension.protocol import (
    ExternalDataToolAnswer,
    ModerationAction,
    ModerationInputAnswer,
    ModerationOutputAnswer,
    Point,
)
from dify_extension.routes import EXTERNAL_DATA_TOOL_PATH, MODERATION_PATH
from external_data_tool.tools import ToolRegistry
from moderation.examples import abbreviated
from moderation.policy import ModerationPolicy

# Dify's client (dify-protocol.md): httpx (Dify 1.13 pins httpx ~=0.28), 5 s to connect, 60 s to read, no redirects
# followed, TLS verified; only these two headers are its own, the rest are httpx's defaults.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
USER_AGENT = "python-httpx/0.28.1"
SHOWN_CHARS = 100
"""Dify shows the first 100 characters of a failed call's body."""
MAX_ENDPOINT_CHARS = 255
MIN_KEY_CHARS = 5
"""What Dify's Add API Extension dialog accepts."""

HARMLESS_TEXT = "What will the weather be like in London tomorrow?"
"""Text the bundled policy passes in both stages (a test holds it to that)."""
SAMPLE_INPUTS: dict[str, Any] = {"location": "London"}
"""The app inputs sent with every tool query, as Dify sends one app's inputs to all its tools: the bundled
weather_retrieve's input, as in `make query`'s example."""


@dataclass(frozen=True)
class Reply:
    """What came back from one call: a status and body, or why there was none (`failure`, Dify's words)."""

    status: int
    body: str
    seconds: float
    failure: str = ""


def _decoded(body: bytes, encoding: str) -> str:
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "deflate":
        body = zlib.decompress(body)
    return body.decode("utf-8", errors="replace")


def call(url: str, key: str, point: Point, params: dict[str, Any]) -> Reply:
    """POST `{"point", "params"}` to `url` as Dify's client does."""
    parts = urlsplit(url)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=CONNECT_TIMEOUT, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=CONNECT_TIMEOUT)
    # httpx's JSON body since 0.28: compact, UTF-8.
    body = json.dumps({"point": point.value, "params": params}, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Accept": "*/*",
        "Accept-Encoding": "gzip, deflate",
        "Connection": "keep-alive",
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
        "Authorization": f"Bearer {key}",
    }
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.perf_counter()
    try:
        try:
            connection.connect()
        except TimeoutError:
            return Reply(
                0, "", time.perf_counter() - started, f"request timeout (no connection in {CONNECT_TIMEOUT:g} s)"
            )
        connection.sock.settimeout(READ_TIMEOUT)
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        text = _decoded(response.read(), response.headers.get("Content-Encoding", ""))
        return Reply(response.status, text, time.perf_counter() - started)
    except TimeoutError:
        return Reply(0, "", time.perf_counter() - started, f"request timeout (no answer in {READ_TIMEOUT:g} s)")
    except ssl.SSLError as error:
        return Reply(0, "", time.perf_counter() - started, f"request connection error (TLS: {error})")
    except (OSError, http.client.HTTPException, zlib.error) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error) or type(error).__name__
        return Reply(0, "", time.perf_counter() - started, f"request connection error ({reason})")
    finally:
        connection.close()


M = TypeVar("M", bound=BaseModel)
Verdict = tuple[bool, str]
"""(passed, what to say about the answer)."""


def _answer(model: type[M], body: str) -> M | str:
    """The answer as Dify reads it, or why Dify refuses it."""
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        return f"Dify refuses the answer: {where}: {problem['msg']}: {body[:SHOWN_CHARS]}"


def expect_pong(body: str) -> Verdict:
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and answer.get("result") == "pong":
        return True, "pong"
    return False, f"Dify refuses the save: connection error: {body[:SHOWN_CHARS]}"


def expect_moderation(
    model: type[ModerationInputAnswer] | type[ModerationOutputAnswer], *, blocked: bool
) -> Callable[[str], Verdict]:
    """A valid answer that blocks (`blocked`), or that does not flag the text."""

    def verdict(body: str) -> Verdict:
        answer = _answer(model, body)
        if isinstance(answer, str):
            return False, answer
        if not blocked:
            if answer.flagged:
                return False, f"flagged ({answer.action.value}), expected to pass: {body[:SHOWN_CHARS]}"
            return True, "not flagged"
        if not answer.flagged or answer.action is not ModerationAction.DIRECT_OUTPUT:
            return False, f"not blocked ({answer.action.value}), expected a block: {body[:SHOWN_CHARS]}"
        return True, f"blocked: {abbreviated(answer.preset_response)}"

    return verdict


def expect_result(missing: Sequence[str]) -> Callable[[str], Verdict]:
    def verdict(body: str) -> Verdict:
        answer = _answer(ExternalDataToolAnswer, body)
        if isinstance(answer, str):
            return False, answer
        note = f" (no {', '.join(missing)} in the inputs: answered without a lookup)" if missing else ""
        return True, abbreviated(answer.result) + note

    return verdict


@dataclass(frozen=True)
class Check:
    label: str
    url: str
    point: Point
    params: dict[str, Any]
    verdict: Callable[[str], Verdict]


def default_block_text(policy: ModerationPolicy | None = None) -> str:
    """A text `policy` (default: the bundled one) blocks on input: the first keyword of its first blocking keyword
    rule (a monitor rule blocks nothing)."""
    stage = (policy or load_policy(None)).default.input
    for rule in stage.rules if stage is not None else ():
        if rule.action == "block" and not rule.monitor and rule.keywords:
            return str(rule.keywords[0])
    raise ConfigFileError("the bundled policy blocks no keyword on input: give the text to block")


def checks(
    endpoints: dict[str, str],
    *,
    block_text: str,
    pass_text: str,
    registry: ToolRegistry,
    inputs: dict[str, Any],
    app_id: str,
) -> list[Check]:
    moderation, tools = endpoints[MODERATION_PATH], endpoints[EXTERNAL_DATA_TOOL_PATH]
    found = [
        Check(f"ping {MODERATION_PATH}", moderation, Point.PING, {}, expect_pong),
        Check(f"ping {EXTERNAL_DATA_TOOL_PATH}", tools, Point.PING, {}, expect_pong),
        Check(
            f"input blocked {abbreviated(block_text, 30)}",
            moderation,
            Point.MODERATION_INPUT,
            {"app_id": app_id, "inputs": {}, "query": block_text},
            expect_moderation(ModerationInputAnswer, blocked=True),
        ),
        Check(
            f"input passes {abbreviated(pass_text, 30)}",
            moderation,
            Point.MODERATION_INPUT,
            {"app_id": app_id, "inputs": {}, "query": pass_text},
            expect_moderation(ModerationInputAnswer, blocked=False),
        ),
        Check(
            f"output passes {abbreviated(pass_text, 30)}",
            moderation,
            Point.MODERATION_OUTPUT,
            {"app_id": app_id, "text": pass_text},
            expect_moderation(ModerationOutputAnswer, blocked=False),
        ),
    ]
    configured = [(app_id, registry.tools)] + [(app, own) for app, own in registry.apps.items()]
    for app, own in configured:
        for name, tool in own.items():
            missing = [needed for needed in getattr(tool, "required_inputs", ()) if inputs.get(needed) in (None, "")]
            found.append(
                Check(
                    f"tool {name}" + (f" (app {app})" if app != app_id else ""),
                    tools,
                    Point.EXTERNAL_DATA_TOOL_QUERY,
                    {"app_id": app, "tool_variable": name, "inputs": inputs, "query": pass_text},
                    expect_result(missing),
                )
            )
    return found


def run(check: Check, key: str) -> tuple[bool, str]:
    """The check's line, and whether it passed."""
    reply = call(check.url, key, check.point, check.params)
    took = f"{reply.seconds * 1000:6.0f} ms of {READ_TIMEOUT:g} s"
    if reply.failure:
        passed, detail = False, f"Dify shows: {reply.failure}"
    elif reply.status != 200:
        passed = False
        detail = f"status {reply.status}: Dify shows: request error, status_code: {reply.status}, content: "
        detail += reply.body[:SHOWN_CHARS] + _hint(reply.status)
    else:
        passed, detail = check.verdict(reply.body)
    return passed, f"{'ok' if passed else 'FAIL':<4}  {check.label:<45} {took}  {detail}"


def _hint(status: int) -> str:
    if status == 401:
        return "  <- the API key is wrong"
    if status == 404:
        return "  <- no such endpoint: check the URL"
    if 300 <= status < 400:
        return "  <- Dify does not follow redirects: give the final URL"
    return ""


class UsageError(Exception):
    pass


def endpoints_of(urls: str) -> dict[str, str]:
    """Both endpoints from one or two URLs: the API's base (the paths are appended), or an endpoint itself (the other
    one is at the same base)."""
    given: dict[str, str] = {}
    base = ""
    for url in urls.split():
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"not an http:// or https:// URL: {url}")
        stripped = url.rstrip("/")
        for path in (MODERATION_PATH, EXTERNAL_DATA_TOOL_PATH):
            if urlsplit(stripped).path.endswith(path):
                given[path] = stripped
                base = stripped.removesuffix(path)
                break
        else:
            base = stripped
    if len(urls.split()) > 2:
        raise UsageError(f"give the API's base URL, or one or both endpoints, not {len(urls.split())} URLs")
    endpoints = {path: given.get(path, base + path) for path in (MODERATION_PATH, EXTERNAL_DATA_TOOL_PATH)}
    for endpoint in endpoints.values():
        if len(endpoint) > MAX_ENDPOINT_CHARS:
            raise UsageError(f"Dify takes endpoints of at most {MAX_ENDPOINT_CHARS} characters: {endpoint}")
    return endpoints


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.parser(
        "smoke",
        "make smoke URL=url KEY=key | STACK=name [REGION=region]\n"
        "                  [BLOCK_TEXT=text] [PASS_TEXT=text] [TOOLS=path] [INPUTS='{...}'] [APP_ID=id]",
        "Call both endpoints exactly as Dify's client does (its JSON body, headers, Bearer key and timeouts: 5 s to "
        "connect, 60 s for the answer, no redirects): the ping Dify sends when an extension is saved, an input "
        "moderation the policy blocks and one it passes, an output moderation, and one query per tool of the tools "
        "file (each app's own tools with its app id). One line per call with its time; a failure shows what Dify "
        "would show. URL: the API's base (http://127.0.0.1:3000 for make run) or an endpoint; STACK: read both "
        "endpoints and the key from the deployed stack (your AWS credentials).",
        "Examples:\n"
        "  make smoke URL=http://127.0.0.1:3000 KEY=my-local-key\n"
        "  make smoke STACK=dify-extension REGION=eu-west-1\n"
        '  make smoke STACK=dify-extension TOOLS=my-tools.json INPUTS=\'{"order_id":"A-1001"}\'',
    )
    parser.add_argument("--url", metavar="url", help="the API's base URL, or one or both endpoint URLs")
    parser.add_argument("--key", metavar="key", help="the API key (with --url)")
    parser.add_argument("--stack", metavar="name", help="a deployed stack: its endpoints and key")
    parser.add_argument("--region", metavar="region", help="the stack's region (default: boto3's)")
    parser.add_argument(
        "--block-text", metavar="text", help="a query the policy blocks (default: a keyword of the bundled policy)"
    )
    parser.add_argument(
        "--pass-text", metavar="text", default=HARMLESS_TEXT, help=f"a text it passes (default {HARMLESS_TEXT!r})"
    )
    parser.add_argument(
        "--tools", metavar="path", type=Path, help="the tools file served (default: the stack's, else the bundled one)"
    )
    parser.add_argument(
        "--inputs",
        metavar="'{...}'",
        type=cli.json_object,
        default=SAMPLE_INPUTS,
        help=f"the app inputs sent to every tool (default {json.dumps(SAMPLE_INPUTS)})",
    )
    parser.add_argument("--app-id", metavar="id", default="", help="the Dify app id sent (default: none)")
    arguments = parser.parse_args(argv)
    if bool(arguments.url) == bool(arguments.stack) or bool(arguments.url) != bool(arguments.key):
        parser.error("give --url and --key, or --stack (the endpoints and key to call, or the stack that has them)")
    if arguments.key is not None and len(arguments.key) < MIN_KEY_CHARS:
        parser.error(f"--key: Dify takes API keys of at least {MIN_KEY_CHARS} characters")
    try:
        if arguments.url:
            endpoints, key, served = endpoints_of(arguments.url), arguments.key, None
        else:
            session = session_for(arguments.region)
            found = deployment(session, arguments.stack)
            endpoints = {
                MODERATION_PATH: found.moderation_endpoint,
                EXTERNAL_DATA_TOOL_PATH: found.external_data_tool_endpoint,
            }
            key = found.api_key
            served = None if arguments.tools else served_tools(session, found)
        if arguments.tools:
            served = (str(arguments.tools), load_tools(arguments.tools))
        origin, registry = served or ("the bundled tools.json", load_tools(None))
        planned = checks(
            endpoints,
            block_text=arguments.block_text or default_block_text(),
            pass_text=arguments.pass_text,
            registry=registry,
            inputs=arguments.inputs,
            app_id=arguments.app_id,
        )
    except UsageError as error:
        parser.error(str(error))
    except (AwsSetupError, ConfigFileError) as error:
        return cli.fail(f"no smoke test: {error}")
    print(
        f"Calling {endpoints[MODERATION_PATH]} and {endpoints[EXTERNAL_DATA_TOOL_PATH]} as Dify does "
        f"(it waits {CONNECT_TIMEOUT:g} s to connect, {READ_TIMEOUT:g} s for an answer); the tools of {origin}:"
    )
    failed = 0
    for number, check in enumerate(planned):
        if failed and check.point is not Point.PING and planned[number - 1].point is Point.PING:
            print(f"{len(planned) - number} more checks not run: Dify saves no extension whose ping fails")
            return cli.FAILED
        passed, line = run(check, key)
        failed += not passed
        print(line, flush=True)
    print(f"{len(planned) - failed} of {len(planned)} checks passed" + (f", {failed} failed" if failed else ""))
    return cli.FAILED if failed else cli.OK


if __name__ == "__main__":
    sys.exit(main())
