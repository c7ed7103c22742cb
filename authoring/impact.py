"""`make impact POLICY=new.json TEXTS=file`: what a policy change would change, before it ships. Both policies decide
every text of a file (one per line, or the JSON lines `make review` exports) through the function's own decision
code; the report counts and shows the texts whose answer changes, and which rules now fire or no longer fire."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from itertools import chain
from pathlib import Path
from typing import IO, Any

from authoring import cli
from authoring.configs import POLICY, ROOT, load_policy
from dify_extension.config_files import ConfigFileError
from dify_extension.protocol import ModerationInputParams, ModerationOutputParams
from moderation.decision import Decision, decide_input, decide_output
from moderation.matcher import CompiledPolicy
from moderation.outcome import Action, Stage

EXAMPLES = 3
"""Example texts shown per kind of change and per rule."""
WIDTH = 70
"""Characters of a text an example shows; a longer text is cut around the place that changed."""
PROGRESS_AFTER = 2.0
"""Seconds before a run on a terminal starts saying how many texts it has read,"""
PROGRESS_EVERY = 1.0
"""and then how often at most."""

KINDS = {
    "newly_blocked": ("newly blocked", "newly blocked"),
    "newly_passed": ("newly passed (was blocked or masked)", "newly passed"),
    "newly_masked": ("newly masked (was passed or blocked)", "newly masked"),
    "different_mask": ("different masks (masked before and after)", "with a different mask"),
    "different_response": ("different block responses (blocked before and after)", "with a different response"),
}
"""The ways an answer can change, by the names JSON lines give them: the report's heading, and the summary's words."""
_NEWLY = {Action.BLOCK: "newly_blocked", Action.PASS: "newly_passed", Action.MASK: "newly_masked"}
RULES_ONLY = "rules_only"
"""The same answer, but other rules fire on the text (e.g. a monitor rule was added)."""


class TextsError(Exception):
    """The texts file cannot be read, or one of its lines is not what the file's format needs (named)."""


class Sample:
    """One text to decide: its line in the file (from 1), the stage and app it is checked for, and what it is: a
    "line" of a plain file, or a review record's whole "text" or its "excerpt"."""

    __slots__ = ("app_id", "line", "source", "stage", "text")

    def __init__(self, line: int, text: str, stage: Stage, app_id: str, source: str) -> None:
        self.line = line
        self.text = text
        self.stage = stage
        self.app_id = app_id
        self.source = source


class Texts:
    """The texts of a file, read as they are needed: one per line, or one JSON object per line (a review record, or
    any object with a "text" or "excerpt" string; its "stage" and "app_id" replace the run's). Blank lines are
    skipped and counted; examples name lines as an editor numbers them."""

    def __init__(self, stream: IO[bytes], name: str, stage: Stage, app_id: str) -> None:
        self._stream = stream
        self.name = "stdin" if name == "-" else name
        self._stage = stage
        self._app_id = app_id
        self.blank = 0
        self.repeated = 0
        """Review records that repeat a decision's whole text already read (one record per match carries it)."""
        self._json_lines_because = ""
        self._decisions: set[tuple[object, ...]] = set()

    def __iter__(self) -> Iterator[Sample]:
        lines = self._non_blank()
        first = next(lines, None)
        if first is None:
            return
        self._json_lines_because = self._why_json_lines(first[1])
        for number, line in chain([first], lines):
            if self._json_lines_because:
                sample = self._record(number, line)
                if sample is not None:
                    yield sample
            else:
                yield Sample(number, line, self._stage, self._app_id, "line")

    def _non_blank(self) -> Iterator[tuple[int, str]]:
        for number, raw in self._numbered():
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise TextsError(f"{self.name}:{number}: not UTF-8 text") from None
            if number == 1:
                line = line.removeprefix("\ufeff")  # a byte-order mark some editors write
            if line.strip():
                yield number, line
            else:
                self.blank += 1

    def _numbered(self) -> Iterator[tuple[int, bytes]]:
        try:
            yield from enumerate(self._stream, 1)
        except OSError as error:
            raise TextsError(f"{self.name}: cannot read: {error.strerror or error}") from None

    def _why_json_lines(self, first: str) -> str:
        """Why the file is read as JSON lines: it is named so, or its first text is a JSON object (as `make review`
        exports them); "" when it is not."""
        if self.name.endswith((".jsonl", ".ndjson")):
            return "named .jsonl" if self.name.endswith(".jsonl") else "named .ndjson"
        try:
            is_object = first.lstrip().startswith("{") and isinstance(json.loads(first), dict)
        except ValueError:
            is_object = False
        return "its first line is a JSON object" if is_object else ""

    @property
    def _one_object_per_line(self) -> str:
        return f"the file is read as JSON lines, one object per line ({self._json_lines_because})"

    def _record(self, number: int, line: str) -> Sample | None:
        where = f"{self.name}:{number}"
        try:
            record = json.loads(line)
        except ValueError as error:
            raise TextsError(f"{where}: not JSON ({error}); {self._one_object_per_line}") from None
        if not isinstance(record, dict):
            raise TextsError(f"{where}: not a JSON object; {self._one_object_per_line}")
        source = next((key for key in ("text", "excerpt") if isinstance(record.get(key), str)), None)
        if source is None:
            raise TextsError(f'{where}: no "text" or "excerpt" string to check')
        stage = record.get("stage", self._stage)
        if stage not in ("input", "output"):
            raise TextsError(f'{where}: "stage" must be "input" or "output", not {json.dumps(stage)}')
        app_id = record.get("app_id", self._app_id)
        if not isinstance(app_id, str):
            raise TextsError(f'{where}: "app_id" must be a string, not {json.dumps(app_id)}')
        if source == "text":
            decision = (record.get("time"), app_id, stage, record.get("key"), record["text"])
            if decision in self._decisions:
                self.repeated += 1
                return None
            self._decisions.add(decision)
        return Sample(number, record[source], stage, app_id, source)


