"""What makes a decoding plausible: it reads as text. Random bytes that happen to be valid UTF-8 hold control
characters, symbols, or a letter or two of scattered scripts (`iƛjwh`, `j[ޮקr&`); text does not."""

from __future__ import annotations

import re

MIN_WORD_SHARE = 0.6
"""Of the characters that are not white space, at least this share must be letters or digits (and two letters):
decoded junk is rich in symbols."""

_HEX = re.compile("(?:[0-9a-f]{2}){4,}|(?:[0-9A-F]{2}){4,}")
_SCRIPT_FAMILIES = {"HIRAGANA": "CJK", "KATAKANA": "CJK"}  # Japanese mixes them with ideographs


def _script(letter: str) -> str:
    import unicodedata  # noqa: PLC0415 - only for decoded text that is not ASCII

    script = unicodedata.name(letter, "").split(" ")[0]
    return _SCRIPT_FAMILIES.get(script, script)


def readable(text: str) -> bool:
    """`text` reads as text: no control character (but line breaks and tabs), no replacement character, mostly
    letters and digits; letters beyond ASCII, if any, all of one script and at least two, or one accented Latin letter
    (`café`, `наркотики`).
    Hex digits alone are text too: the inner encoding of a nested one (base64 of hex)."""
    visible = text.replace("\r\n", "").replace("\n", "").replace("\t", "").replace(" ", "")
    if not visible.isprintable() or "\ufffd" in visible:
        return False
    letters = [char for char in visible if char.isalpha()]
    digits = sum(char.isdigit() for char in visible)
    if _HEX.fullmatch(visible) is not None:
        return True
    if len(letters) < 2 or len(letters) + digits < MIN_WORD_SHARE * len(visible):
        return False
    other = [letter for letter in letters if not letter.isascii()]
    if not other:
        return True
    if len({_script(letter) for letter in other}) != 1:
        return False
    # One accented letter among Latin ones is text (`Mörder`, `cocaína`); one letter of an odd block is junk (`iƛjwh`).
    return len(other) >= 2 or "\u00c0" <= other[0] <= "\u017f"


def utf8_text(data: bytes) -> str | None:
    """`data` as UTF-8 text if it is that and reads as text (see readable), else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if readable(text) else None
