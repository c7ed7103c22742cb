"""Keyword variants made when a policy is compiled: the extra spellings a keyword has in what people type, each
matched as a spelling of its own (matcher.py adds it to the keyword automaton, so a text costs nothing more), with
the evasion form it names in `Found.evasions`:

- `censored`: the first vowel or every inner letter starred out (`sh*t`, `f**k`, `b*tch`, `х*й`);
- `vowelless`: a Latin word without its vowels but the first letter, four letters or more left (`btch`, `mthrfckr`);
- `short_vowelless`: the same with three letters left (`fck`, `sht`), opt-in;
- `lookalikes`: symbols that draw a letter, or a digit and a stroke (`|3itch`, `l3itch`, `co(k`);
- `letter_pairs`: two letters that look or sound like one (`rnurder`, `vvank`, `click` for `dick`, `phuck`), opt-in;
- `stretched`: a hiragana keyword with long-vowel marks after a kana (`ばーか`, `バーカ` for `ばか`);
- `rot13`, `atbash`: a Latin keyword of 6 letters or more in the cipher (`pbpnvar`), where no word names it;
- `typo`: one edit (a letter inserted, deleted, replaced, or two swapped) inside a long word, opt-in per rule with
  `typos` (`marjuana`, `ignroe previous instructions`).

Each kind's precision rule is in its function; docs/evasions.md has the measured cost of each on real text. A
variant is read as written: matcher.py keeps variants out of the evasion checks (no leetspeak or letters spelled
apart on top of them), which would cost compile time and precision.
"""

# ruff: noqa: RUF001, RUF002 - kana and Cyrillic letters are what some variants are about

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Literal, NamedTuple, get_args

CENSOR = "*"
"""What stars a letter out (`@` is leetspeak for `a`, read by evasions.py). One symbol: each more (`#`) would make as
many spellings again, and every spelling costs compile time."""

VOWELS = frozenset("aeiouáéíóúàèìòùâêîôûäëïöüåæøаеёиоуыэюяіїєαεηιουω")
"""Vowels of the alphabets a censored spelling is made in (Latin, Cyrillic, Greek): the first inner one is starred."""

MIN_CENSORED = 3
"""Letters a word needs before a censored spelling of it is read: `a*s` is no `ass`, but `f*g` is `fag`."""

MIN_VOWELLESS = 4
"""Letters a vowel-less spelling keeps to be read by default (`btch`): three-letter ones are abbreviations as often
(`cnt`, `dvd`, `src`), read only where a rule opts in to `short_vowelless` (`fck`); two are never read."""

MIN_LOOKALIKE = 3
"""Letters a word needs before a symbol may draw one of them (as for leetspeak: `o(` is no `oc`)."""

MIN_TYPO_LETTERS = 8
"""Letters a word needs before one edit of it is read as a typo: shorter words are one edit from ordinary ones."""

MIN_TYPO_PHRASE_WORDS = 3
MIN_TYPO_PHRASE_WORD = 4
"""In a phrase of MIN_TYPO_PHRASE_WORDS words or more, a word of MIN_TYPO_PHRASE_WORD letters or more may take the
typo: the other words, as written, keep it from being an ordinary phrase (`ignroe previous instructions`)."""

MAX_TYPO_SPELLINGS = 200_000
"""Typo spellings one rule may make (about 55 per letter of each long word): each is a target of the automaton."""

# Symbols (or a digit and a stroke) that draw a letter: no ordinary word holds them. The common ones only (`|)` for
# `d`, `|<` for `k`, `|-|` for `h` are rarer): each makes a spelling per place of its letter, and every spelling
# costs compile time.
LOOKALIKES: dict[str, tuple[str, ...]] = {"b": ("|3", "l3"), "c": ("(",)}
LETTER_PAIRS: dict[str, tuple[str, ...]] = {"m": ("rn",), "w": ("vv",), "d": ("cl",), "f": ("ph",)}
"""Two letters for one: these make ordinary words of keywords (`click` of `dick`, `burn` of `bum`), hence opt-in."""

_LATIN = "abcdefghijklmnopqrstuvwxyz"
_ALPHABETS = (
    (_LATIN, frozenset(_LATIN + "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœšžčřěůńłśźżąęőű")),
    ("абвгдежзийклмнопрстуфхцчшщъыьэюяё", frozenset("абвгдежзийклмнопрстуфхцчшщъыьэюяёіїєґў")),
    ("αβγδεζηθικλμνξοπρστυφχψως", frozenset("αβγδεζηθικλμνξοπρστυφχψωςάέήίόύώϊϋΐΰ")),
)
"""Per script: the letters a typo may insert or put in, and the letters that say a word is of that script."""

_HIRAGANA = frozenset(chr(code) for code in range(0x3041, 0x3097))
_LONG_VOWEL = "ー"
_NOT_STRETCHED = frozenset("っゃゅょぁぃぅぇぉゎん")
"""Kana whose vowel a long-vowel mark does not lengthen: the small ones and `ん`."""


