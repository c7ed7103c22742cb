"""Cutting texts to byte limits without splitting characters, preferring word boundaries."""

from __future__ import annotations

import pytest

from moderation.detectors.chunks import byte_bounded_spans


def _pieces(text: str, max_bytes: int) -> list[str]:
    spans = byte_bounded_spans(text, max_bytes)
    assert [start for start, _ in spans] == [0] + [end for _, end in spans[:-1]]  # consecutive, no gaps
    pieces = [text[start:end] for start, end in spans]
    assert "".join(pieces) == text
    assert all(0 < len(piece.encode("utf-8", "surrogatepass")) <= max_bytes for piece in pieces)
    return pieces


def test_short_text_is_one_span() -> None:
    assert byte_bounded_spans("hello world", 1000) == [(0, 11)]
    assert byte_bounded_spans("", 1000) == []


def test_cuts_after_the_last_space_in_the_second_half() -> None:
    assert _pieces("aaaa bbbb cccc", 10) == ["aaaa bbbb ", "cccc"]


def test_a_long_word_is_cut_hard() -> None:
    assert _pieces("abcdefghij klm", 4) == ["abcd", "efgh", "ij ", "klm"]


@pytest.mark.parametrize("text", ["中文字符" * 10, "😀é" * 20, "a中😀" * 9, "x\ud800y" * 5])
def test_multibyte_characters_and_lone_surrogates_are_never_split(text: str) -> None:
    for max_bytes in (4, 5, 7, 10):
        _pieces(text, max_bytes)


def test_cjk_without_spaces_fills_each_span() -> None:
    assert _pieces("中" * 10, 7) == ["中中", "中中", "中中", "中中", "中中"]
