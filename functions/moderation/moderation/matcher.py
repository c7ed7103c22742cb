"""A policy compiled for matching: per stage, every keyword of every rule in one Aho-Corasick automaton, the regular
expressions and the PII types. Built once per policy (moderator.py compiles each policy it is given);
`StageMatcher.find` costs time linear in the text's length."""

from __future__ import annotations

import gc
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from ahocorasick_rs import AhoCorasick

from moderation import decoders
from moderation.accents import (
    ACCENTED,
    CAPITALS,
    DECORATED,
    DOTLESS,
    ESZETT,
    KANA,
    LOOSE,
    MIN_ACCENTED,
    REFUSED,
    accent_decorates,
    compare,
    dotless_decorates,
    german,
    kana_run,
)
from moderation.evasions import (
    MIN_READ,
    Reading,
    SpanCheck,
    Verdicts,
    coarse,
    folds_stand_ins_and_kinds,
    mixes_scripts,
    spaceless,
    split_by_folding,
    surface_forms,
    whole_word,
    word_letter,
)
from moderation.normalize import RIGHT_TO_LEFT_OVERRIDE, View, fold, folded_view, plain_view
from moderation.outcome import Stage
from moderation.pii import PiiFinder, PiiType
from moderation.policy import ModerationPolicy, Rule, StagePolicy
from moderation.transliterate import TRANSLITERATED, Skeletons, arabic_skeletons, latin_spellings
from moderation.user_regex import compile_regex
from moderation.variants import VARIANT_FORMS, variants

if TYPE_CHECKING:
    from moderation.user_regex import UserRegex


class Found:
    """One match, as a tool may print it: rule number `rule` (its place in the stage's list) matched the original
    text's `[start, end)`; `pii_type` is the built-in type a PII rule found (else None); `evasions` names the evasion
    forms a keyword match needed (listed in docs/evasions.md, e.g. ("confusable", "separated"); empty for a plain
    match, a regex or PII); `keyword` is the rule's keyword, as the policy spells it, that matched (None for a regex
    or PII)."""

    __slots__ = ("end", "evasions", "keyword", "pii_type", "rule", "start")

    def __init__(
        self,
        rule: int,
        start: int,
        end: int,
        pii_type: PiiType | None = None,
        evasions: tuple[str, ...] = (),
        *,
        keyword: str | None = None,
    ) -> None:
        self.rule = rule
        self.start = start
        self.end = end
        self.pii_type = pii_type
        self.evasions = evasions
        self.keyword = keyword

    def __repr__(self) -> str:
        return f"Found(rule={self.rule}, span=({self.start}, {self.end}), pii_type={self.pii_type}, {self.evasions})"


class _Target:
    """One spelling of a keyword (the keyword itself, or a standard substitute such as German `moerder` for
    `mörder`): the rules that list it (with their whole_word), the keyword as the policy spells it, the forms a
    match of this spelling means, its folded text (what the automata look for), and the original characters of each
    folded letter (what accents.compare holds the text's letters to)."""

    __slots__ = ("_clusters", "_letters", "folded", "forms", "keyword", "plain", "rules", "spelling")

    def __init__(self, keyword: str, spelling: str, forms: tuple[str, ...]) -> None:
        self.keyword = keyword
        self.spelling = spelling
        self.forms = forms
        self.rules: list[tuple[int, bool, bool]] = []  # (rule, its whole_word, an allowed phrase of it)
        self.plain = spelling.isascii()
        self._clusters: tuple[str, ...] | None = None
        self._letters = -1
        if self.plain:  # folded one for one (most spellings: a keyword's variants are many, see variants.py)
            self.folded = spelling.lower()
        else:
            view = folded_view(spelling)
            self.folded = view.text
            spans = [view.original_span(at, at + 1) for at in range(len(view.text))]
            self._clusters = tuple(spelling[first:last] for first, last in spans)

    # What only a match needs is worked out on its first match: a policy has many spellings, few of them match.
    @property
    def clusters(self) -> tuple[str, ...]:
        if self._clusters is None:
            self._clusters = tuple(self.spelling)
        return self._clusters

    @property
    def german(self) -> bool:
        return _german(self.keyword)

    def _own(self) -> str:
        """The keyword's own letters, folded (not a spelling's)."""
        return self.folded if self.spelling == self.keyword else _fold(self.keyword)

    @property
    def letters(self) -> int:
        if self._letters < 0:
            self._letters = len(self._own().replace(" ", ""))
        return self._letters

    @property
    def short(self) -> bool:
        """One or two letters (not ideographs or kana, each a word or syllable): only as written, case aside, since
        any reading of them is some other language's word or a flag (`nooo` is no `no`, 🇳🇴 is Norway's flag)."""
        return self.letters < MIN_READ and not spaceless(self._own())