class Verdict:
    """One policy's decision on one text, as the report compares it: the action, what Dify would get (the masked
    text, or the preset response of a block), and the deciding and the monitor rules that fired (hit ids)."""

    __slots__ = ("action", "decision", "monitored", "result", "rules")

    def __init__(self, decision: Decision, text: str) -> None:
        self.decision = decision
        self.action = decision.action
        key = "query" if decision.stage == "input" else "text"
        self.result = decision.preset_response if self.action is Action.BLOCK else decision.texts.get(key, text)
        self.rules = frozenset(hit.rule_id for hit in decision.hits)
        self.monitored = frozenset(hit.rule_id for hit in decision.monitored)

    def deciders(self) -> str:
        """The rules that made the decision (block rules for a block), for a person."""
        return ", ".join(sorted(hit.rule_id for hit in self.decision.hits if hit.action is self.action))

    def first_match(self, rule_id: str, monitored: bool) -> int:
        """Where the first match of rule `rule_id` starts (0 if it has no place: a limit, a detector)."""
        found = (m.start for m in self.decision.matches if m.rule_id == rule_id and m.monitored == monitored)
        return next(found, 0)


def verdict(policy: CompiledPolicy, sample: Sample) -> Verdict:
    """As the function decides: an input text is the query (no inputs); no AWS-managed detector runs."""
    if sample.stage == "input":
        decision, _ = decide_input(policy, ModerationInputParams(app_id=sample.app_id, inputs={}, query=sample.text))
    else:
        decision, _ = decide_output(policy, ModerationOutputParams(app_id=sample.app_id, text=sample.text))
    return Verdict(decision, sample.text)


def change_of(base: Verdict, new: Verdict) -> str | None:
    """How the answer changes (a KINDS key), RULES_ONLY when only the rules that fire do, None when nothing does."""
    if base.action is not new.action:
        return _NEWLY[new.action]
    if base.result != new.result:
        return "different_mask" if new.action is Action.MASK else "different_response"
    if base.rules != new.rules or base.monitored != new.monitored:
        return RULES_ONLY
    return None


