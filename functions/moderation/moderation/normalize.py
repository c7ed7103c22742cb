"""Text as the matchers see it: `BAD`, its full-width form and b<U+200B>ad all read `bad`; with a way back.

Two views of a text:
- folded (keywords): NFKC, then case folding (then NFKC again, as Unicode's caseless matching asks), with the
  generic combining marks after any letter dropped (`résumé` reads `resume`), katakana read as hiragana, traditional
  Chinese as simplified, Latin look-alikes (small capitals, dotless i) as their letter, and right-to-left overrides
  in display order (see folded_view); evasions.py reads further evasions from this view;
- plain (regular expressions, PII): NFKC only, so check digits and letter case (IBAN, AWS key ids) survive.
Both drop Unicode's default-ignorable characters: zero-width ones, the soft hyphen, bidi controls, variation
selectors, tag characters, Hangul fillers and the rest of that property.

NFKC composes a character with the marks after it, so text is normalised one cluster at a time (a starter and the
marks or jamo that may combine with it); every character a cluster yields maps back to the cluster's original span.
A match `[start, end)` in a view therefore covers exactly the original characters that produced it, from its first
to its last (invisible characters inside it included, those just before or after it not).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import cache, lru_cache

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15): characters that render as nothing
# (zero-width, bidi controls, variation selectors, tag characters, Hangul fillers ...), as inclusive ranges.
IGNORED_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip


# ASCII text, most of what a chat carries, needs none of what follows: unicodedata, these patterns and this set are
# made on the first other text.
@cache
def _has_ignored() -> re.Pattern[str]:
    return re.compile("[" + "".join(f"{chr(first)}-{chr(last)}" for first, last in IGNORED_RANGES) + "]")


@cache
def ignored_characters() -> frozenset[str]:
    return frozenset(chr(code) for first, last in IGNORED_RANGES for code in range(first, last + 1))


# Combining marks that carry no letter of their own: the generic blocks (diacritical marks, extended, supplement,
# for symbols, half marks), the Cyrillic combining marks (titlo, millions sign: Zalgo uses them too), Arabic
# harakat, and the Arabic tatweel (a stretch of the line, not a letter). They are dropped after any letter (or
# space): accents on Latin, Greek and Cyrillic, and the marks "Zalgo" text piles on. Marks of a script's own block
# (Devanagari and Thai vowel signs, Japanese voicing marks) change the letter and are kept.
DROPPED_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u064b-\u065f\u0670\u0483-\u0489"
TATWEEL = "\u0640"


@cache
def _dropped_marks() -> re.Pattern[str]:
    return re.compile(f"[{DROPPED_MARKS}]")


def _letter_with_dropped_marks(decomposed: str) -> bool:
    """`decomposed` (NFD) is a letter and marks that are all dropped: `é`, `ệ`."""
    return decomposed[0].isalpha() and re.fullmatch(f"[{DROPPED_MARKS}]+", decomposed[1:]) is not None


# Characters of canonical combining class 0 that still compose with what precedes them (Hangul vowel and final
# jamo, some Indic and Tibetan vowel signs, half-width katakana voicing marks); Unicode 14-15 data.
_JOINS_PREVIOUS = frozenset(
    [chr(code) for code in range(0x1161, 0x1176)]
    + [chr(code) for code in range(0x11A8, 0x11C3)]
    + [
        chr(code)
        for code in (
            0x09BE, 0x09D7, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57,
            0x0DCF, 0x0DDF, 0x0F73, 0x0F75, 0x0F81, 0x102E, 0x1B35, 0xFF9E, 0xFF9F, 0x11127, 0x1133E, 0x11357,
            0x114B0, 0x114BA, 0x114BD, 0x115AF, 0x11930,
        )
    ]
)  # fmt: skip


class Segments:
    """Where a view's characters came from, by stretches: from view position `views[i]` on (to the next), either
    one for one from original position `origins[i]` (`ends[i]` is -1), or each from the whole original cluster
    `[origins[i], ends[i])`. Found by bisection: no list as long as the text."""

    __slots__ = ("ends", "origins", "views")

    def __init__(self) -> None:
        self.views: list[int] = []
        self.origins: list[int] = []
        self.ends: list[int] = []

    def add(self, view: int, origin: int, end: int = -1) -> None:
        self.views.append(view)
        self.origins.append(origin)
        self.ends.append(end)

    def first(self, position: int) -> int:
        """Where the view's character at `position` starts in the original."""
        index = bisect_right(self.views, position) - 1
        end = self.ends[index]
        return self.origins[index] + position - self.views[index] if end < 0 else self.origins[index]

    def last(self, position: int) -> int:
        """Where the view's character at `position` ends in the original."""
        index = bisect_right(self.views, position) - 1
        end = self.ends[index]
        return self.origins[index] + position - self.views[index] + 1 if end < 0 else end


