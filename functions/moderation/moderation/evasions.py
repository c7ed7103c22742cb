"""Keyword evasions read from the folded text (normalize.folded_view): letters spelled apart (`b a d`, `b.a.d`),
runs of spaces inside a phrase, leetspeak (`b4d`, `$hit`), repeated letters (`baaaad`) and look-alike letters of
other scripts (Cyrillic `а` for Latin `a`, Latin `p` for Cyrillic `р`).

How, without a Python loop over the text: a *candidate text* is made from the folded text with C-speed string
operations - runs of single letters joined, every character replaced by a coarse stand-in (a look-alike or a leet
symbol by the letter it imitates, `i` and `l` as one, white space as a space), runs of one character made one - and
one automaton of the keywords, made coarse the same way, finds the candidates. Each candidate is then checked
precisely against its keyword (`Reading.check`) on the joined text (the folded text with only the letters spelled
apart joined), and kept only if it passes the precision rules:

- letters are joined only where single letters stand apart (`b a d`); letters of ordinary words never are, so
  `this hit` is not `shit`. A leet symbol glued to the first or last of them may be punctuation (`s h i t!`), `ß`
  (folded `ss`) is one letter, and a whole word may start and end at any letter of a run (`what a s h i t`);
- a leet symbol reads as a letter only in a match with two real letters, or one and no more digits (`b4d`,
  `$h1t`, `c0c41n3`; not `1337`, `4x4`), and `@` not in an e-mail address;
- a letter repeated three or more times reads as one or two (`baaaad`, `asssss`); a doubled letter reads as one only
  in keywords of LONG_KEYWORD letters or more (`conntraband`), so `good` is not `god`; a keyword's own double letter
  is always needed (`as` is not `ass`);
- a look-alike letter of another script counts only if the matched word mixes scripts, or is written in one script
  while the text around it is in another: a whole word in the script of its text, or with no letters around it, is
  that language (Russian `сор` is not `cop`).
"""

# ruff: noqa: RUF002, RUF003 - look-alike letters are what this module is about

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache, lru_cache

from moderation.normalize import TATWEEL, View, has_ignored, one_to_one_folds, other_planes

LONG_KEYWORD = 6
"""Letters a keyword needs before a doubled letter in the text may stand for its single one."""

MIN_READ = 3
"""Letters a keyword needs before any evasion reading applies to it: the shorter ones match only as written."""

MIN_JOINED = MIN_READ
"""Letters a keyword needs before letters spelled apart may be joined into it: `il y a` is no `ya`, `a.k.a` no `ak`."""

MIN_LEET = 3
"""Letters a keyword needs before a leet symbol may stand for one of them: `4k` and `4g` are no `ak` and `ag`."""

LONG_LEET = 4
"""Letters a keyword needs before a match with one real letter may have more digits than letters (`5h17`)."""


@cache
def _number_with_unit() -> re.Pattern[str]:
    """A number of two or more digits and its unit (`80mb` is no `bomb`, `13th` no `beth`); other letters after a
    number are leetspeak's (`817ch`, `455h0le`, `45s4ult`)."""
    return re.compile(
        r"\d{2,}(?:[kmgtp]?(?:b|bit|bps|hz|w|m|g|l|s)|px|pt|em|mm|cm|km|kg|mg|ml|st|nd|rd|th|am|pm|ms|min|fps|ft|in|"
        r"mi|mph|lbs?|oz|db|x|p|d|k|h)\Z"
    )


SCRIPT_WINDOW = 200
"""Characters either side of a word that say which script the text around it is in."""

# Leetspeak: each symbol and the letters it may stand for (the first is its coarse stand-in).
LEET = {
    "0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "li", "+": "t", "€": "e", "¢": "c", "£": "l", "¥": "y",
}  # fmt: skip

# Read on the stand-ins (leet symbols already letters), after a space: two or more single letters in a row, each
# apart from the next by one to five separators (`b a d`, `b.a.d`, `b_a_d`), each with no letter or digit glued on;
# group 1 is the run after its first letter. For ASCII text (lower case once folded), plain character sets, which
# the regex engine scans fastest; for other text, see _spelled_apart.
_SPELLED_APART_ASCII = re.compile(r"[^a-z0-9][a-z0-9]([^a-z0-9]{1,5}[a-z0-9](?:[^a-z0-9]{1,5}[a-z0-9])*)(?![a-z0-9])")
_SEPARATORS_ASCII = re.compile(r"[^a-z0-9]")
_ASCII_LETTER_OR_NOT = str.maketrans(
    {chr(code): "a" if chr(code).islower() or chr(code).isdigit() else "." for code in range(128)}
)


def _spelled_apart_ascii(scanned: str) -> Iterator[re.Match[str]]:
    """_SPELLED_APART_ASCII.finditer(scanned) (ASCII), tried only where a letter or digit stands alone between two
    separators, as at the start of each of its matches: found by substring search on the text's kinds (one pass of
    str.translate), where the regex tries every separator of the text (prose has few letters alone: `a`, `I`)."""
    kinds = scanned.translate(_ASCII_LETTER_OR_NOT)
    position = kinds.find(".a.")
    while position >= 0:
        match = _SPELLED_APART_ASCII.match(scanned, position)
        if match is None:
            position = kinds.find(".a.", position + 1)
        else:
            yield match
            position = kinds.find(".a.", match.end())


_RUNS = re.compile(r"(.)(?=\1)", re.DOTALL)
"""Each character that the same one follows: deleting them all leaves one of each run."""
_TOP_BITS = bytes(range(0x80, 0x100))


