"""A gettext .mo file's translations (msgstr), as shipped, each plural form on its own."""

from __future__ import annotations

import struct
from pathlib import Path

_LITTLE, _BIG = 0x950412DE, 0xDE120495


def translations(path: Path) -> list[str]:
    """Every non-empty msgstr of the catalog (not the header), decoded with the catalog's charset; [] for a file that
    is not a .mo file."""
    data = path.read_bytes()
    if len(data) < 20:
        return []
    (magic,) = struct.unpack("<I", data[:4])
    order = "<" if magic == _LITTLE else ">" if magic == _BIG else None
    if order is None:
        return []
    count, originals, translated = struct.unpack(order + "3I", data[8:20])
    pairs = []
    for index in range(count):
        original_length, original_offset = struct.unpack(
            order + "2I", data[originals + 8 * index : originals + 8 * index + 8]
        )
        length, offset = struct.unpack(order + "2I", data[translated + 8 * index : translated + 8 * index + 8])
        pairs.append((data[original_offset : original_offset + original_length], data[offset : offset + length]))
    charset = "utf-8"
    for original, translation in pairs:
        if original == b"":  # the header: "Content-Type: text/plain; charset=UTF-8"
            for line in translation.decode("ascii", "replace").splitlines():
                if line.lower().startswith("content-type:") and "charset=" in line:
                    charset = line.split("charset=")[1].strip() or charset
    texts = []
    for original, translation in pairs:
        if original == b"":
            continue
        for form in translation.split(b"\x00"):
            text = form.decode(charset, "replace") if _known(charset) else form.decode("utf-8", "replace")
            if text.strip():
                texts.append(text)
    return texts


def _known(charset: str) -> bool:
    try:
        b"".decode(charset)
    except LookupError:
        return False
    return True