def _words(keyword: str) -> list[str]:
    return keyword.split()


def _each_word(keyword: str, variants: Callable[[str], Iterator[str]]) -> Iterator[str]:
    """`variants` of each word of `keyword`, one word at a time, the other words as they are (`f*ck you`)."""
    if " " not in keyword:
        return variants(keyword)
    return _each_of_words(keyword, variants)


def _each_of_words(keyword: str, variants: Callable[[str], Iterator[str]]) -> Iterator[str]:
    words = _words(keyword)
    for index, word in enumerate(words):
        for variant in variants(word):
            yield " ".join([*words[:index], variant, *words[index + 1 :]])


def _censored_word(word: str) -> Iterator[str]:
    """The first vowel after the first letter starred out (`f*ck`, `b*tch`), or every letter between the first and
    the last (`f**k`): a word of MIN_CENSORED letters or more, whose first and last letters are kept (so at least
    two letters are left to read). Other vowels are not starred alone (`motherf*cker`): each would be one more
    spelling of every keyword to compile."""
    if len(word) < MIN_CENSORED or not word.isalpha() or VOWELS.isdisjoint(word.lower()):
        return  # a word of an alphabet with vowels (Latin, Cyrillic, Greek): kana and ideographs are not starred
    last = len(word) - 1
    vowel = next((index for index in range(1, last) if word[index].lower() in VOWELS), 0)
    if vowel:
        yield word[:vowel] + CENSOR + word[vowel + 1 :]
    yield word[0] + CENSOR * (last - 1) + word[last]


def censored(keyword: str) -> Iterator[str]:
    return _each_word(keyword, _censored_word)


def _skeleton(word: str) -> str:
    """A Latin word without the vowels after its first letter (`fck`), or "" if that drops nothing."""
    if not (word.isascii() and word.isalpha()):
        return ""
    skeleton = word[0] + "".join(char for char in word[1:] if char.lower() not in "aeiou")
    return "" if skeleton == word else skeleton


def vowelless(keyword: str) -> Iterator[str]:
    """Each word's skeleton of MIN_VOWELLESS letters or more (`btch`)."""
    return _each_word(
        keyword, lambda word: iter([skeleton] if len(skeleton := _skeleton(word)) >= MIN_VOWELLESS else [])
    )


def short_vowelless(keyword: str) -> Iterator[str]:
    """Each word's skeleton of three letters (`fck`, `sht`)."""
    return _each_word(keyword, lambda word: iter([skeleton] if len(skeleton := _skeleton(word)) == 3 else []))


def _substituted(table: dict[str, tuple[str, ...]]) -> Callable[[str], Iterator[str]]:
    """Each letter of `table` replaced by each of its stand-ins, one place at a time; a stand-in starting with `(`
    not as a word's first letter, where it would be an opening bracket (`(rap`)."""

    def word_variants(word: str) -> Iterator[str]:
        if len(word) < MIN_LOOKALIKE:
            return
        lower = word.lower()
        for place, letter in enumerate(lower):
            for stand_in in table.get(letter, ()):
                if place > 0 or stand_in[0] != "(":
                    yield word[:place] + stand_in + word[place + 1 :]

    return word_variants


def lookalikes(keyword: str) -> Iterator[str]:
    return _each_word(keyword, _substituted(LOOKALIKES))


def letter_pairs(keyword: str) -> Iterator[str]:
    return _each_word(keyword, _substituted(LETTER_PAIRS))


def stretched(keyword: str) -> Iterator[str]:
    """A hiragana keyword with one to three long-vowel marks after one of its kana but the last (`ばーか`, `ばーーか`;
    text in katakana folds to hiragana: `バーカ`). A keyword written in katakana is a loanword's spelling, where the
    mark is part of the word: `ラメン` does not match `ラーメン`."""
    if not all(char in _HIRAGANA or char == _LONG_VOWEL for char in keyword):
        return
    for index in range(len(keyword) - 1):
        if keyword[index] in _NOT_STRETCHED or _LONG_VOWEL in keyword[index : index + 2]:
            continue
        for marks in (_LONG_VOWEL, _LONG_VOWEL * 2, _LONG_VOWEL * 3):
            yield keyword[: index + 1] + marks + keyword[index + 1 :]


def _alphabet(word: str) -> str:
    """The letters a typo of `word` may insert or put in: its script's, and its own; none for other scripts."""
    lower = word.lower()
    for letters, script in _ALPHABETS:
        if all(char in script for char in lower):
            return "".join(dict.fromkeys(letters + lower))
    return ""


def _typo_letters(keyword: str) -> int:
    """Letters a word of `keyword` needs before a typo of it is read."""
    return MIN_TYPO_PHRASE_WORD if len(_words(keyword)) >= MIN_TYPO_PHRASE_WORDS else MIN_TYPO_LETTERS