def one_of_each_run(text: str) -> str:
    """`text` with each run of one character made one (`_RUNS.sub("", text)`). ASCII text, most text, by arithmetic
    on the whole text as one integer, C-speed passes instead of the regex's step per character (a third of its
    time on 20 KB of prose): each byte XOR the next is 0 where a run goes on; adding 0x7F to every byte (each below
    0x80, so no carry) sets the top bit of those that are not; the others get their top bit set in the text, and
    bytes.translate deletes them."""
    if not text.isascii():
        return _RUNS.sub("", text)
    data = text.encode("ascii")
    size = len(data)
    if size < 2:
        return text
    value = int.from_bytes(data, "big")
    following = int.from_bytes(data[1:] + bytes([data[-1] ^ 1]), "big")  # the last byte: one that differs
    top = int.from_bytes(b"\x80" * size, "big")
    repeated = (((value ^ following) + int.from_bytes(b"\x7f" * size, "big")) & top) ^ top
    return (value | repeated).to_bytes(size, "big").translate(None, _TOP_BITS).decode("ascii")


# A leet symbol or digit glued to one side of a single letter, with no letter or digit on its other side (`d!`,
# `1c`): at a run's edge it may be punctuation, so the letter still stands apart (`s h i t!`, `1c o n t r a b a n d`).
# The symbol comes first (the engine skips to one), what is before it is looked behind; only the first symbol of a
# row is tried, and the row is taken whole (possessive), so a long row of symbols costs time linear in its length.
_LEET_CLASS = "[" + "".join(re.escape(symbol) for symbol in LEET) + "]"
_EDGE_LEET = re.compile(
    f"{_LEET_CLASS}(?:(?:(?<=[\\W_][^\\W\\d_].)|(?<=^[^\\W\\d_].)){_LEET_CLASS}*+(?![^\\W_])"
    f"|(?<![^\\W_].)(?<!{_LEET_CLASS}.){_LEET_CLASS}*+(?=[^\\W\\d_](?![^\\W_])))"
)


_ASCII_KINDS = str.maketrans(
    {chr(code): "a" if chr(code).isalpha() else "1" if chr(code) in LEET else " " for code in range(128)}
)


MAX_EDGE_TRIES = 256
"""Runs of leet symbols beside a letter that _edge_leets matches one by one; beyond, the regex reads the whole text."""


def _edge_leets(folded: str) -> list[tuple[int, int]]:
    """The spans of _EDGE_LEET's matches in `folded`. Each is a whole run of leet symbols with a letter right beside
    it: in ASCII text the regex is matched only at the start of such runs, found by substring searches on the text's
    kinds (one pass of str.translate), where finditer tries every digit of the text (prose has numbers, few of them
    glued to letters)."""
    if not folded.isascii():
        return [match.span() for match in _EDGE_LEET.finditer(folded)]
    kinds = folded.translate(_ASCII_KINDS)
    starts: set[int] = set()
    for pair in ("a1", "1a"):
        position = kinds.find(pair)
        while position >= 0 and len(starts) <= MAX_EDGE_TRIES:
            start = position + 1 if pair == "a1" else position
            while pair == "1a" and start > 0 and kinds[start - 1] == "1":
                start -= 1  # the run's first symbol
            starts.add(start)
            position = kinds.find(pair, position + 1)
    if len(starts) > MAX_EDGE_TRIES:
        return [match.span() for match in _EDGE_LEET.finditer(folded)]
    matches = (_EDGE_LEET.match(folded, start) for start in sorted(starts))
    return [match.span() for match in matches if match is not None]


def _as_runs_read(scanned: str, folded: str, one_letter: Sequence[int], blank: str) -> str:
    """`scanned` (what the runs are found in: a space, then a character per character of `folded`) with a leet symbol
    glued to one side of a letter, and what case folding added to a letter (`ß` folds to `ss`, one letter:
    `one_letter`, positions in `folded`), made `blank` (a separator). The separators a run deletes are still read
    from `scanned`, so these stay in the joined text."""
    blanks = _edge_leets(folded)
    if one_letter:
        blanks = sorted([*blanks, *((position, position + 1) for position in one_letter)])
    if not blanks:
        return scanned
    pieces: list[str] = []
    done = 0
    for start, end in blanks:  # `+ 1`: the space before the text
        pieces += (scanned[done : start + 1], blank * (end - start))
        done = end + 1
    pieces.append(scanned[done:])
    return "".join(pieces)


@cache
def _marks() -> str:
    """Every mark (general category M) as a character set body: a letter's vowel signs and marks are part of it
    (Hindi `थि` is one letter), not separators."""
    import unicodedata  # noqa: PLC0415 - only for text that is not ASCII

    codes = [code for code in range(0x300, 0x10000) if unicodedata.category(chr(code)).startswith("M")]
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(chr(first) + ("-" + chr(last) if last > first else "") for first, last in ranges)


# Kana and CJK ideographs: each is a word of its own (those languages have no spaces), so one set apart from the
# next by the separators evaders use (not the commas and colons of a sentence: `好，的` is two clauses) is "spelled
# apart" even where other characters touch it on its outer side.
_IDEOGRAPHIC = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_IDEOGRAPHIC_SEPARATOR = "[\\s.\\-_*/~|+=\u00b7\u2010-\u2015\u2022\u2212\u301c\u3030\u30fb]"  # and Unicode dashes


# A character's kinds, for the spelled-apart runs of other text (bits of one ASCII character: see _kind): a letter
# or digit, a mark, an ideograph or kana, a separator between ideographs. The runs pattern reads the kinds of the
# stand-ins, not the stand-ins: plain character sets of ASCII, which the regex engine scans fastest.
_LETTER_OR_DIGIT, _MARK, _IDEOGRAPH, _BETWEEN_IDEOGRAPHS = 1, 2, 4, 8
_KINDS_BASE = 64  # the kinds as a character: "@" (none) to "O" (all four bits)


@cache
def _kind_sets() -> tuple[tuple[int, str], ...]:
    return (
        (_LETTER_OR_DIGIT, "[^\\W_]"),
        (_MARK, f"[{_marks()}]"),
        (_IDEOGRAPH, _IDEOGRAPHIC),
        (_BETWEEN_IDEOGRAPHS, _IDEOGRAPHIC_SEPARATOR),
    )