# Once per keyword, not once per spelling of it.
_german = lru_cache(maxsize=1024)(german)
_fold = lru_cache(maxsize=1024)(fold)


# Standard substitutes of letters a keyboard may lack: each a spelling of its own, with the form it names.
_SUBSTITUTES = (
    (str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}), ("umlaut",)),
    (str.maketrans({"å": "aa", "æ": "ae", "ø": "oe", "Å": "Aa", "Æ": "Ae", "Ø": "Oe"}), ("transcribed",)),
)
_PHRASE_JOINERS = ("", "_", "-")
"""What may join a phrase's words instead of spaces (`ignorepreviousinstructions`, `ignore_previous_instructions`)."""


def _spellings(keyword: str, transliterate: bool | None) -> list[tuple[str, tuple[str, ...]]]:
    """The keyword, and its standard spellings: German umlauts with e (`Mörder`: `moerder`), Danish and Norwegian
    `aa`, `ae`, `oe` (`hård`: `haard`), a phrase's words joined (`ignore_previous_instructions`), and for a keyword in
    Cyrillic, Greek, Devanagari or kana its Latin spellings (see transliterate.py: `transliterate` true for all, None
    for the precise ones, false for none). Text is never rewritten that way, so `blue` stays `blue`."""
    spellings: list[tuple[str, tuple[str, ...]]] = [(keyword, ())]
    if not keyword.isascii():
        import unicodedata  # noqa: PLC0415 - only for keywords that are not ASCII

        composed = unicodedata.normalize("NFC", keyword)
        for table, forms in _SUBSTITUTES:
            substituted = composed.translate(table)
            if substituted != composed:
                spellings.append((substituted, forms))
        if transliterate is not False:
            spellings += [
                (latin, TRANSLITERATED) for latin in latin_spellings(fold(keyword), every=bool(transliterate))
            ]
    words = keyword.split()
    if len(words) > 1:
        spellings += [(joiner.join(words), ("joined",)) for joiner in _PHRASE_JOINERS]
    return spellings


def _exact(spelling: str) -> str:
    """What tells two spellings apart: case folded, accents kept."""
    if spelling.isascii():
        return spelling.lower()
    import unicodedata  # noqa: PLC0415 - only for keywords that are not ASCII

    return unicodedata.normalize("NFC", unicodedata.normalize("NFKC", spelling).casefold())


