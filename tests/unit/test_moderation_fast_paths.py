"""The fast paths for ordinary text give exactly what the regular expressions they stand for give (docs/speed.md,
"The readings of December 2026"): each is checked against its regex on generated text (Hypothesis) drawn from
alphabets that make the regex's matches likely, and on a few hand-picked cases."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation import evasions
from moderation.decoders import binary, scan, spellings

# Letters, leet symbols and separators side by side; every ASCII character; a few others (a match's neighbours).
_ALPHABETS = ("ab1!@ |$+.x-_", "a1 .", string.printable, "".join(map(chr, range(128))) + "é€ß")
texts = st.one_of(*(st.text(alphabet=alphabet, max_size=60) for alphabet in _ALPHABETS))


@given(texts)
def test_one_of_each_run_is_the_runs_regex(text: str) -> None:
    assert evasions.one_of_each_run(text) == evasions._RUNS.sub("", text)


@pytest.mark.parametrize("text", ["", "a", "aa", "aab", "baaa", "\x00\x00\x7f", "..  ..", "é" * 3 + "ab"])
def test_one_of_each_run_at_the_edges(text: str) -> None:
    assert evasions.one_of_each_run(text) == evasions._RUNS.sub("", text)


def _spans(matches: Iterable[re.Match[str]]) -> list[tuple[tuple[int, int], tuple[int, int], int | None]]:
    return [(match.span(), match.span(1), match.lastindex) for match in matches]


@given(texts)
def test_spelled_apart_ascii_is_finditer(text: str) -> None:
    text = text.encode("ascii", "ignore").decode("ascii")
    assert _spans(evasions._spelled_apart_ascii(text)) == _spans(evasions._SPELLED_APART_ASCII.finditer(text))


@given(texts)
def test_edge_leets_are_finditer(text: str) -> None:
    assert evasions._edge_leets(text) == [match.span() for match in evasions._EDGE_LEET.finditer(text)]


def test_edge_leets_beyond_the_tries_read_the_whole_text() -> None:
    text = "b4d " * (evasions.MAX_EDGE_TRIES + 10) + "x1 s!"
    assert evasions._edge_leets(text) == [match.span() for match in evasions._EDGE_LEET.finditer(text)]


@given(texts)
def test_symbol_separators_are_the_regex(text: str) -> None:
    expected = [position for match in evasions._SYMBOL_SEPARATED.finditer(text) for position in range(*match.span(), 2)]
    assert evasions._symbol_separators(text) == expected


# Runs of printable ASCII apart by other characters (a line break, a tab, NUL, `é`), as often as by spaces.
@given(st.one_of(texts, st.text(alphabet="abcd1\n\t\x00é ", min_size=9, max_size=80)))
def test_token_runs_are_findall(text: str) -> None:
    assert binary._runs(text) == binary._RUNS.findall(text)


_MORSE_TURNS = (".-", "-.", ". -", "- .", ". / -", "- / .", ". | -", "- | .")


@given(st.text(alphabet=".- /|a", max_size=30))
def test_morse_turn_is_a_dot_beside_a_dash(text: str) -> None:
    assert (spellings._MORSE_TURN.search(text) is not None) == any(turn in text for turn in _MORSE_TURNS)


@given(st.text(alphabet="hexbase16 85ascidoHEXA-", max_size=40))
def test_names_are_each_word_found(text: str) -> None:
    lowered = scan.lowered(text)
    found = binary._NAMES.found(text)
    assert found == {name for name in binary._NAMES.words if name in lowered}
    assert re.search("hex|decod", lowered) is None or found & binary._HEX_NAMES
