"""Finding a few words in a text at the speed of one Aho-Corasick pass (the regex engine tries an alternation of
words at every position: ten times slower), for the decoders that look for words: the NATO code words, and the
words that name a cipher or an encoding."""

from __future__ import annotations

from functools import lru_cache

from ahocorasick_rs import AhoCorasick, MatchKind

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=1)  # the decoders of one text ask one after another
def lowered(text: str) -> str:
    """`text` with ASCII letters in lower case, position for position (str.lower may lengthen other text: `İ`)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


class Words:
    """Lower-case ASCII `words` (their automaton made on first use): `find` gives (the word's index, start, end) of
    each, leftmost-longest, in a text of any case."""

    __slots__ = ("_automaton", "words")

    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = words
        self._automaton: AhoCorasick | None = None

    def find(self, text: str) -> list[tuple[int, int, int]]:
        if self._automaton is None:
            self._automaton = AhoCorasick(list(self.words), matchkind=MatchKind.LeftmostLongest)
        return self._automaton.find_matches_as_indexes(lowered(text))


class Names:
    """Lower-case ASCII `words` (their automaton made on first use): `found` gives those that occur in a text of any
    case, in one pass (every occurrence, overlapping ones too), where a substring search per word reads the text once
    per word."""

    __slots__ = ("_automaton", "words")

    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = words
        self._automaton: AhoCorasick | None = None

    def found(self, text: str) -> frozenset[str]:
        if self._automaton is None:
            self._automaton = AhoCorasick(list(self.words))
        matches = self._automaton.find_matches_as_indexes(lowered(text), overlapping=True)
        return frozenset(self.words[number] for number, _, _ in matches)