class StageMatcher:
    def __init__(self, rules: Sequence[Rule]) -> None:
        targets: dict[str, _Target] = {}
        self._regexes: list[tuple[int, UserRegex]] = []
        self._pii: list[tuple[int, PiiFinder]] = []
        skeletons: dict[str, _Target] = {}
        for index, rule in enumerate(rules):
            phrases = [(keyword, False) for keyword in rule.keywords or ()]
            phrases += [(phrase, True) for phrase in rule.allow or ()]
            for phrase, allowed in phrases:
                # The keyword's variants (variants.py: `sh*t`, `ばーか`, typos if the rule asks) are spellings too.
                spellings = [
                    *_spellings(phrase, rule.transliterate),
                    *variants(phrase, rule.variants or (), rule.typos),
                ]
                for spelling, forms in spellings:
                    key = _exact(spelling)
                    if key not in targets:
                        targets[key] = _Target(phrase, spelling, forms)
                    # A Latin spelling is matched as a whole word: inside words it is often part of another word.
                    whole = rule.whole_word or forms == TRANSLITERATED
                    targets[key].rules.append((index, whole, allowed))
                if rule.transliterate is not False and not phrase.isascii():
                    for bare in arabic_skeletons(fold(phrase), every=bool(rule.transliterate)):
                        target = skeletons.setdefault(bare, _Target(phrase, bare, TRANSLITERATED))
                        target.rules.append((index, True, allowed))
            if rule.regex is not None:
                self._regexes.append((index, compile_regex(rule.regex)))
            if rule.pii:
                self._pii.append((index, PiiFinder(tuple(rule.pii))))
        self._targets = list(targets.values())
        self._folded = [target.folded for target in self._targets]
        # Overlapping matches: a whole-word rule must see every candidate, not only the leftmost-longest one.
        self._automaton = AhoCorasick(self._folded) if targets else None
        by_coarse: dict[str, list[int]] = {}
        for number, folded in enumerate(self._folded):
            if not VARIANT_FORMS.isdisjoint(self._targets[number].forms):
                continue  # a variant is read as written: readings on top of it would cost compile time, and precision
            for spelling in dict.fromkeys((folded, folded.replace(" ", ""))):
                stand_in = coarse(spelling)
                if len(stand_in) >= 2:  # one character would make every letter a candidate
                    by_coarse.setdefault(stand_in, []).append(number)
        self._candidate_targets = list(by_coarse.values())
        self._candidates = AhoCorasick(list(by_coarse)) if by_coarse else None
        self._skeleton_targets = list(skeletons.values())
        self._skeletons = Skeletons(list(skeletons)) if skeletons else None

    def find(self, text: str, *, depth: int = 0, patterns: bool = True, words: bool = True) -> list[Found]:
        """Every match of every rule in `text`, keyword matches with the evasion forms they needed. `depth`: how many
        decodings deep `text` is (see _find_decoded); `patterns`: regular expressions and PII types read it."""
        found: dict[tuple[int, int, int], Found] = {}
        if self._automaton is not None:
            allowed: dict[int, list[tuple[int, int]]] = {}
            for view in self._keyword_views(text):
                matches = _Matches(text, found, allowed, self._targets, view, words=words)
                self._find_keywords(self._automaton, matches)
            if allowed:
                _spare(found, allowed)
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

    def _keyword_views(self, text: str) -> Iterator[View]:
        """The folded views keywords are looked for in: the text as displayed, and for a right-to-left override also
        as typed (people see the first, a model reads the second)."""
        # The evasion checks' stand-ins come out of the folding's last pass, if there are evasion checks.
        reading = None if self._candidates is None else folds_stand_ins_and_kinds
        yield folded_view(text, reading=reading)
        if RIGHT_TO_LEFT_OVERRIDE in text:
            yield folded_view(text, display_order=False, reading=reading)

    def _find_decoded(self, text: str, found: dict[tuple[int, int, int], Found], depth: int, patterns: bool) -> None:
        """The rules read the segments of `text` decoders decode (moderation.decoders), in batches: a hit spans its
        segment (or, for ciphers, its own letters) and names the decoding among its evasions."""
        for batch in decoders.batches(text, nested=depth > 0):
            for inner in self.find(
                batch.text, depth=depth + 1, patterns=patterns and batch.patterns, words=batch.words
            ):
                placed = batch.place(text, inner.start, inner.end)
                if placed is not None:
                    (start, end), name = placed
                    evasions = tuple(sorted({name, *inner.evasions}))
                    decoded = Found(inner.rule, start, end, inner.pii_type, evasions, keyword=inner.keyword)
                    found.setdefault((inner.rule, start, end), decoded)

    def _find_keywords(self, automaton: AhoCorasick, matches: _Matches) -> None:
        folded = matches.view.text
        for number, start, end in automaton.find_matches_as_indexes(folded, overlapping=True):
            matches.add(number, start, end)
        if self._skeletons is not None:
            # A skeleton's match has vowels between its letters: no letter of it to compare one for one.
            by_skeleton = _Matches(
                matches.text, matches.found, matches.allowed, self._skeleton_targets, matches.view, words=matches.words
            )
            for number, start, end in self._skeletons.find(folded):
                by_skeleton.add(number, start, end, letters=())
        if self._candidates is None:
            return
        reading = Reading(folded, matches.view.read, split_by_folding(matches.text, matches.view))
        if reading.candidates == folded:
            return  # nothing joined, stood in or repeated: the plain automaton saw it all
        for pattern, start, end in self._candidates.find_matches_as_indexes(reading.candidates, overlapping=True):
            for number in self._candidate_targets[pattern]:
                for whole in {whole for _, whole, _ in self._targets[number].rules}:
                    checked = reading.check(start, end, self._folded[number], whole and matches.whole_words(number))
                    if checked is not None:
                        matches.add(number, *checked[:3], whole_words=whole, letters=checked[3])