class View:
    """A normalised text and, unless it equals the original position for position, where each character came from:
    per character (`starts`, `ends`) or by stretches (`segments`). `reversed_spans` are the original spans shown
    right to left by a bidi override (read in display order). `read`: see folded_view."""

    # A plain class, not a dataclass: making one costs import time, and this module is on the cold start.
    __slots__ = ("ends", "read", "reversed_spans", "segments", "starts", "text")

    def __init__(
        self,
        text: str,
        starts: list[int] | None = None,
        ends: list[int] | None = None,
        reversed_spans: tuple[tuple[int, int], ...] = (),
        segments: Segments | None = None,
        *,
        read: str | None = None,
    ) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends
        self.reversed_spans = reversed_spans
        self.segments = segments
        self.read = read

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that produced `text[start:end]` (`end > start`): from the first to the last original
        character any of them came from."""
        if self.segments is not None:
            return self.segments.first(start), self.segments.last(end - 1)
        if self.starts is None or self.ends is None:
            return start, end
        if not self.reversed_spans:
            return self.starts[start], self.ends[end - 1]
        return min(self.starts[start:end]), max(self.ends[start:end])


@lru_cache(maxsize=4096)
def _plain(cluster: str) -> str:
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    ignored = ignored_characters()
    return unicodedata.normalize("NFKC", "".join(char for char in cluster if char not in ignored))


def _without_marks(text: str) -> str:
    """`text` (NFD) without the dropped marks that follow a letter or a space, and without tatweel."""
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    kept: list[str] = []
    after_letter = False
    dropped = _dropped_marks()
    for char in text.replace(TATWEEL, ""):
        is_dropped = dropped.match(char) is not None
        if not (after_letter and is_dropped):
            kept.append(char)
        if not (is_dropped or unicodedata.combining(char)):
            # A mark on a space means nothing either; a script's own mark (a vowel sign) is part of its letter.
            after_letter = char.isalpha() or char.isspace() or unicodedata.category(char).startswith("M")
    return "".join(kept)


@lru_cache(maxsize=4096)
def _folded(cluster: str) -> str:
    """Marks dropped before case folding (U+0345 folds to a letter, iota) and again after it (İ folds to i + a dot
    above), then the one-to-one folds of `extras`."""
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    text = unicodedata.normalize("NFD", _plain(cluster))
    if _dropped_marks().search(text) is not None or TATWEEL in text:
        text = _without_marks(text)
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", unicodedata.normalize("NFC", text).casefold()))
    if _dropped_marks().search(text) is not None:
        text = _without_marks(text)
    return unicodedata.normalize("NFC", text).translate(_enclosed()).translate(one_to_one_folds())


# Letters NFKC leaves alone: negative circled and squared Latin capitals, regional indicator symbols (read as letters).
@cache
def _enclosed() -> dict[int, str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return {first + index: letter for first in (0x1F150, 0x1F170, 0x1F1E6) for index, letter in enumerate(letters)}


@cache
def one_to_one_folds() -> list[int]:
    """One-to-one folds after case folding (a table indexed by code point, the fastest form for str.translate):
    katakana to hiragana, traditional to simplified Chinese (OpenCC), Latin look-alikes (small capitals; the dotless
    i reads i, so Turkish `KILIÇ` matches its lower case), and accented letters to their letter (e acute to e)."""
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    from moderation import evasion_tables  # noqa: PLC0415 - only for text that is not ASCII

    table = list(range(0x10000))
    for code in range(0x30A1, 0x30F7):
        table[code] = code - 0x60
    for source, target in zip(evasion_tables.TRADITIONAL, evasion_tables.SIMPLIFIED, strict=True):
        table[ord(source)] = ord(target)
    for source, target in zip(evasion_tables.LATIN_LOOKALIKE_FROM, evasion_tables.LATIN_LOOKALIKE_TO, strict=True):
        table[ord(source)] = ord(target)
    for code in _regular_codes():
        decomposed = unicodedata.normalize("NFD", chr(code).casefold())
        if len(decomposed) > 1 and _letter_with_dropped_marks(decomposed):
            table[ord(chr(code).casefold())] = ord(decomposed[0])
    return table


# Blocks whose characters all fold to themselves one to one (CJK ideographs, Hangul syllables).
_REGULAR_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3))


@cache
def _regular_codes() -> tuple[int, ...]:
    """Non-ASCII characters below U+3400 whose fold is one character, that no mark joins: case folding and
    one_to_one_folds give their fold. Worked out from unicodedata on the first non-ASCII text (~15 ms), not on the
    cold start."""
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    ignored = ignored_characters()
    regular = []
    for code in range(0x80, 0x3400):
        char = chr(code)
        if unicodedata.combining(char) or char in _JOINS_PREVIOUS or char in ignored or char == TATWEEL:
            continue
        if _dropped_marks().match(char) is not None:  # enclosing marks (keycap ...) have combining class 0
            continue
        folded = char.casefold()
        if len(folded) != 1 or unicodedata.normalize("NFKC", char) != char:
            continue
        decomposed = unicodedata.normalize("NFD", folded)
        if unicodedata.normalize("NFKC", folded) != folded:
            continue
        # A letter with marks folds one to one if all its marks are dropped (one_to_one_folds has it) or none is.
        if _dropped_marks().search(decomposed) is None or _letter_with_dropped_marks(decomposed):
            regular.append(code)
    return tuple(regular)


@cache
def _irregular() -> re.Pattern[str]:
    """Runs of characters the fast path cannot fold: everything but ASCII and `_regular_codes`."""
    ranges: list[tuple[int, int]] = [(0, 0x7F)]
    for code in _regular_codes():
        if code == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    ranges.extend(_REGULAR_BLOCKS)
    body = "".join(
        re.escape(chr(first)) + ("-" + re.escape(chr(last)) if last > first else "") for first, last in ranges
    )
    return re.compile(f"[^{body}]+")


@cache
def _extras_present() -> re.Pattern[str]:
    table = one_to_one_folds()
    return re.compile("[" + "".join(re.escape(chr(code)) for code in range(0x10000) if table[code] != code) + "]")


def _by_cluster(text: str, fold: bool) -> View:
    """A cluster is a character and the marks that follow it, with any invisible characters among those marks;
    invisible characters after its last mark are clusters of their own that yield nothing, so a match's original
    span never reaches past its last character."""
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    normalise = _folded if fold else _plain
    combining = unicodedata.combining
    dropped = _dropped_marks().match
    ignored = ignored_characters()
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    length = len(text)
    start = 0
    while start < length:
        end = scan = start + 1
        if text[start] not in ignored:
            while scan < length:
                char = text[scan]
                scan += 1
                if char in _JOINS_PREVIOUS or combining(char) or dropped(char):
                    end = scan
                elif char not in ignored:
                    break
        piece = normalise(text[start:end])
        if piece:
            pieces.append(piece)
            starts.extend([start] * len(piece))
            ends.extend([end] * len(piece))
        start = end
    return View("".join(pieces), starts, ends)


def plain_view(text: str) -> View:
    """NFKC, invisible characters dropped."""
    if text.isascii():
        return View(text)
    import unicodedata  # noqa: PLC0415 - see _has_ignored

    if _has_ignored().search(text) is None and unicodedata.is_normalized("NFKC", text):
        return View(text)
    return _by_cluster(text, fold=False)


RIGHT_TO_LEFT_OVERRIDE = "\u202e"
_OVERRIDE_ENDS = "\u202c\n"  # pop directional formatting, or the end of the paragraph


def folded_view(text: str, *, display_order: bool = True, reading: Callable[[], list[str]] | None = None) -> View:
    """NFKC, case folding, no marks on letters, katakana as hiragana, traditional Chinese as simplified, Latin
    look-alikes as their letter, invisible characters dropped, right-to-left overrides in display order (or, with
    `display_order=False`, in the order they were typed, which is what a model reads).

    Characters that fold one to one take the fast path (str.casefold and str.translate over the whole run); only the
    runs of other characters (and the character before each, which their marks may join) go cluster by cluster.
    The last step of the fast path, one_to_one_folds, is a pass of str.translate over the whole text: `reading`, if
    given, makes a table that does more in that pass (evasions.py's: per character of the basic plane, its fold
    followed by characters that read it, all entries of one length); the view's `read` then holds its output (the
    fold is every so many characters of it), else None."""
    if text.isascii():
        return View(text.lower())  # the same as casefold() for ASCII, and faster
    if display_order and RIGHT_TO_LEFT_OVERRIDE in text:
        return _in_display_order(text)
    irregular = _irregular()
    if irregular.search(text) is None:
        return _with_one_to_one_folds(text.casefold(), None, reading)
    pieces: list[str] = []
    segments = Segments()
    done = position = 0
    for match in irregular.finditer(text):
        start = max(done, match.start() - 1)  # the letter its marks belong to
        if start > done:
            pieces.append(text[done:start].casefold())
            segments.add(position, done)
            position += start - done
        folded_run, clusters = _folded_run(text[start : match.end()])
        pieces.append(folded_run)
        for offset, first, last in clusters:
            segments.add(position + offset, start + first, start + last)
        position += len(folded_run)
        done = match.end()
    if done < len(text):
        pieces.append(text[done:].casefold())
        segments.add(position, done)
    return _with_one_to_one_folds("".join(pieces), segments, reading)


@cache
def other_planes() -> re.Pattern[str]:
    """Characters beyond the basic plane, which a table indexed by code point (str.translate's) leaves as they are."""
    return re.compile("[\U00010000-\U0010ffff]")


def _with_one_to_one_folds(folded: str, segments: Segments | None, reading: Callable[[], list[str]] | None) -> View:
    """The fast path's last step (see folded_view). A table indexed by code point leaves the characters of other
    planes as they are, so `reading` is only for text without them."""
    if reading is not None and other_planes().search(folded) is None:
        table = reading()
        read = folded.translate(table)
        return View(read[:: len(table[0])], segments=segments, read=read)
    if _extras_present().search(folded) is not None:
        folded = folded.translate(one_to_one_folds())
    return View(folded, segments=segments)


@lru_cache(maxsize=4096)
def _folded_run(run: str) -> tuple[str, tuple[tuple[int, int, int], ...]]:
    """A run the fast path cannot fold, cluster by cluster: its folded text and, per cluster that yields something,
    (where its characters start in the folded run, the cluster's original start, its end)."""
    view = _by_cluster(run, fold=True)
    starts, ends = view.starts or [], view.ends or []
    clusters = tuple(
        (index, starts[index], ends[index])
        for index in range(len(view.text))
        if index == 0 or (starts[index], ends[index]) != (starts[index - 1], ends[index - 1])
    )
    return view.text, clusters


def _in_display_order(text: str) -> View:
    """The folded view with each right-to-left override's text (up to its pop, the line's end or the text's end)
    reversed, as it is displayed: `\u202edab\u202c` shows, and reads, `bad`."""
    view = _by_cluster(text, fold=True)
    starts, ends = view.starts or [], view.ends or []
    pieces: list[str] = []
    done = 0
    spans: list[tuple[int, int]] = []
    for match in re.finditer(f"{RIGHT_TO_LEFT_OVERRIDE}([^{_OVERRIDE_ENDS}]*)", text):
        first, last = match.span(1)
        # The folded characters from this override's text: found by bisection (the overrides before it, already
        # reversed, all come from text before `first`), so many overrides cost time linear in the text.
        low, high = bisect_left(starts, first), bisect_left(starts, last)
        if high - low < 2:
            continue
        pieces += (view.text[done:low], view.text[low:high][::-1])
        done = high
        starts[low:high] = starts[low:high][::-1]
        ends[low:high] = ends[low:high][::-1]
        spans.append((first, last))
    pieces.append(view.text[done:])
    return View("".join(pieces), starts, ends, tuple(spans))


def has_ignored(text: str) -> bool:
    return not text.isascii() and _has_ignored().search(text) is not None


def fold(text: str) -> str:
    """How a keyword is compared: the folded view of it (its runs of white space match any run, see evasions.py)."""
    return folded_view(text).text
