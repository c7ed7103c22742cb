"""The `http` kind: one or more GET/POST requests to a JSON API whose scheme, host and port are fixed in config.

Request values reach a request only as encoded data: a path segment (percent-encoded, "/" included), a query
parameter (form-encoded) or a JSON string in a body. Placeholders are refused at load anywhere before the path, and
the final URL's scheme and host are checked again before sending. Redirects are not followed (an error): a redirect
could lead anywhere. Header values are fixed text or a Secrets Manager secret, never request values.

Time: each attempt has a deadline (the attempt's timeout or the budget left, the lesser) that every socket read
respects, the status line and headers included, so an upstream that sends a byte now and then cannot stretch it
(dify_extension.timed_http); the whole attempt (DNS, connect, TLS) is also cut at that deadline by
RetryingTool.with_retries. A 429 or 5xx is retried, after the upstream's Retry-After when it gives one that fits.

Whatever an upstream sends ends as the tool's failure (502/504 or the fallback), never as a crash: a body over
max_response_bytes, not JSON, or nested deeper than JSON_MAX_DEPTH; a '.' or '..' it gives a later step's path.
"""

import http.client
import json
import time
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, Self
from urllib.parse import quote, urlencode, urlsplit

import jmespath  # type: ignore[import-untyped]
from jmespath.exceptions import JMESPathError  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from dify_extension import strict_json
from dify_extension.errors import InvalidRequestError
from dify_extension.protocol import ExternalDataToolParams
from dify_extension.secrets_manager import SecretsManagerClient, SecretsManagerError
from dify_extension.timed_http import ResponseTooLarge, connection, read_body
from external_data_tool.base import (
    NO_REQUEST_VALUES,
    RetryingTool,
    Scope,
    ToolFailure,
    compile_at,
    config_error,
    within,
)
from external_data_tool.templates import NAME, REQUEST_ROOTS, TAG, Template, is_empty

if TYPE_CHECKING:
    from jmespath.parser import ParsedResult  # type: ignore[import-untyped]

USER_AGENT = "dify-extension-aws (external data tool)"
FORBIDDEN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
JSON_MAX_DEPTH = 200
"""How deeply an upstream's JSON may nest (pydantic_core's parser refuses deeper; templates and JMESPath walk it)."""


class SecretHeader(BaseModel):
    """A header value read from Secrets Manager (AWSCURRENT), kept in memory for `cache_ttl_seconds`."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    secret: str = Field(min_length=1)
    """The secret's ARN (or name)."""
    key: str | None = None
    """For a JSON secret: the key whose value to use; without it, the whole SecretString."""
    format: str = "{value}"
    """The header value, with {value} replaced by the secret's, e.g. "Bearer {value}"."""
    cache_ttl_seconds: float = Field(default=300.0, ge=0, le=86_400)

    _cached: tuple[float, str] | None = PrivateAttr(default=None)

    @field_validator("format")
    @classmethod
    def _one_value(cls, text: str) -> str:
        if text.count("{value}") != 1:
            raise ValueError("must contain {value} exactly once")
        if "\r" in text or "\n" in text:
            raise ValueError("must not contain line breaks")
        return text

    def cached(self) -> str | None:
        """The header, if it was read less than `cache_ttl_seconds` ago."""
        if self._cached is not None and self._cached[0] > time.monotonic():
            return self._cached[1]
        return None

    def value(self) -> str:
        """The header, read from Secrets Manager unless cached."""
        now = time.monotonic()
        if (header := self.cached()) is not None:
            return header
        try:
            secret = SecretsManagerClient.from_environment().get_secret_string(self.secret, "AWSCURRENT")
        except SecretsManagerError as error:
            raise ToolFailure(f"upstream credentials unavailable ({error.code})") from None
        if self.key is not None:
            try:
                value = json.loads(secret)[self.key]
            except (ValueError, TypeError, KeyError):
                value = None
            if not isinstance(value, str):
                raise ToolFailure(f"upstream credentials unavailable (no text key '{self.key}' in the secret)")
            secret = value
        if "\r" in secret or "\n" in secret:
            raise ToolFailure("upstream credentials unusable (line break in the secret)")
        header = self.format.replace("{value}", secret)
        self._cached = (now + self.cache_ttl_seconds, header)
        return header