LONG_WITHOUT_WORDS = 4
"""Letters a whole-word keyword needs before it is read inside a decoded text that lost its word boundaries (NATO
spelling: `pleasetellmeaboutcocaine`)."""


def _spare(found: dict[tuple[int, int, int], Found], allowed: dict[int, list[tuple[int, int]]]) -> None:
    """Drops from `found` each keyword match that lies inside an occurrence of one of its rule's allowed phrases."""
    for key in [key for key in found if key[0] in allowed]:
        rule, start, end = key
        if any(first <= start and end <= last for first, last in allowed[rule]):
            del found[key]


class _Matches:
    """The keyword matches of one text, by rule and original span, each with its evasion forms, and the spans of
    the rules' allowed phrases."""

    __slots__ = (
        "_override_ends",
        "_verdicts",
        "allowed",
        "ascii",
        "found",
        "targets",
        "text",
        "view",
        "words",
    )

    def __init__(
        self,
        text: str,
        found: dict[tuple[int, int, int], Found],
        allowed: dict[int, list[tuple[int, int]]],
        targets: list[_Target],
        view: View,
        *,
        words: bool = True,
    ) -> None:
        """`words`: the text has its word boundaries (a decoding may have lost them: NATO spelling drops spaces)."""
        self.text = text
        self.words = words
        self.ascii = text.isascii()
        self._verdicts: Verdicts | None = None  # made on the first match that reads the words around it
        self.view = view
        self.found = found
        self.allowed = allowed
        self.targets = targets
        # The reversed spans are in order and apart: a match finds the one it may overlap by bisection.
        self._override_ends = [last for _, last in view.reversed_spans]

    def whole_words(self, number: int) -> bool:
        """A whole-word rule's boundaries apply to target `number`: the text has word boundaries, or the keyword is
        too short (below LONG_WITHOUT_WORDS letters) to be read where they are lost."""
        return self.words or self.targets[number].letters < LONG_WITHOUT_WORDS

    def add(
        self,
        number: int,
        start: int,
        end: int,
        forms: tuple[str, ...] = (),
        *,
        whole_words: bool | None = None,
        letters: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        """Records target `number`'s match `view.text[start:end]` for its rules: those with `whole_words` if given
        (the evasion checks applied it), else each rule whose whole_word the match meets. `letters`: per letter of
        the match, its folded position and the keyword character it stands for (None: one for one from `start`)."""
        target, view = self.targets[number], self.view
        original_start, original_end = view.original_span(start, end)
        evasions: tuple[str, ...] | None = None
        for rule, whole, allowed in target.rules:
            if whole_words is not None and whole != whole_words:
                continue
            if whole_words is None and whole and self.whole_words(number) and not whole_word(view.text, start, end):
                continue
            key = (rule, original_start, original_end)
            if key in self.found and not allowed:
                continue
            if evasions is None:
                written = self._letters(target, (start, end), letters, (original_start, original_end))
                if written is None:
                    return
                evasions = self._forms(original_start, original_end, target, (*forms, *written))
                if evasions and target.short:
                    return  # a keyword of one or two letters matches only as written
            if allowed:
                self.allowed.setdefault(rule, []).append((original_start, original_end))
            else:
                self.found[key] = Found(rule, original_start, original_end, evasions=evasions, keyword=target.keyword)

    def _letters(
        self,
        target: _Target,
        span: tuple[int, int],
        letters: Sequence[tuple[int, int]] | None,
        original: tuple[int, int],
    ) -> tuple[str, ...] | None:
        """The forms the match's letters need against the keyword's (accents.compare), or None if a letter may not
        stand for the keyword's: a keyword's accent missing, a dotless i for i, an accent of the text's spelling."""
        text = self.text
        if target.plain and self.ascii:
            return ()
        start, end = span
        pairs = letters if letters is not None else [(start + at, at) for at in range(end - start)]
        verdicts: set[int] = set()
        for position, index in pairs:
            first, last = self.view.original_span(position, position + 1)
            verdict = compare(text[first:last], target.clusters[index])
            if verdict == REFUSED or (verdict == ESZETT and _sharp_s(text[first:last]) and not target.german):
                return None
            verdicts.add(verdict)
        if not self._allowed_here(target, verdicts, original):
            return None
        return tuple(_LETTER_FORMS[verdict] for verdict in verdicts if verdict in _LETTER_FORMS)

    def _allowed_here(self, target: _Target, verdicts: set[int], original: tuple[int, int]) -> bool:
        """The readings that depend on the text around the match allow it: an accent that decorates, a whole run of
        kana, a dotless i outside Turkish text, a look-alike in another case in a word that mixes scripts."""
        short = target.letters < MIN_ACCENTED  # too short for an accent or a dotless i to decorate it
        if ACCENTED in verdicts and (short or not self._word_verdict(accent_decorates, original)):
            return False
        if KANA in verdicts and not kana_run(self.text, *original):
            return False
        if DOTLESS in verdicts and (short or not dotless_decorates(self.text, *original)):
            return False
        return LOOSE not in verdicts or self._word_verdict(mixes_scripts, original)

    def _word_verdict(self, check: SpanCheck, span: tuple[int, int]) -> bool:
        """`check` of the word around `span` (the letters touching it), once per word (evasions.Verdicts)."""
        if self._verdicts is None:
            self._verdicts = Verdicts(self.text, _WORD_CHECKS)
        return self._verdicts(check, *span)

    def _forms(self, start: int, end: int, target: _Target, forms: tuple[str, ...]) -> tuple[str, ...]:
        original = self.text[start:end]
        surface = [] if original.isascii() else list(surface_forms(original, target.keyword))
        after = bisect_right(self._override_ends, start)  # the first reversed span ending after `start`
        if after < len(self._override_ends) and self.view.reversed_spans[after][0] < end:
            surface.append("bidi")
        return tuple(sorted({*forms, *target.forms, *surface}))


_WORD_CHECKS: dict[SpanCheck, Callable[[str], bool]] = {accent_decorates: word_letter, mixes_scripts: word_letter}
"""The checks of a match's letters that read its whole word (grown by the letters touching it)."""


def _sharp_s(cluster: str) -> bool:
    return "ß" in cluster or "ẞ" in cluster


_LETTER_FORMS = {  # SAME and LOOSE name nothing (a look-alike's `confusable` comes from the evasion checks)
    DECORATED: "marks",
    ACCENTED: "accents",
    ESZETT: "eszett",
    CAPITALS: "capitals",
    KANA: "kana",
    DOTLESS: "dotless_i",
}


class CompiledStage:
    """One stage policy and its matcher."""

    __slots__ = ("matcher", "preset_response", "rules")

    def __init__(self, policy: StagePolicy, matcher: StageMatcher | None = None) -> None:
        """`matcher`: one already compiled from rules equal to the policy's."""
        self.preset_response = policy.preset_response
        self.rules = policy.rules
        self.matcher = StageMatcher(policy.rules) if matcher is None else matcher


class CompiledPolicy:
    """A policy with every stage compiled, looked up as the policy says (an app's own stage, else the default's)."""

    __slots__ = ("_stages", "policy")

    def __init__(self, policy: ModerationPolicy) -> None:
        self.policy = policy
        stages = [policy.default, *policy.apps.values()]
        self._stages: dict[int, CompiledStage] = {}
        compiled: list[CompiledStage] = []  # stages with equal rules (input and output alike) share one matcher
        # Compiling makes several small objects per keyword spelling (tens of thousands for a large policy) and no
        # cycles: the cyclic collector, run by allocation counts, would only scan them again and again (make bench's
        # 10,000-keyword compile: 0.57 s with it running, 0.27 s without, one run each).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for stage in (stage for pair in stages for stage in (pair.input, pair.output) if stage is not None):
                same = next((done for done in compiled if done.rules == stage.rules), None)
                self._stages[id(stage)] = CompiledStage(stage, None if same is None else same.matcher)
                compiled.append(self._stages[id(stage)])
        finally:
            if collecting:
                gc.enable()

    def stage(self, app_id: str, stage: Stage) -> CompiledStage | None:
        chosen = self.policy.stage(app_id, stage)
        return None if chosen is None else self._stages[id(chosen)]