def _kind(char: str) -> str:
    return chr(_KINDS_BASE + sum(bit for bit, kind in _kind_sets() if re.match(kind, char)))


def _of_kinds(wanted: Callable[[int], bool]) -> str:
    """The character set of the kinds that are `wanted`."""
    return "[" + "".join(chr(_KINDS_BASE + bits) for bits in range(16) if wanted(bits)) + "]"


class _SpelledApart:
    """For other text, read on the kinds of its stand-ins (_stand_ins_and_kinds): `runs`, each after its first
    letter as group 1 or, for ideographs, group 2, and their `separators`. A letter is a letter or digit with the
    marks after it (Hindi `थि` is one letter); a separator is neither a letter, a digit nor a mark. Each pattern
    starts with one character set, so the engine skips the other characters without trying the rest.
    `letter_runs` tries fewer: it finds the runs of letters until it finds an ideograph before a separator (group 2;
    then read with `runs`), and a text without one (most: ideographs have no spaces between) has no run of
    ideographs. (Before such an ideograph it finds what `runs` finds: a run of ideographs starting there, with the
    separator next, and one of letters starting at that separator, with a letter next, exclude each other.)"""

    __slots__ = ("letter_runs", "runs", "separators")

    def __init__(self) -> None:
        separator = _of_kinds(lambda bits: not bits & (_LETTER_OR_DIGIT | _MARK))
        word = _of_kinds(lambda bits: bool(bits & _LETTER_OR_DIGIT))
        mark = _of_kinds(lambda bits: bool(bits & _MARK))
        ideograph = _of_kinds(lambda bits: bool(bits & _IDEOGRAPH))
        between_ideographs = _of_kinds(lambda bits: bool(bits & _BETWEEN_IDEOGRAPHS))
        # A letter's marks may stand apart from it too (`ह थ ि य ा र`: every code point spelled apart).
        letter_kind = _of_kinds(lambda bits: bool(bits & _LETTER_OR_DIGIT) and not bits & _IDEOGRAPH)
        marks_apart = f"(?:{separator}{{1,5}}{mark}+)*"
        letter = f"{letter_kind}{mark}*{marks_apart}(?!{word})"
        # The second letter outside the repetition (as in _SPELLED_APART_ASCII): most tries fail before it, cheaply.
        # The group starts at the first letter's marks set apart (their separators go too).
        then = f"{separator}{{1,5}}{letter}"
        letters = f"{letter_kind}{mark}*({marks_apart}(?!{word}){then}(?:{then})*)"
        ideographs = (
            f"(?<={ideograph})({between_ideographs}{{1,5}}{ideograph}(?:{between_ideographs}{{1,5}}{ideograph})*)"
        )
        either = _of_kinds(lambda bits: not bits & (_LETTER_OR_DIGIT | _MARK) or bool(bits & _IDEOGRAPH))
        self.runs = re.compile(f"{either}(?:(?<={separator}){letters}|{ideographs})")
        self.letter_runs = re.compile(f"{separator}(?:{letters}|(?<={ideograph}{between_ideographs})())")
        self.separators = re.compile(separator)

    def finditer(self, kinds: str) -> Iterator[re.Match[str]]:
        """The runs in `kinds`."""
        found = list(self.letter_runs.finditer(kinds))
        return self.runs.finditer(kinds) if any(match.lastindex == 2 for match in found) else iter(found)


@cache
def _spelled_apart() -> _SpelledApart:
    return _SpelledApart()


@cache
def _stand_in_kinds() -> list[str]:
    """Per code point of the basic plane, its stand-in and that stand-in's kinds (a table for str.translate)."""
    stand_ins = "".join(map(chr, _coarse_table()))
    bits = [0] * len(stand_ins)
    for bit, kind in _kind_sets():
        for found in re.finditer(f"{kind}+", stand_ins):
            for index in range(*found.span()):
                bits[index] |= bit
    return [char + chr(_KINDS_BASE + kind) for char, kind in zip(stand_ins, bits, strict=True)]


def _stand_ins_and_kinds(folded: str) -> tuple[str, str]:
    """`folded` (not ASCII) in coarse stand-ins, and their kinds, in one pass of str.translate (which leaves the
    characters of other planes, beyond the table, as they are: those, rare, one by one)."""
    table = _stand_in_kinds()
    pieces: list[str] = []
    done = 0
    for found in other_planes().finditer(folded):
        char = found.group()
        pieces += (folded[done : found.start()].translate(table), char + _kind(char))
        done = found.end()
    pieces.append(folded[done:].translate(table))
    paired = "".join(pieces)
    return paired[0::2], paired[1::2]


@cache
def folds_stand_ins_and_kinds() -> list[str]:
    """For normalize.folded_view's `reading`: per code point of the basic plane, its one-to-one fold, that fold's
    stand-in and the stand-in's kinds; `Reading` takes the output as `read`."""
    stand_in_kinds = _stand_in_kinds()
    return [
        chr(fold) + (stand_in_kinds[fold] if fold < 0x10000 else chr(fold) + _kind(chr(fold)))
        for fold in one_to_one_folds()
    ]


@cache
def _cross_script() -> dict[str, str]:
    from moderation import evasion_tables  # noqa: PLC0415 - only for text that needs it, not on the cold start

    return dict(zip(evasion_tables.CROSS_SCRIPT_FROM, evasion_tables.CROSS_SCRIPT_TO, strict=True))


def _skeleton(char: str) -> str:
    return _cross_script().get(char, char)


def _coarse_char(char: str) -> str:
    stand_in = char if char.isascii() else _skeleton(char)  # no ASCII letter imitates another: no table needed
    stand_in = LEET.get(stand_in, stand_in)[0]
    if stand_in.isspace():
        return " "
    return "i" if stand_in == "l" else stand_in


@cache
def _ascii_coarse() -> dict[int, str]:
    """For ASCII text (str.translate's fast path for a small table)."""
    return {code: _coarse_char(chr(code)) for code in range(128) if _coarse_char(chr(code)) != chr(code)}


