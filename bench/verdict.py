"""How every bench ends: each missed target on a FAIL line, else one PASS line; the exit status `make bench` reads."""

from __future__ import annotations


def verdict(failures: list[str], passed: str) -> int:
    for failure in failures:
        print(f"FAIL {failure}")
    if not failures:
        print(f"PASS: {passed}")
    return 1 if failures else 0
