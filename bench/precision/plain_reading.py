"""The reference plain reading: does a listed keyword appear in a text as written, with no evasion reading?

Both sides are read under NFKC and case folding (accents kept), with each run of whitespace as one space. A
whole-word keyword matches only where it splits no word: a word is a run of letters, marks and digits, where a
combining mark (a Devanagari vowel sign, an accent) belongs to the letter before it, and a change between a script
written without spaces (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar) and any other script ends a word. Written
apart from the project's matcher on purpose, for being obviously right rather than fast.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from bench.precision.languages import script_group

_WHITESPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """NFKC and case folding (NFKC again after folding, which may undo it), whitespace runs as one space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _WHITESPACE.sub(" ", folded)


@functools.cache
def _kind(character: str) -> tuple[bool, bool, str]:
    """Whether a character is part of words, whether it is a mark, and its script group."""
    category = unicodedata.category(character)
    return category[0] in "LMN", category[0] == "M", script_group(character)


def word_ids(text: str) -> list[int]:
    """For each character, the number of the word it belongs to, or -1 outside words."""
    ids = []
    word, group = -1, ""
    for character in text:
        in_words, mark, character_group = _kind(character)
        if not in_words:
            ids.append(-1)
        elif mark and ids and ids[-1] >= 0:
            ids.append(word)  # a mark belongs to the letter before it
        else:
            if not ids or ids[-1] < 0 or character_group != group:
                word += 1
                group = character_group
            ids.append(word)
    return ids


class PlainReading:
    """The keywords of a policy, as plain reading finds them: `whole_word` ones only as whole words."""

    def __init__(self, whole_words: Iterable[str], substrings: Iterable[str]) -> None:
        self._whole = {plain(keyword).strip() for keyword in whole_words} - {""}
        self._substrings = {plain(keyword).strip() for keyword in substrings} - {""}
        # By first character: the lengths of the keywords that start with it, to try only those spans.
        self._whole_lengths = _lengths_by_first(self._whole)
        self._substring_lengths = _lengths_by_first(self._substrings)

    def find(self, text: str) -> str | None:
        """The first keyword that `text` plainly contains (substring keywords anywhere, whole words where they split
        no word), else None."""
        read = plain(text)
        ids = word_ids(read)
        for start, character in enumerate(read):
            for length in self._substring_lengths.get(character, ()):
                if read[start : start + length] in self._substrings:
                    return read[start : start + length]
            if not _boundary(ids, start):
                continue
            for length in self._whole_lengths.get(character, ()):
                end = start + length
                if end <= len(read) and _boundary(ids, end) and read[start:end] in self._whole:
                    return read[start:end]
        return None


def _boundary(ids: list[int], index: int) -> bool:
    """Whether position `index` (between two characters) splits no word."""
    return index in (0, len(ids)) or ids[index - 1] < 0 or ids[index] != ids[index - 1]


def _lengths_by_first(keywords: set[str]) -> dict[str, tuple[int, ...]]:
    lengths: dict[str, set[int]] = {}
    for keyword in keywords:
        lengths.setdefault(keyword[0], set()).add(len(keyword))
    return {first: tuple(sorted(found)) for first, found in lengths.items()}