@cache
def _coarse_table() -> list[int]:
    """For other text: a table indexed by code point (what str.translate reads fastest), made on first use."""
    table = list(range(0x10000))
    spaces = [char for char in map(chr, range(0x80, 0x10000)) if char.isspace()]  # U+2028, the Ogham space ...
    for char in [*map(chr, range(128)), *spaces, *_cross_script(), *LEET]:
        table[ord(char)] = ord(_coarse_char(char))
    return table


def coarse(text: str) -> str:
    """`text` (folded) as the candidate automaton reads it: coarse stand-ins, runs of one character made one."""
    return _RUNS.sub("", text.translate(_ascii_coarse() if text.isascii() else _coarse_table()))


@cache
def _readers() -> dict[str, frozenset[str]]:
    """Each letter -> every character that may stand for it (itself, its look-alikes, its leet symbols)."""
    readers: dict[str, set[str]] = {}
    for char in [*map(chr, range(32, 127)), *_cross_script(), *_cross_script().values(), *LEET]:
        skeleton = _skeleton(char)
        for reading in {skeleton, *LEET.get(skeleton, "")}:
            readers.setdefault(reading, set()).add(char)
    return {reading: frozenset(chars) for reading, chars in readers.items()}


@lru_cache(maxsize=1024)
def _readers_of(char: str) -> frozenset[str]:
    """Every character that may stand for `char` (a folded letter): itself, its look-alikes, its leet symbols."""
    return frozenset({char, *_readers().get(_skeleton(char), ())})


_WRITTEN_PER_LETTER = 16
"""How long a candidate may be, per letter of its keyword (plus a margin): no one reads a keyword out of hundreds of
characters, and the bound keeps each check's work small whatever the text."""


class Spelling:
    """How `keyword` (folded) may be written once single letters are joined: per run of one letter, any character
    that reads as it, repeated as the precision rules allow; white space (or none, where letters were spelled apart)
    for a space. Unless `whole` (a whole-word rule), the first and last letters may be repeated any number of times:
    the match lies inside a longer run, as a keyword may lie inside a longer word. Plain Python, no pattern to
    compile: a policy of 10,000 keywords costs nothing until a candidate of a keyword comes, then microseconds."""

    __slots__ = ("letters", "runs")

    def __init__(self, keyword: str, whole: bool) -> None:
        self.letters = len(keyword.replace(" ", ""))
        found = [(match.start(), match.group()) for match in re.finditer(r"(.)\1*", keyword, re.DOTALL)]
        # (where the run starts in the keyword, its length, its readers or None for white space, the fewest times
        # it may be written, whether twice is refused: a short keyword's single letter doubled is another word)
        self.runs: list[tuple[int, int, frozenset[str] | None, int, bool]] = []
        for index, (at, run) in enumerate(found):
            if run[0] == " ":
                self.runs.append((at, len(run), None, 0, False))
            elif (not whole and index in (0, len(found) - 1)) or len(run) > 1:
                self.runs.append((at, len(run), _readers_of(run[0]), len(run), False))
            else:
                self.runs.append((at, 1, _readers_of(run[0]), 1, self.letters < LONG_KEYWORD))

    def align(self, written: str) -> list[int] | None:
        """Which keyword character each character of `written` stands for (-1: white space), or None if `written`
        is not a spelling of the keyword. Dynamic programming over the runs, each in time linear in `written`."""
        length = len(written)
        if length > _WRITTEN_PER_LETTER * self.letters + 64:
            return None
        back: list[dict[int, int]] = [{0: 0}]  # per run done: where its match may end -> where it started
        for _, _, readers, fewest, no_double in self.runs:
            ends = _run_ends(written, sorted(back[-1]), readers, fewest, no_double)
            if not ends:
                return None
            back.append(ends)
        if length not in back[-1]:
            return None
        aligned = [0] * length
        end = length
        for index in range(len(self.runs) - 1, -1, -1):
            at, size, readers, _, _ = self.runs[index]
            start = back[index + 1][end]
            for position in range(start, end):
                aligned[position] = -1 if readers is None else at + min(position - start, size - 1)
            end = start
        return aligned


def _run_ends(
    written: str, starts: list[int], readers: frozenset[str] | None, fewest: int, no_double: bool
) -> dict[int, int]:
    """Where a run of one keyword letter (`readers`: the characters that read as it; None: white space) may end in
    `written` if it starts at one of `starts` (sorted), each end with a start that reaches it. Each stretch of readers
    is walked once: the ends from its first start cover those of the later ones."""
    length = len(written)
    ends: dict[int, int] = {}
    stretch_end = -1
    for start in starts:
        if start >= stretch_end:  # a new stretch of this run's readers (an earlier one covers the rest)
            stretch_end = start
            while stretch_end < length and (
                written[stretch_end].isspace() if readers is None else written[stretch_end] in readers
            ):
                stretch_end += 1
        if no_double and start + 1 <= stretch_end:
            ends.setdefault(start + 1, start)
        for end in range(start + (3 if no_double else fewest), stretch_end + 1):
            if end in ends:
                break
            ends[end] = start
    return ends


@lru_cache(maxsize=16_384)
def spelling(keyword: str, whole: bool) -> Spelling:
    return Spelling(keyword, whole)


@lru_cache(maxsize=4096)
def _aligned(keyword: str, whole: bool, written: str) -> tuple[int, ...] | None:
    """spelling(keyword, whole).align(written), remembered: a text that repeats an evasion checks it once."""
    aligned = spelling(keyword, whole).align(written)
    return None if aligned is None else tuple(aligned)


_SPACE = re.compile(r"\s")
_ODD_SPACE = re.compile(r"\s\s|[^\S ]")


