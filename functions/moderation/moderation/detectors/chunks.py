"""Cutting texts to the byte limits of the AWS APIs, keeping character positions so that results map back."""

from __future__ import annotations

_CONTINUATION_BYTE_MASK = 0xC0
_CONTINUATION_BYTE = 0x80


def byte_bounded_spans(text: str, max_bytes: int) -> list[tuple[int, int]]:
    """Consecutive (start, end) character spans covering `text`, each at most `max_bytes` in UTF-8.

    A span ends after whitespace when there is some in its second half, so that words stay whole for the detector.
    """
    spans: list[tuple[int, int]] = []
    start, length = 0, len(text)
    while start < length:
        # No character is shorter than one byte, so at most max_bytes characters can fit.
        window = text[start : start + max_bytes].encode("utf-8", "surrogatepass")
        if len(window) <= max_bytes:
            end = start + min(max_bytes, length - start)
        else:
            cut = max_bytes
            while window[cut] & _CONTINUATION_BYTE_MASK == _CONTINUATION_BYTE:  # inside a multi-byte character
                cut -= 1
            end = start + len(window[:cut].decode("utf-8", "surrogatepass"))
        if end < length:
            for index in range(end - 1, start + (end - start) // 2 - 1, -1):
                if text[index].isspace():
                    end = index + 1
                    break
        spans.append((start, end))
        start = end
    return spans