def _typos_of_word(word: str) -> Iterator[str]:
    """Every spelling one edit away between the first and the last letters, which stay (a letter deleted, two
    neighbours swapped, a letter replaced or inserted); letters inserted or put in are those of the word's script.
    Most slips change a letter inside a word (`ignroe`, `marjuana`); changed ends make other words (`missing` of
    `pissing`)."""
    if not word.isalpha():
        return
    alphabet = _alphabet(word)
    lower = word.lower()
    last = len(word) - 1
    for index in range(1, last):
        yield word[:index] + word[index + 1 :]
        if index + 1 < last and lower[index] != lower[index + 1]:
            yield word[:index] + word[index + 1] + word[index] + word[index + 2 :]
        for letter in alphabet:
            if letter != lower[index]:
                yield word[:index] + letter + word[index + 1 :]
    for index in range(1, last + 1):
        for letter in alphabet:
            yield word[:index] + letter + word[index:]


MIN_CIPHERED = 6
"""Letters a keyword (its letters, all words together) needs before its ROT13 or Atbash spelling is read unnamed:
shorter ciphered words are often words (on real text, ROT13 of `hore` is `uber`, of `shag` `funt`, of `jebat` `wrong`;
Atbash of `yark` is `bzip`)."""

ROT13 = str.maketrans(_LATIN + _LATIN.upper(), _LATIN[13:] + _LATIN[:13] + (_LATIN[13:] + _LATIN[:13]).upper())
ATBASH = str.maketrans(_LATIN + _LATIN.upper(), _LATIN[::-1] + _LATIN[::-1].upper())
"""The two letter ciphers, for str.translate (decoders/ciphers.py reads whole ciphered texts with them too)."""


def _ciphered(table: dict[int, int]) -> Callable[[str], Iterator[str]]:
    def spellings(keyword: str) -> Iterator[str]:
        """The keyword (basic Latin letters only) in the cipher, read wherever it stands, named or not (`pbpnvar`):
        decoders/ciphers.py reads whole ciphered texts only where a word names the cipher."""
        letters = keyword.replace(" ", "")
        if keyword.isascii() and letters.isalpha() and len(letters) >= MIN_CIPHERED:
            yield keyword.translate(table)

    return spellings


rot13 = _ciphered(ROT13)
atbash = _ciphered(ATBASH)


def typos(keyword: str) -> Iterator[str]:
    """One typo in one word of _typo_letters letters or more."""
    shortest = _typo_letters(keyword)
    return _each_word(keyword, lambda word: _typos_of_word(word) if len(word) >= shortest else iter(()))


class Kind(NamedTuple):
    """One kind of variant: its name (the evasion form its matches name), whether every keyword rule reads it or
    only those that opt in, and the extra spellings it makes of a keyword (as the policy writes it)."""

    name: str
    default: bool
    spellings: Callable[[str], Iterator[str]]


KINDS = (
    Kind("censored", True, censored),
    Kind("vowelless", True, vowelless),
    Kind("short_vowelless", False, short_vowelless),
    Kind("lookalikes", True, lookalikes),
    Kind("letter_pairs", False, letter_pairs),
    Kind("stretched", True, stretched),
    Kind("rot13", True, rot13),
    Kind("atbash", True, atbash),
)
OptInVariant = Literal["short_vowelless", "letter_pairs"]
"""The kinds a rule names in its `variants` to read them (the policy's type: a name it does not know is an error)."""
OPT_IN: tuple[str, ...] = get_args(OptInVariant)
TYPO = "typo"
VARIANT_FORMS = frozenset([*(kind.name for kind in KINDS), TYPO])


def variants(keyword: str, opted: Collection[str] = (), typo_edits: int = 0) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The extra spellings of `keyword`, each with its form: the default kinds', the opt-in kinds named in `opted`,
    and with `typo_edits` (0 or 1) its typos. A spelling is made once, by the first kind that makes it."""
    made = {keyword}  # every spelling keeps the keyword's letter case: compared as they are
    chosen = [(kind.name, kind.spellings) for kind in KINDS if kind.default or kind.name in opted]
    if typo_edits:
        chosen.append((TYPO, typos))
    for name, spellings in chosen:
        forms = (name,)
        for spelling in spellings(keyword):
            if spelling not in made:
                made.add(spelling)
                yield spelling, forms


def typo_count(keywords: Collection[str]) -> int:
    """How many typo spellings `keywords` make at most (before duplicates are dropped), without making them."""
    count = 0
    for keyword in keywords:
        for word in _words(keyword):
            if len(word) >= _typo_letters(keyword) and word.isalpha():
                letters, inner = len(_alphabet(word)), len(word) - 2
                count += 2 * inner - 1 + inner * letters + (inner + 1) * letters
    return count
