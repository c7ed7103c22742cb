"""Encoders for the decoder tests and bench/decoders.py, written from each scheme as garak's encoding probes use it
(garak 0.17: probes/encoding.py, resources/smuggling/smuggle_ascii.py), so the decoders are checked against text
made the way attackers' tools make it. Python's base64, binascii and quopri cover the byte encodings."""

from __future__ import annotations

from moderation.decoders.ecoji_table import EMOJIS, PADDING, PADDINGS_FOURTH

ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def unicode_tags(text: str, emoji: str = "😈") -> str:
    """Each ASCII character as the tag character U+E0000 + its code, after an emoji."""
    return emoji + "".join(chr(0xE0000 + ord(char)) for char in text)


def selector_codes(text: str) -> str:
    """garak's variation-selector smuggling: each character as U+E0100 + its code."""
    return "".join(chr(0xE0100 + ord(char)) for char in text)


def selector_bytes(data: bytes) -> str:
    """Bytes in variation selectors (the scheme most tools use): 0-15 as U+FE00-FE0F, 16-255 as U+E0100-E01EF."""
    return "".join(chr(0xFE00 + byte) if byte < 16 else chr(0xE0100 + byte - 16) for byte in data)


def sneaky_bits(text: str) -> str:
    """Each character's binary without leading zeros, 0 as U+2062, 1 as U+2064; a space as U+200B."""
    return "".join(
        "\u200b" if char == " " else bin(ord(char))[2:].replace("0", "\u2062").replace("1", "\u2064") for char in text
    )


def ecoji(data: bytes) -> str:
    """Ecoji version 1: five bytes as four emoji of 10 bits each; a short last group padded (a fourth emoji of the
    paddings holds the two high bits of a group of four bytes); a line break at the end, as the ecoji tool writes."""
    emoji: list[str] = []
    for start in range(0, len(data), 5):
        group = data[start : start + 5]
        size = len(group)
        b = list(group) + [0] * (5 - size)
        values = [b[0] << 2 | b[1] >> 6, (b[1] & 0x3F) << 4 | b[2] >> 4, (b[2] & 0x0F) << 6 | b[3] >> 2]
        kept = [EMOJIS[value] for value in values[: min(size, 3)]]
        if size == 5:
            kept.append(EMOJIS[(b[3] & 0x03) << 8 | b[4]])
        elif size == 4:
            kept.append(PADDINGS_FOURTH[b[3] & 0x03])
        emoji += kept + [PADDING] * (4 - len(kept))
    return "".join(emoji) + "\n"


ROT13 = str.maketrans(
    ALPHABET + ALPHABET.upper(), ALPHABET[13:] + ALPHABET[:13] + (ALPHABET[13:] + ALPHABET[:13]).upper()
)
ATBASH = str.maketrans(ALPHABET + ALPHABET.upper(), ALPHABET[::-1] + ALPHABET[::-1].upper())

MORSE = dict(
    zip(
        ALPHABET + "0123456789 ",
        (  # noqa: SIM905 - a table reads better in rows
            ".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- ...- .-- -..- "
            "-.-- --.. ----- .---- ..--- ...-- ....- ..... -.... --... ---.. ----. /"
        ).split(),
        strict=True,
    )
)
NATO = dict(
    zip(
        ALPHABET,
        (  # noqa: SIM905 - a table reads better in rows
            "Alfa Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima Mike November Oscar Papa "
            "Quebec Romeo Sierra Tango Uniform Victor Whiskey Xray Yankee Zulu"
        ).split(),
        strict=True,
    )
)
BRAILLE = dict(zip(ALPHABET + " ", "⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚⠅⠇⠍⠝⠕⠏⠟⠗⠎⠞⠥⠧⠺⠭⠽⠵ ", strict=True))


def morse(text: str) -> str:
    """Codes apart by spaces, a space as `/` (garak's form)."""
    return " ".join(MORSE[char] for char in text.lower() if char in MORSE)


def nato(text: str) -> str:
    """Each letter's code word; spaces and other characters dropped (garak's form)."""
    return " ".join(NATO[char] for char in text.lower() if char in NATO)


def braille(text: str) -> str:
    """Grade-1 letters; a capital sign before a capital."""
    return "".join(("⠠" + BRAILLE[char.lower()]) if char.isupper() else BRAILLE[char] for char in text)
