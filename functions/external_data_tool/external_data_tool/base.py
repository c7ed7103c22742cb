"""What every tool kind shares: result templates, the result cap, fallback on failure, the TTL cache, retries within a
time budget. Plain Python; each kind (http_tool, dynamodb_tool, ...) adds only its fetch."""

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Self, TypeVar

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from dify_extension.deadline import DeadlineExceeded, run_within, time_left
from dify_extension.errors import InvalidRequestError, UpstreamError
from dify_extension.protocol import ExternalDataToolParams
from external_data_tool.templates import REQUEST_ROOTS, Template, TemplateError, compile_template, is_empty, to_text

T = TypeVar("T")
Scope = dict[str, Any]
Clock = Callable[[], float]

logger = Logger(child=True)

MAX_BUDGET_SECONDS = 25.0
"""API Gateway gives up after 30 s and the function after 29 s; init and the key read need the rest."""
BACKOFF_FIRST_SECONDS = 0.2
MIN_ATTEMPT_SECONDS = 0.05
RESULT_ROOTS = REQUEST_ROOTS | {"result"}


class ToolFailure(Exception):
    """An upstream failed. `cause` is shown to the user: short, no URL, no secret, no user value. `retry_after`: the
    seconds the upstream asked to wait before trying again (its Retry-After)."""

    def __init__(
        self, cause: str, *, retryable: bool = False, timed_out: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(cause)
        self.cause = cause
        self.retryable = retryable
        self.timed_out = timed_out
        self.retry_after = retry_after


def config_error(loc: tuple[str | int, ...], message: str) -> ValidationError:
    """A load error at `loc` inside the model being validated (pydantic prefixes the model's own place)."""
    return ValidationError.from_exception_data(
        "tool", [{"type": PydanticCustomError("tool_config", message), "loc": loc, "input": None}]
    )


def compile_at(loc: tuple[str | int, ...], source: str, **options: Any) -> Template:
    try:
        return compile_template(source, **options)
    except TemplateError as error:
        raise config_error(loc, str(error)) from None


def within(seconds: float, function: Callable[[], T], cause: str) -> T:
    """`function()`, or ToolFailure(cause, timed out) once `seconds` have passed (see dify_extension.deadline)."""
    try:
        return run_within(seconds, function)
    except DeadlineExceeded:
        raise ToolFailure(cause, retryable=True, timed_out=True) from None


def request_scope(params: ExternalDataToolParams) -> Scope:
    return {"query": params.query, "app_id": params.app_id, "inputs": params.inputs}


NO_REQUEST_VALUES: Scope = {root: {} if root == "inputs" else "" for root in REQUEST_ROOTS}
"""Every request value empty: laid over a scope, what is left comes from fetched data alone."""

TOOL_FAILED = "tool failed"
"""The warning a tool logs when its upstream fails (docs/operations.md, Observability)."""


class TtlCache:
    """Answers by request, each for `ttl` seconds; the least recently used goes first beyond `max_entries`."""

    def __init__(self, ttl: float, max_entries: int, clock: Clock = time.monotonic) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, value: str) -> None:
        self._entries[key] = (self._clock() + self._ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)


class BaseTool(BaseModel):
    """Fields every kind has. Subclasses implement `answer_text`."""

    # Built on first use only: a cold start builds only the kinds its tools.json uses.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    max_result_chars: int = Field(default=4000, ge=1, le=100_000)
    """The answer is cut to this many characters (Unicode code points): the prompt's budget."""

    _name: str = PrivateAttr(default="")

    def bind(self, name: str) -> None:
        """Give the tool its tool_variable, for messages and logs."""
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def answer(self, params: ExternalDataToolParams) -> str:
        return self.answer_text(params)[: self.max_result_chars]

    def answer_text(self, params: ExternalDataToolParams) -> str:
        raise NotImplementedError


