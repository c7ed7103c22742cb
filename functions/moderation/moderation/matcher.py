"""A policy compiled for matching: per stage, every keyword of every rule in one Aho-Corasick automaton, the regular
expressions and the PII types. Built once per policy (moderator.py compiles each policy it is given);
`StageMatcher.find` costs time linear in the text's length."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ahocorasick_rs import AhoCorasick

from moderation import decoders
from moderation.evasions import (
    Reading,
    coarse,
    folds_stand_ins_and_kinds,
    split_by_folding,
    surface_forms,
    whole_word,
)
from moderation.normalize import RIGHT_TO_LEFT_OVERRIDE, View, fold, folded_view, plain_view
from moderation.outcome import Stage
from moderation.pii import PiiFinder, PiiType
from moderation.policy import ModerationPolicy, Rule, StagePolicy
from moderation.user_regex import compile_regex

if TYPE_CHECKING:
    from moderation.user_regex import UserRegex


class Found:
    """One match, as a tool may print it: rule number `rule` (its place in the stage's list) matched the original
    text's `[start, end)`; `pii_type` is the built-in type a PII rule found (else None); `evasions` names the evasion
    forms a keyword match needed (listed in docs/evasions.md, e.g. ("confusable", "separated"); empty for a plain
    match, a regex or PII)."""

    __slots__ = ("end", "evasions", "pii_type", "rule", "start")

    def __init__(
        self, rule: int, start: int, end: int, pii_type: PiiType | None = None, evasions: tuple[str, ...] = ()
    ) -> None:
        self.rule = rule
        self.start = start
        self.end = end
        self.pii_type = pii_type
        self.evasions = evasions

    def __repr__(self) -> str:
        return f"Found(rule={self.rule}, span=({self.start}, {self.end}), pii_type={self.pii_type}, {self.evasions})"


class _Target:
    """One folded keyword: the rules that list it (with their whole_word), as the policy spells it, and the forms a
    match of this spelling means (the German spelling of an umlaut)."""

    __slots__ = ("forms", "keyword", "rules")

    def __init__(self, keyword: str, forms: tuple[str, ...]) -> None:
        self.keyword = keyword
        self.forms = forms
        self.rules: list[tuple[int, bool]] = []


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _spellings(keyword: str) -> list[tuple[str, tuple[str, ...]]]:
    """The folded keyword, and for a German umlaut its spelling with e (`Mörder`: `morder` and `moerder`); text is
    never rewritten that way, so `blue` stays `blue`."""
    spellings: list[tuple[str, tuple[str, ...]]] = [(fold(keyword), ())]
    if not keyword.isascii():
        import unicodedata  # noqa: PLC0415 - only for keywords that are not ASCII

        composed = unicodedata.normalize("NFC", keyword)
        german = composed.translate(_UMLAUTS)
        if german != composed:
            spellings.append((fold(german), ("umlaut",)))
    return spellings


class StageMatcher:
    def __init__(self, rules: Sequence[Rule]) -> None:
        targets: dict[str, _Target] = {}
        self._regexes: list[tuple[int, UserRegex]] = []
        self._pii: list[tuple[int, PiiFinder]] = []
        for index, rule in enumerate(rules):
            for keyword in rule.keywords or ():
                for folded, forms in _spellings(keyword):
                    targets.setdefault(folded, _Target(keyword, forms)).rules.append((index, rule.whole_word))
            if rule.regex is not None:
                self._regexes.append((index, compile_regex(rule.regex)))
            if rule.pii:
                self._pii.append((index, PiiFinder(tuple(rule.pii))))
        self._folded = list(targets)
        self._targets = list(targets.values())
        # Overlapping matches: a whole-word rule must see every candidate, not only the leftmost-longest one.
        self._automaton = AhoCorasick(self._folded) if targets else None
        by_coarse: dict[str, list[int]] = {}
        for number, folded in enumerate(self._folded):
            for spelling in dict.fromkeys((folded, folded.replace(" ", ""))):
                stand_in = coarse(spelling)
                if len(stand_in) >= 2:  # one character would make every letter a candidate
                    by_coarse.setdefault(stand_in, []).append(number)
        self._candidate_targets = list(by_coarse.values())
        self._candidates = AhoCorasick(list(by_coarse)) if by_coarse else None

    def find(self, text: str, *, depth: int = 0, patterns: bool = True) -> list[Found]:
        """Every match of every rule in `text`, keyword matches with the evasion forms they needed. `depth`: how many
        decodings deep `text` is (see _find_decoded); `patterns`: regular expressions and PII types read it."""
        found: dict[tuple[int, int, int], Found] = {}
        if self._automaton is not None:
            # The evasion checks' stand-ins come out of the folding's last pass, if there are evasion checks.
            reading = None if self._candidates is None else folds_stand_ins_and_kinds
            self._find_keywords(
                self._automaton, _Matches(text, found, self._targets, folded_view(text, reading=reading))
            )
            if RIGHT_TO_LEFT_OVERRIDE in text:
                # People see an override's text in display order, a model reads it as typed: check both.
                logical = folded_view(text, display_order=False, reading=reading)
                self._find_keywords(self._automaton, _Matches(text, found, self._targets, logical))
        if patterns and (self._regexes or self._pii):
            view = plain_view(text)
            for rule, regex in self._regexes:
                for match in regex.finditer(view.text):
                    if match.end() > match.start():
                        start, end = view.original_span(*match.span())
                        found.setdefault((rule, start, end), Found(rule, start, end))
            for rule, finder in self._pii:
                for pii_type, start, end in finder.find(view.text):
                    original = view.original_span(start, end)
                    found.setdefault((rule, *original), Found(rule, *original, pii_type))
        if depth < decoders.MAX_DEPTH:
            self._find_decoded(text, found, depth, patterns)
        return list(found.values())

    def _find_decoded(self, text: str, found: dict[tuple[int, int, int], Found], depth: int, patterns: bool) -> None:
        """The rules read the segments of `text` decoders decode (moderation.decoders), in batches: a hit spans its
        segment (or, for ciphers, its own letters) and names the decoding among its evasions."""
        for batch in decoders.batches(text, nested=depth > 0):
            for inner in self.find(batch.text, depth=depth + 1, patterns=patterns and batch.patterns):
                placed = batch.place(text, inner.start, inner.end)
                if placed is not None:
                    (start, end), name = placed
                    evasions = tuple(sorted({name, *inner.evasions}))
                    found.setdefault((inner.rule, start, end), Found(inner.rule, start, end, inner.pii_type, evasions))

    def _find_keywords(self, automaton: AhoCorasick, matches: _Matches) -> None:
        folded = matches.view.text
        for number, start, end in automaton.find_matches_as_indexes(folded, overlapping=True):
            matches.add(number, start, end)
        if self._candidates is None:
            return
        reading = Reading(folded, matches.view.read, split_by_folding(matches.text, matches.view))
        if reading.candidates == folded:
            return  # nothing joined, stood in or repeated: the plain automaton saw it all
        for pattern, start, end in self._candidates.find_matches_as_indexes(reading.candidates, overlapping=True):
            for number in self._candidate_targets[pattern]:
                for whole in {whole for _, whole in self._targets[number].rules}:
                    checked = reading.check(start, end, self._folded[number], whole)
                    if checked is not None:
                        matches.add(number, checked[0], checked[1], checked[2], whole)


class _Matches:
    """The keyword matches of one text, by rule and original span, each with its evasion forms."""

    __slots__ = ("_override_ends", "found", "targets", "text", "view")

    def __init__(self, text: str, found: dict[tuple[int, int, int], Found], targets: list[_Target], view: View) -> None:
        self.text = text
        self.view = view
        self.found = found
        self.targets = targets
        # The reversed spans are in order and apart: a match finds the one it may overlap by bisection.
        self._override_ends = [last for _, last in view.reversed_spans]

    def add(
        self, number: int, start: int, end: int, forms: tuple[str, ...] = (), whole_words: bool | None = None
    ) -> None:
        """Records target `number`'s match `view.text[start:end]` for its rules: those with `whole_words` if given
        (the evasion checks applied it), else each rule whose whole_word the match meets."""
        target, view = self.targets[number], self.view
        original_start, original_end = view.original_span(start, end)
        evasions: tuple[str, ...] | None = None
        for rule, whole in target.rules:
            if whole_words is not None and whole != whole_words:
                continue
            if whole_words is None and whole and not whole_word(view.text, start, end):
                continue
            key = (rule, original_start, original_end)
            if key in self.found:
                continue
            if evasions is None:
                evasions = self._forms(original_start, original_end, target, forms)
            self.found[key] = Found(rule, original_start, original_end, evasions=evasions)

    def _forms(self, start: int, end: int, target: _Target, forms: tuple[str, ...]) -> tuple[str, ...]:
        original = self.text[start:end]
        surface = [] if original.isascii() else surface_forms(original, target.keyword)
        after = bisect_right(self._override_ends, start)  # the first reversed span ending after `start`
        if after < len(self._override_ends) and self.view.reversed_spans[after][0] < end:
            surface.append("bidi")
        return tuple(sorted({*forms, *target.forms, *surface}))


class CompiledStage:
    """One stage policy and its matcher."""

    __slots__ = ("matcher", "preset_response", "rules")

    def __init__(self, policy: StagePolicy) -> None:
        self.preset_response = policy.preset_response
        self.rules = policy.rules
        self.matcher = StageMatcher(policy.rules)


class CompiledPolicy:
    """A policy with every stage compiled, looked up as the policy says (an app's own stage, else the default's)."""

    __slots__ = ("_stages", "policy")

    def __init__(self, policy: ModerationPolicy) -> None:
        self.policy = policy
        stages = [policy.default, *policy.apps.values()]
        self._stages = {
            id(stage): CompiledStage(stage)
            for pair in stages
            for stage in (pair.input, pair.output)
            if stage is not None
        }

    def stage(self, app_id: str, stage: Stage) -> CompiledStage | None:
        chosen = self.policy.stage(app_id, stage)
        return None if chosen is None else self._stages[id(chosen)]