def quote(text: str, at: int = 0) -> str:
    """`text` as JSON, cut to WIDTH characters around `at` when longer (… marks a cut)."""
    if len(text) <= WIDTH:
        return json.dumps(text, ensure_ascii=False)
    start = max(0, min(at - WIDTH // 4, len(text) - WIDTH))
    end = start + WIDTH
    return f"{'…' * (start > 0)}{json.dumps(text[start:end], ensure_ascii=False)}{'…' * (end < len(text))}"


class Report:
    """What changed over all texts: counts and a few examples per kind of change and per rule (by stage and id)."""

    def __init__(self, stage: Stage, app_id: str) -> None:
        self._stage = stage
        self._app_id = app_id
        self.texts = 0
        self.sources: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self._examples: dict[str, list[str]] = {kind: [] for kind in KINDS}
        self.rules: dict[tuple[str, str], Counter[tuple[bool, bool]]] = {}
        """(stage, rule id) -> how many texts it (monitored?, now fires?) on."""
        self._rule_examples: dict[tuple[str, str], list[str]] = {}

    @property
    def changed(self) -> int:
        """Texts whose answer changes."""
        return sum(count for kind, count in self.kinds.items() if kind in KINDS)

    def add(self, sample: Sample, base: Verdict, new: Verdict, kind: str | None) -> None:
        self.texts += 1
        self.sources[sample.source] += 1
        if kind is None:
            return
        self.kinds[kind] += 1
        where = self._where(sample)
        if kind in KINDS and len(self._examples[kind]) < EXAMPLES:
            self._examples[kind].append(f"{where}: {_example(kind, sample.text, base, new)}")
        moves: dict[str, list[tuple[bool, bool]]] = {}
        for monitored, before, after in ((False, base.rules, new.rules), (True, base.monitored, new.monitored)):
            for now, fired, other in ((True, after, before), (False, before, after)):
                for rule_id in fired - other:
                    moves.setdefault(rule_id, []).append((monitored, now))
        for rule_id, changes in moves.items():
            monitored, now = changes[0]
            at = (new if now else base).first_match(rule_id, monitored)
            self._rule_changed(sample, rule_id, changes, f"{where}: {quote(sample.text, at)}")

    def _rule_changed(self, sample: Sample, rule_id: str, changes: list[tuple[bool, bool]], shown: str) -> None:
        """Counts how rule `rule_id` fires differently on `sample`, each change (monitored?, now fires?), and keeps
        the first few as examples (`shown`: where the text is, and the part of it where the rule matches)."""
        key = (sample.stage, rule_id)
        self.rules.setdefault(key, Counter()).update(changes)
        examples = self._rule_examples.setdefault(key, [])
        if len(examples) < EXAMPLES:
            what = [
                ("now fires" if now else "no longer fires") + ", monitored" * monitored for monitored, now in changes
            ]
            examples.append(f"{shown} ({'; '.join(what)})")

    def _where(self, sample: Sample) -> str:
        """The text's line, and its stage and app when they are not the run's."""
        where = f"line {sample.line}"
        if sample.stage != self._stage:
            where += f" {sample.stage}"
        if sample.app_id != self._app_id:
            where += f" app {sample.app_id}" if sample.app_id else " no app"
        return where

    def lines(self) -> list[str]:
        """The report: each kind of change with examples, then each rule that fires differently, with examples."""
        lines = []
        for kind, (heading, _) in KINDS.items():
            if self.kinds[kind]:
                lines += ["", f"{heading}: {self.kinds[kind]:,}", *(f"  {line}" for line in self._examples[kind])]
                lines += [f"  … {self.kinds[kind] - EXAMPLES:,} more"] * (self.kinds[kind] > EXAMPLES)
        if self.rules:
            lines += ["", "rules: on how many texts each now fires (+) or no longer fires (-)"]
        for stage, rule_id in sorted(self.rules, key=lambda key: (-sum(self.rules[key].values()), key)):
            counts = self.rules[stage, rule_id]
            parts = []
            for label, monitored in (("deciding", False), ("monitored", True)):
                moves = [
                    f"{sign}{counts[monitored, now]:,}"
                    for sign, now in (("+", True), ("-", False))
                    if counts[monitored, now]
                ]
                parts += [f"{label} {' '.join(moves)}"] * bool(moves)
            lines.append(f"  {rule_id} ({stage}): {', '.join(parts)}")
            lines += [f"    {line}" for line in self._rule_examples[stage, rule_id]]
        return lines

    def summary(self, blank: int, repeated: int = 0) -> str:
        counted = _count(self.texts, "text")
        details = [_count(self.sources["excerpt"], "review excerpt")] * (self.sources["excerpt"] > 0)
        details += [f"{_count(blank, 'blank line')} skipped"] * (blank > 0)
        details += [f"{_count(repeated, 'repeated review text')} read once"] * (repeated > 0)
        if details:
            counted += f" ({', '.join(details)})"
        kinds = [f"{self.kinds[kind]:,} {KINDS[kind][1]}" for kind in KINDS if self.kinds[kind]]
        changes = f"{_count(self.changed, 'answer changes', 'answers change')}: {', '.join(kinds)}"
        if not kinds:
            changes = "no answer changes"
        if self.kinds[RULES_ONLY]:
            changes += f"; on {self.kinds[RULES_ONLY]:,} more, only the rules that fire change"
        return f"{counted}: {changes}"


def _example(kind: str, text: str, base: Verdict, new: Verdict) -> str:
    """One changed text, cut around where it changed, and what it got before and now."""
    at = _changed_at(base, new)
    if kind == "newly_passed":
        return f"{quote(text, at)} (was {base.action} by {base.deciders()})"
    if kind == "newly_blocked":
        return f"{quote(text, at)} (was {base.action}; block by {new.deciders()})"
    if kind == "newly_masked":
        masked = quote(new.result, _first_difference(text, new.result))
        return f"{quote(text, at)} -> {masked} (was {base.action}; mask by {new.deciders()})"
    if kind == "different_mask":
        at = _first_difference(base.result, new.result)
        return f"{quote(new.result, at)} (was {quote(base.result, at)})"
    return f"{quote(text, at)} answered {quote(new.result)} (was {quote(base.result)})"


def _changed_at(base: Verdict, new: Verdict) -> int:
    """Where the first match of a deciding rule that now fires, or no longer fires, starts (0 if none has a place)."""
    places = [
        match.start
        for one, other in ((new, base), (base, new))
        for match in one.decision.matches
        if not match.monitored and match.rule_id not in other.rules
    ]
    return min(places, default=0)


def _first_difference(one: str, other: str) -> int:
    return next((index for index, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), len(one))


def _count(number: int, noun: str, plural: str = "") -> str:
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def row(sample: Sample, base: Verdict, new: Verdict, kind: str) -> dict[str, Any]:
    """One changed text as a JSON line (flat, for a spreadsheet or a diff)."""
    return {
        "line": sample.line,
        "stage": sample.stage,
        "app_id": sample.app_id,
        "source": sample.source,
        "change": kind,
        "text": sample.text,
        "base_action": base.action.value,
        "new_action": new.action.value,
        "base_result": base.result,
        "new_result": new.result,
        "base_rules": sorted(base.rules),
        "new_rules": sorted(new.rules),
        "base_monitored": sorted(base.monitored),
        "new_monitored": sorted(new.monitored),
    }


class _Progress:
    """On a terminal, once a run has taken PROGRESS_AFTER seconds: how many texts so far (every 256 texts, at most
    every PROGRESS_EVERY seconds)."""

    def __init__(self) -> None:
        self._on = sys.stderr.isatty()
        self._next = time.monotonic() + PROGRESS_AFTER
        self._shown = False

    def tick(self, count: int) -> None:
        if self._on and count % 256 == 0 and time.monotonic() >= self._next:
            sys.stderr.write(f"\r{count:,} texts…")
            sys.stderr.flush()
            self._next = time.monotonic() + PROGRESS_EVERY
            self._shown = True

    def done(self) -> None:
        if self._shown:
            sys.stderr.write("\r\033[K")


def _base(path: Path | None) -> tuple[Path | None, str]:
    """BASE, else the policy `make run` serves: MODERATION_POLICY_FILE, else the bundled one; and how to name it."""
    if path is not None:
        return path, str(path)
    served = os.environ.get("MODERATION_POLICY_FILE")
    if served:
        return Path(served), f"{served} (MODERATION_POLICY_FILE, the policy make run serves)"
    return None, f"the bundled policy ({POLICY.bundled.relative_to(ROOT)})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.parser(
        "impact",
        "make impact POLICY=new.json TEXTS=file [BASE=current.json] [STAGE=input|output] [APP_ID=id] "
        "[FORMAT=text|jsonl] [FAIL_ON_CHANGE=1]",
        "What a policy change would change, before it ships: both policies decide every text of TEXTS, as the "
        "moderation function decides (no AWS-managed detector runs), and the report shows the texts whose answer "
        "changes (newly blocked, newly passed, newly masked, different masks, a different block response) and the "
        "rules that now fire or no longer fire, deciding or monitored, with a few examples each. TEXTS holds one "
        "text per line (blank lines skipped; - reads stdin), or the JSON lines `make review` exports (each record's "
        '"text", else its "excerpt", checked at its own "stage" for its "app_id"). BASE defaults to the policy '
        "`make run` serves: MODERATION_POLICY_FILE, else the bundled policy.",
        "Examples:\n"
        "  make impact POLICY=my-policy.json TEXTS=chats.txt\n"
        "  make impact POLICY=new.json BASE=current.json TEXTS=review.jsonl FORMAT=jsonl > changes.jsonl\n\n"
        "Exit 1 also with FAIL_ON_CHANGE=1 when an answer changes.",
    )
    parser.add_argument("--policy", type=Path, required=True, metavar="path", help="the new policy")
    parser.add_argument("--texts", required=True, metavar="file", help="the texts: one per line, or JSON lines")
    parser.add_argument("--base", type=Path, metavar="path", help="the policy to compare with (default: see above)")
    parser.add_argument("--stage", choices=("input", "output"), default="input", help="default: input")
    parser.add_argument("--app-id", default="", help="the Dify app id, to use its own stages (default: none)")
    parser.add_argument("--format", choices=("text", "jsonl"), default="text", help="jsonl: every changed text")
    parser.add_argument("--fail-on-change", action="store_true", help="exit 1 when an answer changes")
    arguments = parser.parse_args(argv)
    base_path, base_name = _base(arguments.base)
    try:
        base = CompiledPolicy(load_policy(base_path))
        new = CompiledPolicy(load_policy(arguments.policy))
    except ConfigFileError as error:
        return cli.fail(str(error))
    jsonl = arguments.format == "jsonl"
    report = Report(arguments.stage, arguments.app_id)
    with ExitStack() as stack:
        try:
            texts = Texts(_open(arguments.texts, stack), arguments.texts, arguments.stage, arguments.app_id)
            _run(base, new, texts, report, jsonl=jsonl)
        except TextsError as error:
            return cli.fail(str(error))
        except BrokenPipeError:  # e.g. `| head`: the reader has what it wants
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so exiting flushes nowhere, quietly
            return cli.OK
    summary = report.summary(texts.blank, texts.repeated)
    if jsonl:
        print(summary, file=sys.stderr)
    else:
        print(f"base: {base_name}\nnew: {arguments.policy}\ntexts: {texts.name}")
        print("\n".join([*report.lines(), "", *_excerpts_note(report.sources["excerpt"]), summary]))
    return cli.FAILED if arguments.fail_on_change and report.changed else cli.OK


def _open(name: str, stack: ExitStack) -> IO[bytes]:
    """The file `name`, or stdin for "-"."""
    if name == "-":
        return sys.stdin.buffer
    try:
        return stack.enter_context(Path(name).open("rb"))
    except OSError as error:
        raise TextsError(f"{name}: cannot read: {error.strerror}") from None


def _excerpts_note(excerpts: int) -> list[str]:
    if not excerpts:
        return []
    return [
        f"note: {_count(excerpts, 'text is a review excerpt', 'texts are review excerpts')} (a match with a little "
        "context, personal data masked):",
        "  what a change does far from the match, or to personal data, shows only on whole texts",
    ]


def _run(base: CompiledPolicy, new: CompiledPolicy, texts: Texts, report: Report, *, jsonl: bool) -> None:
    progress = _Progress()
    # Per app and stage: whether both policies have the same stage and limits there, so decide alike (no detector
    # runs). A change to one app's stages, or to one stage, then costs one decision per text of the others, not two.
    alike: dict[tuple[str, Stage], bool] = {}
    for sample in texts:
        where = (sample.app_id, sample.stage)
        if where not in alike:
            alike[where] = base.policy.limits == new.policy.limits and base.policy.stage(*where) == new.policy.stage(
                *where
            )
        before = verdict(base, sample)
        after = before if alike[where] else verdict(new, sample)
        kind = change_of(before, after)
        report.add(sample, before, after, kind)
        if jsonl and kind is not None:
            print(json.dumps(row(sample, before, after, kind), ensure_ascii=False))
        progress.tick(report.texts)
    progress.done()


if __name__ == "__main__":
    sys.exit(main())
