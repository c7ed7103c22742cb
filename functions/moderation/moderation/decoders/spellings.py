"""Letters spelled with other signs: Morse code, Braille cells, the NATO phonetic alphabet and Ecoji (bytes as
emoji). Each needs a run of at least three of its signs, all valid, so a dash, an ellipsis, a word like `Delta`
or a few emoji are not read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from moderation.decoders import BLOCK
from moderation.decoders.plausible import utf8_text
from moderation.decoders.scan import Words

Segments = Iterator[tuple[int, int, str, int]]

MIN_SIGNS = 3

_MORSE = dict(
    (pair[0], pair[2:])  # letter=code
    for pair in (  # noqa: SIM905 - a table reads better in rows
        "a=.- b=-... c=-.-. d=-.. e=. f=..-. g=--. h=.... i=.. j=.--- k=-.- l=.-.. m=-- n=-. o=--- p=.--. "
        "q=--.- r=.-. s=... t=- u=..- v=...- w=.-- x=-..- y=-.-- z=--.. 1=.---- 2=..--- 3=...-- 4=....- "
        "5=..... 6=-.... 7=--... 8=---.. 9=----. 0=----- .=.-.-.- ,=--..-- ?=..--.. '=.----. !=-.-.-- /=-..-. "
        '(=-.--. )=-.--.- &=.-... :=---... ;=-.-.-. ==-...- +=.-.-. -=-....- _=..--.- "=.-..-. $=...-..- '
        "@=.--.-."
    ).split()
)
_FROM_MORSE = {code: letter for letter, code in _MORSE.items()}


@cache
def _morse_runs() -> re.Pattern[str]:
    # Three codes or more apart by separators; starting with a code, so the engine skips to the dots and dashes.
    return re.compile(r"[.\-]++(?:[ /|]++[.\-]++){2,}")


# A dot and a dash meet somewhere in a run that has both: in a code, across a space or across a word's `/` (`.-`,
# `-.`, `. -`, `- .`, `. / -`, `- / .`, `. | -`, `- | .`). One search for a dash, the dot looked for around it: the
# engine skips to dashes (prose has few), where a substring search per meeting would read the whole text eight times.
_MORSE_TURN = re.compile(r"-(?:\.| \.| [/|] \.|(?<=\.-)|(?<=\. -)|(?<=\. [/|] -))")


def morse(text: str) -> Segments:
    """Codes of dots and dashes apart by spaces, words apart by `/` or `|` (`... .... .. -`); every code of the run
    valid, at least three of them, dots and dashes both."""
    if _MORSE_TURN.search(text) is None:  # cheaper than the runs' pattern
        return
    for run in _morse_runs().finditer(text):
        start, end = run.span()
        if (start > 0 and not text[start - 1].isspace()) or (end < len(text) and not text[end].isspace()):
            continue  # glued to a word: `a.-b`, `x-- -- --y`
        words = [word.split() for word in re.split("[/|]", text[start:end])]
        codes = [code for word in words for code in word]
        if len(codes) < MIN_SIGNS or any(code not in _FROM_MORSE for code in codes):
            continue
        signs = "".join(codes)
        if "." in signs and "-" in signs:
            decoded = " ".join("".join(_FROM_MORSE[code] for code in word) for word in words if word)
            yield start, end, decoded, BLOCK


# Grade-1 English Braille (as garak's probe writes it): letters, and the ten digits after the number sign.
_BRAILLE_LETTERS = "a⠁b⠃c⠉d⠙e⠑f⠋g⠛h⠓i⠊j⠚k⠅l⠇m⠍n⠝o⠕p⠏q⠟r⠗s⠎t⠞u⠥v⠧w⠺x⠭y⠽z⠵.⠲,⠂'⠄-⠤/⠌!⠖?⠦:⠒;⠰(⠶"
_FROM_BRAILLE = {_BRAILLE_LETTERS[index + 1]: _BRAILLE_LETTERS[index] for index in range(0, len(_BRAILLE_LETTERS), 2)}
_BRAILLE_DIGITS = dict(zip("⠚⠁⠃⠉⠙⠑⠋⠛⠓⠊", "0123456789", strict=True))
_CAPITAL, _NUMBER = "⠠", "⠼"


@cache
def _braille_runs() -> re.Pattern[str]:
    return re.compile("[\u2800-\u28ff]++(?:[ \t]++[\u2800-\u28ff]++)*+")


def braille(text: str) -> Segments:
    """Braille cells (U+2800-28FF), words apart by spaces; a capital sign before a letter, a number sign before
    digits. Three cells or more, every cell known."""
    for run in _braille_runs().finditer(text):
        cells = run.group()
        if len(cells) < MIN_SIGNS:
            continue
        read: list[str] = []
        capital = number = False
        for cell in cells:
            if cell == _CAPITAL:
                capital = True
            elif cell == _NUMBER:
                number = True
            elif number and cell in _BRAILLE_DIGITS:
                read.append(_BRAILLE_DIGITS[cell])
            elif cell in _FROM_BRAILLE or cell.isspace():
                letter = _FROM_BRAILLE.get(cell, " ")
                read.append(letter.upper() if capital else letter)
                capital = number = False
            else:
                break
        else:
            yield run.start(), run.end(), "".join(read), BLOCK


_NATO = Words(
    tuple(
        (  # noqa: SIM905 - a table reads better in rows
            "alfa alpha bravo charlie delta echo foxtrot golf hotel india juliett juliet kilo lima mike november "
            "oscar papa quebec romeo sierra tango uniform victor whiskey whisky xray x-ray yankee zulu"
        ).split()
    )
)
_NATO_GAP = re.compile(r"[\s,;.\-]*([/|]?)[\s,;.\-]*")
"""What may stand between two code words: separators, with `/` or `|` for a space between words."""


def nato(text: str) -> Segments:
    """Three or more code words in a row (`Sierra Hotel India Tango`), each read as its first letter; `/` or `|`
    between two is a space (else words run together: `killyourself`, which phrase keywords match)."""
    run: list[tuple[int, int, str]] = []

    def segment() -> Iterator[tuple[int, int, str, int]]:
        if len(run) >= MIN_SIGNS:
            yield run[0][0], run[-1][1], "".join(letter for _, _, letter in run).strip(), BLOCK

    for number, start, end in _NATO.find(text):
        if (start > 0 and text[start - 1].isalpha()) or (end < len(text) and text[end].isalpha()):
            continue  # inside a word: `climate`, `hotels`
        gap = _NATO_GAP.fullmatch(text, run[-1][1], start) if run else None
        if run and gap is None:
            yield from segment()
            run = []
        space = " " if gap is not None and gap.group(1) else ""
        run.append((start, end, space + _NATO.words[number][0]))
    yield from segment()


@cache
def _ecoji() -> tuple[re.Pattern[str], dict[str, int], dict[str, int]]:
    """Runs of the emoji range Ecoji's alphabet is in and its paddings (lines apart), each emoji's 10 bits, the
    fourth paddings' bits. (A plain range scans faster than the alphabet's 1,029 characters; _ecoji_bytes checks
    each.)"""
    from moderation.decoders.ecoji_table import EMOJIS, PADDING, PADDINGS_FOURTH  # noqa: PLC0415 - a 4 KB table

    signs = f"\U0001f004-\U0001f9d5{re.escape(PADDING + PADDINGS_FOURTH)}"
    values = {emoji: index for index, emoji in enumerate(EMOJIS)}
    fourth = {padding: index << 8 for index, padding in enumerate(PADDINGS_FOURTH)}
    return re.compile(f"[{signs}](?:[{signs}]|\\n)*+"), values, fourth


@cache
def _emoji() -> re.Pattern[str]:
    return re.compile("[\U0001f004-\U0001f9d5]")


def _ecoji_bytes(emojis: str) -> bytes | None:
    """Ecoji (version 1): four emoji for five bytes, the last ones padded."""
    from moderation.decoders.ecoji_table import PADDING  # noqa: PLC0415

    _, values, fourth = _ecoji()
    if len(emojis) % 4 or any(emoji not in values and emoji not in fourth and emoji != PADDING for emoji in emojis):
        return None
    data = bytearray()
    for index in range(0, len(emojis), 4):
        group = emojis[index : index + 4]
        if group[0] not in values or (PADDING in group and group.rstrip(PADDING) != group[: group.find(PADDING)]):
            return None
        kept = 5 if all(emoji in values for emoji in group) else None
        bits = [values.get(emoji, 0) for emoji in group[:3]]
        last = group[3]
        if last in fourth:
            bits.append(fourth[last])
            kept = 4
        else:
            bits.append(values.get(last, 0))
        if kept is None:
            kept = {1: 1, 2: 2, 3: 3}.get(len(group.rstrip(PADDING)))
            if kept is None:
                return None
        number = bits[0] << 30 | bits[1] << 20 | bits[2] << 10 | bits[3]
        data += number.to_bytes(5, "big")[:kept]
    return bytes(data)


def ecoji(text: str) -> Segments:
    """Four emoji or more of Ecoji's alphabet in a row (a line break may split them), in groups of four, that decode
    to text."""
    runs, _, _ = _ecoji()
    if _emoji().search(text) is None:  # most text has no emoji of Ecoji's range
        return
    for run in runs.finditer(text):
        emojis = run.group().replace("\n", "")
        if len(emojis) < 4:
            continue
        data = _ecoji_bytes(emojis)
        decoded = None if data is None else utf8_text(data)
        if decoded is not None:
            end = run.start() + len(run.group().rstrip("\n"))
            yield run.start(), end, decoded, BLOCK