class HttpStep(BaseModel):
    """One request. Its picked value is {{steps.NAME...}} for later steps; the last step's is {{result...}}."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str | None = Field(default=None, pattern=rf"^{NAME}$")
    method: Literal["GET", "POST"] = "GET"
    url: str
    """scheme://host[:port]/path; placeholders only in the path, each value one encoded path segment part."""
    query: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    """POST only: JSON; a string that is exactly one placeholder keeps the value's type (number, list...)."""
    headers: dict[str, str | SecretHeader] = Field(default_factory=dict)
    pick: str | None = None
    """A JMESPath expression choosing the value to keep from the JSON response; default: all of it."""

    @field_validator("headers")
    @classmethod
    def _safe_headers(cls, headers: dict[str, str | SecretHeader]) -> dict[str, str | SecretHeader]:
        for name, value in headers.items():
            if name.lower() in FORBIDDEN_HEADERS or not name.isascii() or not name.replace("-", "").isalnum():
                raise ValueError(f"header {name!r} cannot be set")
            if isinstance(value, str) and ("\r" in value or "\n" in value):
                raise ValueError(f"header {name!r}: line breaks are not allowed")
        return headers

    @model_validator(mode="after")
    def _post_has_body(self) -> Self:
        if self.method == "GET" and self.body is not None:
            raise ValueError("a GET request has no body; use method POST")
        return self

    @model_validator(mode="after")
    def _no_placeholders_in_headers(self) -> Self:
        for name, value in self.headers.items():
            if isinstance(value, str):
                _refuse_placeholders(("headers", name), value)
            else:
                for field in ("secret", "key", "format"):
                    _refuse_placeholders(("headers", name, field), getattr(value, field))
        return self


def _refuse_placeholders(loc: tuple[str | int, ...], text: str | None) -> None:
    # Sent as is, "{{inputs.key}}" would look like it works; and headers never take request values.
    if text is not None and TAG.search(text):
        raise config_error(loc, "placeholders are not allowed in headers: they never take request values")


class _CompiledStep:
    """A step ready to send: the URL split at load, every template compiled, the pick parsed."""

    def __init__(self, step: HttpStep, index: int, earlier: list[str]) -> None:
        loc: tuple[str | int, ...] = ("steps", index)
        roots = REQUEST_ROOTS | {f"steps.{name}" for name in earlier}
        self.step = step
        self.name = step.name
        url = urlsplit(step.url)
        origin = f"{url.scheme}://{url.netloc}"
        if url.scheme not in ("http", "https") or not url.hostname:
            raise config_error((*loc, "url"), "must be an absolute http:// or https:// URL")
        if not step.url.startswith(origin) or "{" in origin or "}" in origin or "@" in url.netloc:
            raise config_error((*loc, "url"), "placeholders and user info are not allowed in the scheme or host")
        if url.query or url.fragment or "?" in step.url or "#" in step.url:
            raise config_error((*loc, "url"), "no ? or # in the URL; put query parameters in `query`")
        self.scheme = url.scheme
        self.netloc = url.netloc
        self.path = compile_at((*loc, "url"), step.url[len(origin) :] or "/", roots=roots, blocks=False)
        self.query = {
            key: compile_at((*loc, "query", key), value, roots=roots, blocks=False) for key, value in step.query.items()
        }
        self.body = _compile_body(step.body, (*loc, "body"), roots)
        self.pick: ParsedResult | None = None
        if step.pick is not None:
            try:
                self.pick = jmespath.compile(step.pick)
            except JMESPathError as error:
                raise config_error((*loc, "pick"), f"not a JMESPath expression: {error}") from None

    def templates(self) -> list[Template]:
        return [self.path, *self.query.values(), *_body_templates(self.body)]

    def url(self, scope: Scope) -> str:
        path = self.path.render(scope, encode=_path_value)
        if _has_dot_segment(path):
            # The user's mistake (400) if the request's values make it; else an earlier step's data (the upstream's).
            if _has_dot_segment(self.path.render({**scope, **NO_REQUEST_VALUES}, encode=_path_value)):
                raise ToolFailure("an earlier step gave '.' or '..' for a URL path")
            raise InvalidRequestError("a value may not be '.' or '..' in a URL path")
        query = urlencode({key: template.render(scope) for key, template in self.query.items()})
        url = f"{self.scheme}://{self.netloc}{path}" + (f"?{query}" if query else "")
        # Belt and braces: the encoding above leaves no way to leave the host, and this proves it for every call.
        final = urlsplit(url)
        if (final.scheme, final.netloc) != (self.scheme, self.netloc):
            raise InvalidRequestError("a value would change the upstream's address")
        return url


def _path_value(text: str) -> str:
    return quote(text, safe="")


def _has_dot_segment(path: str) -> bool:
    return any(segment in (".", "..") for segment in path.split("/"))


def _compile_body(body: Any, loc: tuple[str | int, ...], roots: frozenset[str]) -> Any:
    if isinstance(body, str):
        return compile_at(loc, body, roots=roots, blocks=False)
    if isinstance(body, list):
        return [_compile_body(item, (*loc, index), roots) for index, item in enumerate(body)]
    if isinstance(body, dict):
        return {key: _compile_body(value, (*loc, key), roots) for key, value in body.items()}
    return body


def _body_templates(body: Any) -> list[Template]:
    if isinstance(body, Template):
        return [body]
    if isinstance(body, list):
        return [template for item in body for template in _body_templates(item)]
    if isinstance(body, dict):
        return [template for value in body.values() for template in _body_templates(value)]
    return []