class FetchingTool(BaseTool):
    """A tool that fetches data (from an API, a table, a knowledge base, user code) and renders it."""

    template: str = "{{result}}"
    labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Tables for {{PATH | table}}: a value's text -> label (e.g. WMO weather codes -> descriptions)."""
    fallback: str | None = None
    """Answered (200) when the upstream fails, instead of a 502/504. Request placeholders only."""
    required_inputs: tuple[str, ...] = ()
    """Inputs that must be present and non-blank; without one, nothing is fetched and {{result}} is empty."""
    max_input_chars: int = Field(default=256, ge=1, le=10_000)
    """Longest request value a lookup accepts, as text (JSON for a number, list or object); longer is a 400."""
    budget_seconds: float = Field(default=10.0, gt=0, le=MAX_BUDGET_SECONDS)
    """Longest time for the whole lookup (http: all steps, attempts and backoff); then 504 or the fallback."""
    cache_ttl_seconds: float | None = Field(default=None, gt=0, le=86_400)
    cache_max_entries: int = Field(default=256, ge=1, le=10_000)

    _template: Template = PrivateAttr()
    _fallback: Template | None = PrivateAttr(default=None)
    _cache: TtlCache | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _compile_templates(self) -> Self:
        roots = RESULT_ROOTS | self.extra_result_roots()
        self._template = compile_at(("template",), self.template, roots=roots, tables=self.labels)
        if self.fallback is not None:
            self._fallback = compile_at(("fallback",), self.fallback, roots=REQUEST_ROOTS, tables=self.labels)
        if self.cache_ttl_seconds is not None:
            self._cache = TtlCache(self.cache_ttl_seconds, self.cache_max_entries)
        return self

    def extra_result_roots(self) -> frozenset[str]:
        """Roots besides the request's and `result` that the result template may use (http: steps.NAME)."""
        return frozenset()

    def lookup_fields(self) -> frozenset[str]:
        """The request values ("query", "inputs.NAME"...) that flow into the lookup: length-checked."""
        return frozenset()

    def checked_fields(self, scope: Scope) -> frozenset[str]:
        """The request values whose length is checked before a lookup (python: all it is given)."""
        return self.lookup_fields()

    def deadline(self) -> float:
        """The budget from now, or the request's own deadline if that comes first."""
        return time.monotonic() + time_left(self.budget_seconds)

    def cache_key(self, scope: Scope) -> str:
        """What the answer depends on: the request values any of the tool's templates read."""
        fields = sorted(self.lookup_fields() | self._template.request_fields)
        return json.dumps([_field(scope, field) for field in fields], ensure_ascii=False, default=str)

    def fetch(self, scope: Scope, params: ExternalDataToolParams) -> Scope:
        """The fetched values for the result template: {"result": ...} and maybe more (http: "steps")."""
        raise NotImplementedError

    def answer_text(self, params: ExternalDataToolParams) -> str:
        scope = request_scope(params)
        self._check_lengths(scope)
        if any(is_empty(params.inputs.get(name)) for name in self.required_inputs):
            return self._template.render({**scope, "result": None})
        key = self.cache_key(scope) if self._cache is not None else ""
        if self._cache is not None and (cached := self._cache.get(key)) is not None:
            return cached
        try:
            fetched = self.fetch(scope, params)
        except ToolFailure as failure:
            return self._failed(failure, scope)
        except InvalidRequestError as error:
            raise InvalidRequestError(f"tool {self.name}: {error}") from None
        text = self._template.render({**scope, **fetched})[: self.max_result_chars]
        if self._cache is not None:
            self._cache.put(key, text)
        return text

    def _check_lengths(self, scope: Scope) -> None:
        for field in sorted(self.checked_fields(scope)):
            # Any JSON type may come in: its text is what a request carries (a path segment, a query value...).
            if len(to_text(_field(scope, field))) > self.max_input_chars:
                raise InvalidRequestError(f"tool {self.name}: {field} is over {self.max_input_chars} characters")

    def _failed(self, failure: ToolFailure, scope: Scope) -> str:
        logger.warning(
            TOOL_FAILED,
            extra={
                "tool": self.name,
                "cause": failure.cause,
                "timed_out": failure.timed_out,
                "fallback": self._fallback is not None,
            },
        )
        if self._fallback is not None:
            return self._fallback.render(scope)
        raise UpstreamError(504 if failure.timed_out else 502, f"tool {self.name}: {failure.cause}")


class RetryingTool(FetchingTool):
    """A fetch over the network: each attempt bounded, retried with backoff, all within one time budget."""

    timeout_seconds: float = Field(default=5.0, gt=0, le=MAX_BUDGET_SECONDS)
    """Longest time for one attempt, from connecting to the response's last byte."""
    retries: int = Field(default=2, ge=0, le=5)
    """Extra attempts after a timeout, a connection error, a 5xx or a 429 (never after another 4xx)."""

    @model_validator(mode="after")
    def _budget_holds_an_attempt(self) -> Self:
        if self.timeout_seconds > self.budget_seconds:
            raise config_error(("budget_seconds",), f"must be at least timeout_seconds ({self.timeout_seconds})")
        return self

    def with_retries(
        self, attempt: Callable[[float], T], deadline: float, *, whole_timeout: bool = False, service: str = "upstream"
    ) -> T:
        """`attempt(timeout)` until it succeeds, fails for good or the budget is spent. Each attempt is cut after
        `timeout` (the attempt's timeout or the budget left, the lesser) whatever it waits on. `whole_timeout`: the
        attempt cannot be shortened (an AWS client's timeouts are fixed), so one starts only if a full timeout
        remains. `service` names the upstream in the timeout's cause. The pause before a retry doubles from
        BACKOFF_FIRST_SECONDS, or is the upstream's Retry-After if longer; a pause that would leave no time for the
        attempt ends the retries (the last failure stands)."""
        timed_out = f"{service} timed out"
        last = ToolFailure(timed_out, timed_out=True)
        retry_needs = self.timeout_seconds if whole_timeout else MIN_ATTEMPT_SECONDS
        delay = BACKOFF_FIRST_SECONDS
        for number in range(self.retries + 1):
            remaining = deadline - time.monotonic()
            if remaining < (retry_needs if number else MIN_ATTEMPT_SECONDS):
                break  # the budget is spent (by earlier attempts, or an http tool's earlier steps)
            timeout = min(self.timeout_seconds, remaining)
            try:
                return within(timeout, partial(attempt, timeout), timed_out)
            except ToolFailure as failure:
                if not failure.retryable or number == self.retries:
                    raise
                last = failure
            pause = max(delay, last.retry_after or 0.0)
            if deadline - time.monotonic() - pause < retry_needs:
                break
            time.sleep(pause)
            delay *= 2
        raise last


def _field(scope: Mapping[str, Any], field: str) -> Any:
    root, _, name = field.partition(".")
    return scope["inputs"].get(name) if root == "inputs" else scope.get(root)
