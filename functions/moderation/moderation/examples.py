"""A policy's examples, run through the function's own decision code: does each text get what its example expects?
Plain Python, no AWS (the AWS-managed detectors are not run: examples prove the policy's rules).

`make check` and `make publish` refuse a policy whose examples fail, and so does a function loading one from a file,
SSM or S3 (a reload keeps the last good policy). An example's `rule` must take part in the decision; with `expect`
pass, it must be a monitor rule that fired: that proves a rule being tried out would fire, changing nothing.
"""

from __future__ import annotations

import json

from dify_extension.protocol import ModerationInputParams, ModerationOutputParams
from moderation.decision import Decision, decide_input, decide_output
from moderation.matcher import CompiledPolicy
from moderation.outcome import Stage
from moderation.policy import Example, ModerationPolicy

NO_APP = ""
"""The app id an example without one is run as: no app has it, so the default policy applies."""


def decide_text(policy: CompiledPolicy, text: str, stage: Stage, app_id: str = NO_APP) -> tuple[Decision, str]:
    """What the function decides for `text`, sent as the query (input) or the answer (output) of `app_id`, and the
    text as it leaves (masked when the decision is mask). No detectors."""
    if stage == "input":
        decision, answer = decide_input(policy, ModerationInputParams(app_id=app_id, inputs={}, query=text))
        return decision, answer.query
    decision, output = decide_output(policy, ModerationOutputParams(app_id=app_id, text=text))
    return decision, output.text


class ExampleResult:
    """What one example got: the decision's action, the rules that decided (`rule_ids`, a PII rule's as `id/type`),
    the monitor rules that fired (`monitored`), the text as it left, and what differs from what the example expects
    (`problems`: empty when it passed). `problems` hold no text, so they may be logged."""

    __slots__ = ("action", "example", "index", "monitored", "problems", "rule_ids", "text")

    def __init__(self, index: int, example: Example, decision: Decision, text: str) -> None:
        self.index = index
        self.example = example
        self.action = decision.action.value
        self.rule_ids = tuple(hit.rule_id for hit in decision.hits)
        self.monitored = tuple(hit.rule_id for hit in decision.monitored)
        self.text = text
        self.problems = tuple(_problems(self))

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def place(self) -> str:
        """Where the example is in the policy file, as load errors name places."""
        return f"examples.{self.index}"

    def expected(self) -> str:
        """What the example expects, e.g. `block by prompt-injection`."""
        expect, rule = self.example.expect, self.example.rule
        if rule is None:
            return expect
        return f"pass with monitor rule {rule} firing" if expect == "pass" else f"{expect} by {rule}"

    def got(self) -> str:
        """What it got, without the text, e.g. `block by prompt-injection` or `pass (monitor rules fired: new)`."""
        fired = f" by {', '.join(self.rule_ids)}" if self.rule_ids else ""
        if self.monitored:
            return f"{self.action}{fired} (monitor rules fired: {', '.join(self.monitored)})"
        return f"{self.action}{fired}" if fired else f"{self.action} (no rule fired)"


def fires(rule: str, hit_ids: tuple[str, ...]) -> bool:
    """Whether `rule` (a rule id, or a PII rule's `id/type`) is among `hit_ids`: a PII rule's id matches any of its
    types' hits (`pii` matches `pii/email`)."""
    return any(hit_id == rule or hit_id.partition("/")[0] == rule for hit_id in hit_ids)


def _problems(result: ExampleResult) -> list[str]:
    example = result.example
    problems = []
    if result.action != example.expect:
        problems.append("action")
    # A monitor rule changes nothing: it proves itself in a pass, and a deciding rule in a block or mask.
    considered = result.monitored if example.expect == "pass" else result.rule_ids
    if example.rule is not None and not fires(example.rule, considered):
        problems.append("rule")
    if example.result is not None and result.text != example.result:
        problems.append("result")
    return problems


def run_example(policy: CompiledPolicy, index: int, example: Example) -> ExampleResult:
    decision, text = decide_text(policy, example.text, example.stage, example.app_id or NO_APP)
    return ExampleResult(index, example, decision, text)


def run_examples(policy: CompiledPolicy) -> list[ExampleResult]:
    """Every example of the policy, in order."""
    return [run_example(policy, index, example) for index, example in enumerate(policy.policy.examples)]


class ExamplesFailed(ValueError):
    """A policy whose examples do not all pass. The message names each failing one by its place, with what it
    expected and got, never its text (it may be logged); `results` hold every example's result."""

    def __init__(self, results: list[ExampleResult]) -> None:
        self.results = results
        self.failed = [result for result in results if not result.passed]
        super().__init__("; ".join(f"{it.place}: expected {it.expected()}, got {_safely(it)}" for it in self.failed))


def _safely(result: ExampleResult) -> str:
    differs = ", a different text" if "result" in result.problems else ""
    return result.got() + differs


def prove(policy: CompiledPolicy) -> list[ExampleResult]:
    """Every example's result; ExamplesFailed when one fails."""
    results = run_examples(policy)
    if not all(result.passed for result in results):
        raise ExamplesFailed(results)
    return results


def abbreviated(text: str, limit: int = 40) -> str:
    """`text` as a JSON string, cut to about `limit` characters: how reports show an example's text."""
    return json.dumps(text if len(text) <= limit else text[: limit - 1].rstrip() + "…", ensure_ascii=False)


def report(result: ExampleResult) -> str:
    """One failing example for its author: its place, text, stage and app, what it expected and what it got,
    with the text as it left when that matters."""
    example = result.example
    where = example.stage + (f", app {example.app_id}" if example.app_id is not None else "")
    line = f"{result.place} {abbreviated(example.text)} ({where}): expected {result.expected()}"
    if example.result is not None:
        line += f" giving {json.dumps(example.result, ensure_ascii=False)}"
    line += f"; got {result.got()}"
    if result.action == "mask":
        # In full when it should have been `result`: the difference may be anywhere.
        full = example.result is not None
        line += f" giving {json.dumps(result.text, ensure_ascii=False) if full else abbreviated(result.text, 80)}"
    return line


class ProvenPolicies:
    """What the function gives its ConfigSource as `check` and its Moderator as `compiler`: a new policy is compiled
    and its examples run before it is used (ExamplesFailed refuses it), and the Moderator takes that compiled policy
    when it comes into force instead of compiling it again."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: CompiledPolicy | None = None

    def check(self, policy: ModerationPolicy) -> None:
        compiled = CompiledPolicy(policy)
        prove(compiled)
        self._last = compiled

    def compile(self, policy: ModerationPolicy) -> CompiledPolicy:
        last = self._last
        return last if last is not None and last.policy is policy else CompiledPolicy(policy)