def _render_body(body: Any, scope: Scope) -> Any:
    if isinstance(body, Template):
        # Only a fetched value ({{steps.NAME...}}) keeps its type: a request value is always a JSON string, so a
        # user's {"$gt": ""} cannot become an object (an operator in a NoSQL query), nor text a number.
        return body.value(scope) if body.is_single_value and not body.request_fields else body.render(scope)
    if isinstance(body, list):
        return [_render_body(item, scope) for item in body]
    if isinstance(body, dict):
        return {key: _render_body(value, scope) for key, value in body.items()}
    return body


class HttpTool(RetryingTool):
    """`steps` run in order; a step whose picked value is empty ends the chain with an empty {{result}}."""

    kind: Literal["http"]
    steps: list[HttpStep] = Field(min_length=1, max_length=5)
    max_response_bytes: int = Field(default=1_000_000, ge=1, le=10_000_000)

    _steps: list[_CompiledStep] = PrivateAttr()
    _lookup_fields: frozenset[str] = PrivateAttr()

    @model_validator(mode="after")
    def _compile_steps(self) -> Self:
        names: list[str] = []
        self._steps = []
        for index, step in enumerate(self.steps):
            if step.name is not None and step.name in names:
                raise config_error(("steps", index, "name"), f"another step is already named {step.name!r}")
            self._steps.append(_CompiledStep(step, index, names))
            if step.name is not None:
                names.append(step.name)
        templates = [template for step in self._steps for template in step.templates()]
        self._lookup_fields = frozenset(field for template in templates for field in template.request_fields)
        return self

    def extra_result_roots(self) -> frozenset[str]:
        return frozenset(f"steps.{step.name}" for step in self.steps if step.name is not None)

    def lookup_fields(self) -> frozenset[str]:
        return self._lookup_fields

    def fetch(self, scope: Scope, params: ExternalDataToolParams) -> Scope:
        deadline = self.deadline()
        steps: dict[str, Any] = {}
        picked: Any = None
        for step in self._steps:
            document = self._request(step, {**scope, "steps": steps}, deadline)
            try:
                picked = document if step.pick is None else step.pick.search(document)
            except JMESPathError:
                raise ToolFailure("could not pick a value from the upstream's response") from None
            if step.name is not None:
                steps[step.name] = picked
            if is_empty(picked):
                return {"result": None, "steps": steps}
        return {"result": picked, "steps": steps}

    def _request(self, step: _CompiledStep, scope: Scope, deadline: float) -> Any:
        url = step.url(scope)
        body = None if step.step.body is None else json.dumps(_render_body(step.body, scope)).encode()
        headers = self._headers(step.step, deadline)
        send = partial(self._send, step=step, url=url, body=body, headers=headers)
        return self.with_retries(lambda timeout: send(timeout=timeout), deadline)

    @staticmethod
    def _headers(step: HttpStep, deadline: float) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if step.method == "POST":
            headers["Content-Type"] = "application/json"
        for name, value in step.headers.items():
            if isinstance(value, str):
                headers[name] = value
            elif (cached := value.cached()) is not None:
                headers[name] = cached
            else:  # Secrets Manager's time counts within the budget
                timed_out = "upstream credentials unavailable (timed out)"
                headers[name] = within(deadline - time.monotonic(), value.value, timed_out)
        return headers

    def _send(
        self,
        *,
        step: _CompiledStep,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: float,
    ) -> Any:
        """One attempt, given `timeout` seconds in all (the budget left included)."""
        target = url[len(step.scheme) + 3 + len(step.netloc) :]
        opened: http.client.HTTPConnection | None = None
        try:
            opened = connection(step.scheme == "https", step.netloc, time.monotonic() + timeout)
            opened.request(step.step.method, target, body=body, headers=headers)
            response = opened.getresponse()
            status = response.status
            if 300 <= status < 400:
                raise ToolFailure(f"upstream redirected ({status}); redirects are not followed")
            if status >= 400:
                retryable = status >= 500 or status == 429
                retry_after = _retry_after(response.getheader("Retry-After")) if retryable else None
                raise ToolFailure(f"upstream status {status}", retryable=retryable, retry_after=retry_after)
            content = read_body(response, self.max_response_bytes)
        except ResponseTooLarge:
            raise ToolFailure(f"upstream response over {self.max_response_bytes} bytes") from None
        except TimeoutError:
            raise ToolFailure("upstream timed out", retryable=True, timed_out=True) from None
        except (OSError, http.client.HTTPException) as error:
            raise ToolFailure(f"upstream unreachable ({type(error).__name__})", retryable=True) from None
        finally:
            if opened is not None:
                opened.close()
        try:
            return strict_json.loads(content)  # NaN, Infinity and 1e400 too are not JSON
        except strict_json.NestedTooDeeply:
            raise ToolFailure("upstream response nested too deeply") from None
        except ValueError:
            raise ToolFailure("upstream response is not JSON") from None


def _retry_after(value: str | None) -> float | None:
    """The seconds a Retry-After header asks to wait (a number of seconds or an HTTP date); None if unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime  # noqa: PLC0415 - only for an upstream that sends a date

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP dates are in GMT
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
