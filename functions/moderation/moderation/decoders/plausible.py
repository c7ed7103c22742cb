"""What makes a decoding plausible: it reads as text."""

from __future__ import annotations

MIN_LETTERS_SHARE = 0.5
"""Of the characters that are not white space, at least this share must be letters: random bytes that happen to
decode are mostly digits and symbols."""


def readable(text: str) -> bool:
    """`text` reads as text: printable (white space aside), no replacement character, mostly letters."""
    if not text or "\ufffd" in text:
        return False
    visible = "".join(text.split())
    if not visible.isprintable():
        return False
    letters = sum(char.isalpha() for char in visible)
    return letters >= 2 and letters >= MIN_LETTERS_SHARE * len(visible)


def utf8_text(data: bytes) -> str | None:
    """`data` as UTF-8 text if it is that and reads as text (see readable), else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if readable(text) else None