# Scripts whose letters imitate each other, by code point ranges (Unicode blocks).
_SCRIPTS = (
    ("latin", re.compile("[a-zA-Z\u00c0-\u02af\u1d00-\u1dbf\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff\uab30-\uab6f]")),
    ("cyrillic", re.compile("[\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f]")),
    ("greek", re.compile("[\u0370-\u03ff\u1f00-\u1fff]")),
    ("armenian", re.compile("[\u0530-\u058f]")),
    ("cherokee", re.compile("[\u13a0-\u13ff\uab70-\uabbf]")),
)  # fmt: skip


def _script(char: str) -> str:
    for name, letters in _SCRIPTS:
        if letters.match(char):
            return name
    return "other"


def _scripts_of(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name, letters in _SCRIPTS:
        found = len(letters.findall(text))
        if found:
            counts[name] = found
    return counts


def mixes_scripts(text: str, word: tuple[int, int]) -> bool:
    """`text[word]` has letters of two or more of the scripts whose letters imitate each other (letters: a script's
    combining marks, such as U+2DE0-U+2DFF's Cyrillic ones, are no letters of it)."""
    return len(_scripts_of("".join(char for char in text[word[0] : word[1]] if char.isalpha()))) > 1


def _is_letter(char: str) -> bool:
    """A letter for the script rule: letter-like symbols (`℮`) count as letters of their own script."""
    return char.isalpha() or char in _cross_script()


def _not_space(char: str) -> bool:
    return not char.isspace()


def _look_alikes_allowed(folded: str, word: tuple[int, int]) -> bool:
    """The script rule for `word` (the span of a match grown by the letters touching it): it mixes scripts, or its one
    script is not the one most of the letters around it are in (no letters around: the word is of its own language,
    Russian `сор` alone is no `cop`)."""
    start, end = word
    scripts = {_script(char) for char in folded[start:end] if _is_letter(char)}
    if len(scripts) != 1:
        return True
    around = _scripts_of(folded[max(0, start - SCRIPT_WINDOW) : start] + " " + folded[end : end + SCRIPT_WINDOW])
    return bool(around) and max(around, key=lambda name: around[name]) not in scripts


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _in_email(folded: str, stretch: tuple[int, int]) -> bool:
    """`stretch` (a match grown to the white space around it) holds an e-mail address (whose @ is no letter:
    `ana@lima.com` is not `analima`)."""
    return _EMAIL.search(folded, *stretch) is not None


SpanCheck = Callable[[str, tuple[int, int]], bool]
Checked = tuple[int, int, tuple[str, ...], tuple[tuple[int, int], ...]]
"""A candidate read as a keyword: its span in the folded text, its evasion forms, and per letter (folded position,
the keyword character it stands for)."""
_GROWN_BY: dict[SpanCheck, Callable[[str], bool]] = {_look_alikes_allowed: _is_letter, _in_email: _not_space}
"""What each span check grows a match by before it looks: the letters of its word, the text up to white space."""


class _Runs:
    """The maximal runs of characters of `text` that pass `test`, each walked once, when a position in it is first
    asked about: many candidates in one long word cost one walk, not one each."""

    __slots__ = ("_ends", "_starts", "_test", "_text")

    def __init__(self, text: str, test: Callable[[str], bool]) -> None:
        self._text = text
        self._test = test
        self._starts: list[int] = []
        self._ends: list[int] = []

    def around(self, start: int, end: int) -> tuple[int, int]:
        """`[start, end)` grown by the runs touching it on either side."""
        text, test = self._text, self._test
        if start > 0 and test(text[start - 1]):
            start = self._run(start - 1)[0]
        if end < len(text) and test(text[end]):
            end = self._run(end)[1]
        return start, end

    def _run(self, position: int) -> tuple[int, int]:
        """The run holding `position` (whose character passes the test)."""
        index = bisect_right(self._starts, position) - 1
        if index >= 0 and position < self._ends[index]:
            return self._starts[index], self._ends[index]
        text, test = self._text, self._test
        start, end = position, position + 1
        while start > 0 and test(text[start - 1]):
            start -= 1
        while end < len(text) and test(text[end]):
            end += 1
        # Runs are maximal, so a new one overlaps none already known: it goes right after those starting before it.
        self._starts.insert(index + 1, start)
        self._ends.insert(index + 1, end)
        return start, end


class Verdicts:
    """Span checks of one text that read what is around a span: each span is first grown by the runs of characters
    its check grows by (`grown_by[check]`: the letters of its word, the text up to white space), and each check is
    worked out once per grown span, so many candidates in one long word cost one walk of it and one check."""

    __slots__ = ("_grown", "_grown_by", "_text", "_verdicts")

    def __init__(self, text: str, grown_by: Mapping[SpanCheck, Callable[[str], bool]]) -> None:
        self._text = text
        self._grown_by = grown_by
        self._grown: dict[SpanCheck, _Runs] = {}
        self._verdicts: dict[tuple[SpanCheck, tuple[int, int]], bool] = {}

    def __call__(self, check: SpanCheck, start: int, end: int) -> bool:
        runs = self._grown.get(check)
        if runs is None:
            runs = self._grown[check] = _Runs(self._text, self._grown_by[check])
        key = (check, runs.around(start, end))
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = check(self._text, key[1])
        return verdict


def word_letter(char: str) -> bool:
    """A letter, digit or mark: what a word is made of (Hindi `होगा` is one word)."""
    return char.isalnum() or _is_mark_char(char)


def _is_word(char: str) -> bool:
    """A letter, digit, `_` or mark: a vowel sign is part of its word (Hindi `होगा` is one word, not `हो` + `गा`)."""
    return char.isalnum() or char == "_" or _is_mark_char(char)


def _is_mark_char(char: str) -> bool:
    return not char.isascii() and _is_mark(char)


@lru_cache(maxsize=4096)
def _is_mark(char: str) -> bool:
    import unicodedata  # noqa: PLC0415 - only for text that is not ASCII

    return unicodedata.category(char).startswith("M")


# Scripts written without spaces between words: kana, CJK ideographs, Thai, Lao, Myanmar, Khmer. Where text changes
# between one of them and another script, a word ends (`你真是个shit`: `shit` is a whole word).
@cache  # a large class of ranges: compiled on the first text that is not ASCII, not on the cold start
def _spaceless() -> re.Pattern[str]:
    return re.compile(
        "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3005\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
        "\u4e00-\u9fff\uf900-\ufaff]"
    )


def spaceless(text: str) -> bool:
    """`text` has a character of a script written without spaces (an ideograph, kana, Thai ...)."""
    return _spaceless().search(text) is not None


def glued(before: str, after: str) -> bool:
    """`before` and `after`, side by side, are of one word: both word characters (see _is_word), and not one of a
    script written without spaces next to one of another script."""
    if not (_is_word(before) and _is_word(after)):
        return False
    spaceless = _spaceless().match
    return before.isascii() == after.isascii() or (spaceless(before) is None) == (spaceless(after) is None)


def whole_word(text: str, start: int, end: int) -> bool:
    """No word character glued to either end of `text[start:end]` (an end that is not itself a word character, e.g.
    a keyword ending in "!", needs no boundary)."""
    left_glued = start > 0 and glued(text[start - 1], text[start])
    right_glued = end < len(text) and glued(text[end - 1], text[end])
    return not (left_glued or right_glued)


_STANDALONE_SS = re.compile(r"(?<![^\W_])ss(?![^\W_])")


def split_by_folding(text: str, view: View) -> list[int]:
    """Positions in `view.text` (folded) that case folding added to the letter before them: `ß` (and `ẞ`) folds to
    `ss`, still one letter where letters are spelled apart (`s c h e i ß e`)."""
    if text.isascii() or ("ß" not in text and "ẞ" not in text):
        return []
    split: list[int] = []
    for found in _STANDALONE_SS.finditer(view.text):  # only an `ss` that stands apart may be a letter spelled apart
        start, end = view.original_span(found.start(), found.end())
        if end - start == 1 and text[start] in "ßẞ":
            split.append(found.start() + 1)
    return split


def _without(text: str, positions: list[int]) -> str:
    """`text` without the characters at `positions` (sorted)."""
    if not positions:
        return text
    pieces: list[str] = []
    done = 0
    for position in positions:
        pieces.append(text[done:position])
        done = position + 1
    return "".join(pieces) + text[done:]


# Single letters with the same leet symbol between each (`s!h!i!t`, `c|o|c|a|i|n|e`, `c@o@c@a@i@n@e`): there the
# symbol is a separator, not a letter. Three letters at least, no letter or digit glued on either end. The pattern
# starts at the run's first symbol (the engine skips to symbols) and takes the rest of the run.
_SEPARATING_SYMBOLS = tuple(symbol for symbol in LEET if not symbol.isalnum())
_SYMBOL_CLASS = "[" + "".join(map(re.escape, _SEPARATING_SYMBOLS)) + "]"
_SYMBOL_SEPARATED = re.compile(
    f"({_SYMBOL_CLASS})(?<=(?<![^\\W_])[^\\W\\d_].)([^\\W\\d_](?:\\1[^\\W\\d_])+)(?![^\\W_])"
)


def _symbol_separators(folded: str) -> list[int]:
    """Where a leet symbol separates letters spelled apart (_SYMBOL_SEPARATED), in order."""
    if not any(symbol in folded for symbol in _SEPARATING_SYMBOLS):  # substring searches: faster than the regex's
        return []
    return [position for match in _SYMBOL_SEPARATED.finditer(folded) for position in range(*match.span(), 2)]


# A printf-style placeholder (`%s`, `%-*s`, `%(count)d`, `%pB`): a slot for text, not a letter spelled apart
# (`Connexion à %s (%s)` holds no `a s s`).
@cache
def _placeholder() -> re.Pattern[str]:
    return re.compile(r"%(?:\([\w-]{1,32}\))?[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|ll|[hlLqjzt])?[a-zA-Z]{1,2}")


def _placeholders(folded: str) -> list[int]:
    """The positions of every placeholder's characters."""
    if "%" not in folded:
        return []
    return [position for match in _placeholder().finditer(folded) for position in range(*match.span())]


_GAP = "\uffff"  # a noncharacter: marks where each gap starts in a run's signature
_GAP_ROWS = re.compile(f"({_GAP}[^{_GAP}]*)(?:\\1(?={_GAP}|$))*")
_REPEATS = re.compile(f"([^{_GAP}])\\1+")


def _alike_gaps(folded: str, separators: list[int]) -> list[int]:
    """Of a run's separators (positions in `folded`, in order), those to delete. The run's gaps (separators side by
    side) join letters only as a row of gaps alike, the same characters with repeats made one (`b.a.d`, `s h  i t`);
    of two rows side by side, which share a letter, the longer joins (`x - b.a.d` is `x - bad`; `-m o -F` holds no
    `mof`). Worked out with regular expressions over the run's signature (each gap's characters after a mark), so a
    long run costs C-speed passes, not a Python step per gap."""
    if len({folded[position] for position in separators}) < 2:
        return separators  # one separator character: every gap is made of it (most runs, and long ones)
    starts = [0, *(index for index in range(1, len(separators)) if separators[index] != separators[index - 1] + 1)]
    first_of_gap = set(starts)
    signature = "".join(
        (_GAP + folded[position]) if index in first_of_gap else folded[position]
        for index, position in enumerate(separators)
    )
    signature = _REPEATS.sub(r"\1", signature)
    rows = [match.group().count(_GAP) for match in _GAP_ROWS.finditer(signature)]
    kept: list[bool] = []
    for index, row in enumerate(rows):
        if index and kept[-1] and row > rows[index - 1]:
            kept[-1] = False
        kept.append(not (index and kept[-1]))
    starts.append(len(separators))
    deleted: list[int] = []
    gap = 0
    for row, keep in zip(rows, kept, strict=True):
        if keep:
            deleted += separators[starts[gap] : starts[gap + row]]
        gap += row
    return deleted


# Inside a word, between two letters: Markdown emphasis or underscores (`sh**it`, `co*cai*ne`, `sh_it`), or a line
# break after a hyphen (`co-\ncaine`). A model reads through both; so does this reading (form `split`): the characters
# go from the joined text, and the letters on either side are one word. A line break alone ends a word.
_INSIDE_WORD = re.compile(r"(?<=[^\W\d_])(?:[*_~`^]{1,3}|-\r?\n)(?=[^\W\d_])")


def _inside_words(folded: str) -> list[int]:
    """The positions of the characters that split a word (_INSIDE_WORD), in order."""
    if not any(mark in folded for mark in "*_~`^\n"):
        return []
    return [position for match in _INSIDE_WORD.finditer(folded) for position in range(*match.span())]


def _with_separators(text: str, positions: list[int], separator: str) -> str:
    """`text` with the characters at `positions` replaced by `separator`."""
    if not positions:
        return text
    characters = list(text)
    for position in positions:
        characters[position] = separator
    return "".join(characters)


class Reading:
    """A folded text as the evasion checks read it: `candidates` for the coarse automaton, and `check` to accept a
    candidate for one keyword, with the span in the folded text it covers and the evasion forms it needed."""

    __slots__ = (
        "_collapsed_adjusted",
        "_inside_words",
        "_joined_adjusted",
        "_runs",
        "_spelled_apart",
        "_verdicts",
        "candidates",
        "folded",
        "joined",
        "stand_ins",
    )

    def __init__(self, folded: str, read: str | None = None, one_letter: Sequence[int] = ()) -> None:
        """`read`: the folded view's, if it was made with folds_stand_ins_and_kinds; `one_letter`: positions in
        `folded` that case folding split off the letter before them (split_by_folding)."""
        self.folded = folded
        ascii = folded.isascii()
        # What the runs are found in, after a space (a run may start the text).
        symbols = _symbol_separators(folded) + _placeholders(folded)
        if ascii:
            stand_ins = _with_separators(folded.translate(_ascii_coarse()), symbols, ".")
            scanned = " " + stand_ins
            runs_read = _as_runs_read(scanned, folded, one_letter, " ")
            runs, separators = _spelled_apart_ascii(runs_read), _SEPARATORS_ASCII
        else:
            # `read` holds each character's fold, stand-in and kinds.
            stand_ins, kinds = _stand_ins_and_kinds(folded) if read is None else (read[1::3], read[2::3])
            stand_ins, kinds = _with_separators(stand_ins, symbols, "."), _with_separators(kinds, symbols, _kind("."))
            scanned = _kind(" ") + kinds
            runs_read = _as_runs_read(scanned, folded, one_letter, _kind(","))  # no separator of ideographs
            runs, separators = _spelled_apart().finditer(runs_read), _spelled_apart().separators
        deleted: list[int] = []
        for match in runs:
            # The separators of the run after its first letter (its group) go; `- 1`: the space before the text.
            group = match.lastindex or 0
            found = separators.finditer(scanned, match.start(group), match.end(group))
            deleted += _alike_gaps(folded, [separator.start() - 1 for separator in found])
        self._spelled_apart = deleted
        self._inside_words = _inside_words(folded)
        if self._inside_words and deleted:  # what the letters spelled apart took is theirs (`s*h*i*t`)
            spelled_apart = set(deleted)
            self._inside_words = [position for position in self._inside_words if position not in spelled_apart]
        if self._inside_words:
            deleted = sorted({*deleted, *self._inside_words})
        self.joined = _without(folded, deleted)
        self.stand_ins = _without(stand_ins, deleted)
        # joined -> folded: a joined position p is folded position p + (deletions before it), found by bisection.
        self._joined_adjusted = [position - index for index, position in enumerate(deleted)]
        self.candidates = one_of_each_run(self.stand_ins)
        # candidates -> joined, worked out only as far as the candidates checked need (most texts have none).
        self._collapsed_adjusted: list[int] = []
        self._runs: Iterator[re.Match[str]] | None = _RUNS.finditer(self.stand_ins)
        # The span checks' verdicts, worked out as candidates ask: once per word, not once per candidate.
        self._verdicts = Verdicts(folded, _GROWN_BY)

    def _to_joined(self, position: int) -> int:
        """The joined position of the character the candidate text keeps at `position` (the last of its run)."""
        adjusted = self._collapsed_adjusted
        while self._runs is not None and (not adjusted or adjusted[-1] <= position):
            removed = next(self._runs, None)
            if removed is None:
                self._runs = None
            else:
                adjusted.append(removed.start() - len(adjusted))
        return position + bisect_right(adjusted, position)

    def _glued(self, start: int, end: int) -> bool:
        """A letter or digit right before or after `joined[start:end]`, whose end there is a letter, digit or leet
        symbol (a leet symbol outside a match is punctuation: `ass!` is a whole word), and that no separator stood
        between in the folded text (a one-letter word spelled apart with the match is a word of its own: `a s h i t`
        is `a shit`)."""
        joined, to_folded = self.joined, self._to_folded
        if self._spelled_apart and (self._inside_run(start, -1) or self._inside_run(end - 1, 1)):
            return True
        left = (
            start > 0
            and (glued(joined[start - 1], joined[start]) or (_is_word(joined[start - 1]) and joined[start] in LEET))
            and to_folded(start) == to_folded(start - 1) + 1
        )
        right = (
            end < len(joined)
            and (glued(joined[end - 1], joined[end]) or (_is_word(joined[end]) and joined[end - 1] in LEET))
            and to_folded(end) == to_folded(end - 1) + 1
        )
        return left or right

    def _inside_run(self, edge: int, step: int) -> bool:
        """More than one letter of a run of letters spelled apart lies beyond the match's `edge` letter (in the
        `step` direction): a whole word may start or end inside a run only beside a one-letter word (`what a s h i
        t`), not inside a longer word spelled apart (`C L A S S` holds no `ass`)."""
        joined, to_folded = self.joined, self._to_folded
        length = len(joined)
        beyond = edge + step
        if not (0 <= beyond < length and _is_word(joined[beyond])) or to_folded(beyond) == to_folded(edge) + step:
            return False
        # The letter beyond, with its marks (Hindi `दो` is one letter), then what lies further.
        if step > 0:
            further = beyond + 1
            while further < length and _is_mark_char(joined[further]):
                further += 1
        else:
            while beyond > 0 and _is_mark_char(joined[beyond]):
                beyond -= 1
            further = beyond - 1
        return 0 <= further < length and _is_word(joined[further])

    def _to_folded(self, position: int) -> int:
        return position + bisect_right(self._joined_adjusted, position)

    def check(self, start: int, end: int, keyword: str, whole: bool) -> Checked | None:
        """The candidate `candidates[start:end]` read as `keyword` (folded): its span in the folded text, its
        evasion forms and which keyword character each of its letters stands for; or None if it is not one (or is
        the keyword itself, which the plain automaton finds)."""
        first = self._to_joined(start - 1) + 1 if start > 0 else 0
        last = self._to_joined(end - 1) + 1
        written = self.joined[first:last]
        folded_start, folded_end = self._to_folded(first), self._to_folded(last - 1) + 1
        if self.folded[folded_start:folded_end] == keyword:
            return None
        aligned = _aligned(keyword, whole, written)
        if aligned is None or (whole and self._glued(first, last)):
            return None
        forms = self._joins(folded_start, folded_end, keyword)
        if forms is None:
            return None
        spaced = _SPACE.search(written) is not None
        if spaced != (" " in keyword) or _ODD_SPACE.search(written):
            forms.append("spaces")
        letters = [char for char in written if not char.isspace()]
        if len(letters) > len(keyword.replace(" ", "")):
            forms.append("repeated")
        if any(char in LEET and char not in keyword for char in letters):
            if not self._leet_allowed(letters, written, keyword, (folded_start, folded_end)):
                return None
            forms.append("leetspeak")
        # What the pattern accepted that is neither the keyword's own letter nor a leet symbol is a look-alike.
        if any(char not in keyword and char not in LEET for char in letters):
            if not self._verdicts(_look_alikes_allowed, folded_start, folded_end):
                return None
            forms.append("confusable")
        to_folded = self._to_folded
        pairs = tuple((to_folded(first + at), index) for at, index in enumerate(aligned) if index >= 0)
        return folded_start, folded_end, tuple(forms), pairs

    def _joins(self, start: int, end: int, keyword: str) -> list[str] | None:
        """The forms of what was joined in `folded[start:end]`: letters spelled apart (`separated`), a word's pieces
        (`split`); None if the keyword is too short to be joined into (MIN_JOINED letters, but an ideograph or kana
        is a word or syllable)."""
        forms: list[str] = []
        for name, positions in (("separated", self._spelled_apart), ("split", self._inside_words)):
            if positions and bisect_right(positions, end) > bisect_right(positions, start):
                forms.append(name)
        short = len(keyword.replace(" ", "")) < MIN_JOINED and _spaceless().search(keyword) is None
        return None if forms and short else forms

    def _leet_allowed(self, letters: list[str], written: str, keyword: str, span: tuple[int, int]) -> bool:
        """Leet symbols may stand for letters here: two real letters in the match, or one and no more digits, or one
        in a keyword of LONG_LEET letters or more (`5h17`; `1337`, `4x4`, `h2o` stay numbers), a keyword of MIN_LEET
        letters or more, no number with its unit (`80mb`), and no `@` of an e-mail address."""
        real = sum(char.isalpha() for char in letters)
        size = len(keyword.replace(" ", ""))
        if real == 0 or (real == 1 and sum(char.isdigit() for char in letters) > 1 and size < LONG_LEET):
            return False
        if size < MIN_LEET or _number_with_unit().match(written):
            return False
        return not ("@" in letters and "@" not in keyword and self._verdicts(_in_email, *span))


_KATAKANA = re.compile("[\u30a1-\u30fa\uff66-\uff9d]")
_HIRAGANA = re.compile("[\u3041-\u3096]")


@cache
def _traditional() -> frozenset[str]:
    from moderation import evasion_tables  # noqa: PLC0415 - see _cross_script

    return frozenset(evasion_tables.TRADITIONAL)


@cache
def _latin_lookalikes() -> frozenset[str]:
    from moderation import evasion_tables  # noqa: PLC0415 - see _cross_script

    return frozenset(evasion_tables.LATIN_LOOKALIKE_FROM)


@lru_cache(maxsize=4096)
def surface_forms(original: str, keyword: str) -> tuple[str, ...]:
    """The evasion forms the folded view itself undid in `original` (what a match covers) that `keyword` (as the
    policy spells it) does not have: invisible characters, compatibility forms (full-width, mathematical, enclosed
    letters), marks, Latin look-alikes (small capitals), katakana for hiragana or the reverse, traditional Chinese for
    simplified or the reverse."""
    import unicodedata  # noqa: PLC0415 - only for matches in text that is not ASCII

    forms: list[str] = []
    if has_ignored(original):
        forms.append("invisible")
    if unicodedata.normalize("NFKC", original) != unicodedata.normalize("NFC", original) or re.search(
        "[\U0001f100-\U0001f1ff]", original
    ):
        forms.append("width")
    if TATWEEL in original and TATWEEL not in keyword:
        forms.append("marks")  # the other marks: accents.compare, letter by letter
    if any(char.casefold() in _latin_lookalikes() and char not in keyword and char != "\u0131" for char in original):
        forms.append("confusable")
    plain = unicodedata.normalize("NFKC", original)
    if (_KATAKANA.search(plain) and not _KATAKANA.search(keyword)) or (
        _HIRAGANA.search(plain) and not _HIRAGANA.search(keyword)
    ):
        forms.append("kana")
    traditional = _traditional()
    if any(char in traditional for char in set(plain) ^ set(keyword)):
        forms.append("chinese_variant")
    return tuple(forms)
