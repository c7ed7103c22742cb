"""Policy rules' regular expressions, run by RE2 (google-re2): time linear in the text's length whatever the pattern.

Python's `re` backtracks: `^(\\w+\\s?)+$` against 26 letters and a "!" takes seconds, and each letter more doubles
that; a policy must not be able to do that to the function. RE2 never backtracks, so it lacks what needs
backtracking (backreferences, lookahead and lookbehind, atomic groups, possessive quantifiers, conditionals): such a
pattern is refused at load, with a message that says which construct it is.

Where the two dialects differ on the same text, the pattern is rewritten so it keeps Python's meaning: `\\d`, `\\w`,
`\\s` (and `\\D`, `\\W`, `\\S`) are Unicode digits, letters and spaces as in Python (RE2's are ASCII), `\\Z` is the
end of the text, `\\uXXXX` and `\\UXXXXXXXX` are characters, and `{,n}` is `{0,n}` (a literal to RE2). `\\b` and
`\\B` stay RE2's, ASCII: RE2 has no Unicode word boundary (docs/moderation-policy.md, "Regular expressions (RE2)").

google-re2 is imported on the first regex compiled, so a policy without one does not load it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a Protocol class costs cold-start time, and only mypy needs it
    from collections.abc import Iterator
    from typing import Protocol

    class RegexMatch(Protocol):
        def start(self) -> int: ...

        def end(self) -> int: ...

        def span(self) -> tuple[int, int]: ...

    class UserRegex(Protocol):
        """What the matcher uses of a compiled pattern (re2's mirrors Python's `re.Pattern`)."""

        def finditer(self, text: str) -> Iterator[RegexMatch]: ...

        def search(self, text: str) -> RegexMatch | None: ...


# Python's classes in RE2 syntax, outside a [...] set and inside one (where only the positive ones and \D fit).
_SPACE = r"\t-\r\x1c-\x20\x85\p{Z}"
_CLASSES = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": r"[\p{L}\p{N}_]", "W": r"[^\p{L}\p{N}_]", "s": f"[{_SPACE}]"}
_CLASSES["S"] = f"[^{_SPACE}]"
_IN_SET = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": r"\p{L}\p{N}_", "s": _SPACE}
# Patterns compiled on first use (re caches them): this module is imported on every cold start.
_UP_TO = r"\{,(\d+)\}"

# What RE2 says about a construct it lacks -> what to tell the policy's author.
_UNSUPPORTED = (
    ("operator: (?=", "lookahead (?=...) is not supported"),
    ("operator: (?!", "negative lookahead (?!...) is not supported"),
    ("operator: (?<=", "lookbehind (?<=...) is not supported"),
    ("operator: (?<!", "negative lookbehind (?<!...) is not supported"),
    ("operator: (?>", "atomic groups (?>...) are not supported"),
    ("operator: (?(", "conditionals (?(1)...|...) are not supported"),
    ("operator: (?P", "backreferences (?P=name) are not supported"),
    ("sequence: \\g", "backreferences \\g<...> are not supported"),
    ("operator: (?#", "comments (?#...) are not supported"),
)
_POSSESSIVE = r"bad repetition operator: .*[*+?}]\+$"


def _rewrite(pattern: str) -> str:
    """`pattern` with Python's meaning in RE2's syntax (see the module's docstring); ValueError for a backreference
    or a class RE2 cannot put in a set."""
    out: list[str] = []
    at, in_set = 0, False
    while at < len(pattern):
        char = pattern[at]
        if char == "\\" and at + 1 < len(pattern):
            escaped = pattern[at + 1]
            at += 2
            if escaped in "123456789":
                raise ValueError(f"backreferences such as \\{escaped} are not supported")
            if escaped in "uU":
                digits = 4 if escaped == "u" else 8
                out.append(f"\\x{{{pattern[at : at + digits]}}}")
                at += digits
            elif escaped == "Z" and not in_set:
                out.append(r"\z")
            elif in_set and escaped in "WS":
                raise ValueError(f"\\{escaped} inside [...] is not supported: use [^...] or \\p{{...}} classes")
            else:
                out.append((_IN_SET if in_set else _CLASSES).get(escaped, "\\" + escaped))
            continue
        up_to = None if in_set else re.compile(_UP_TO).match(pattern, at)
        if up_to is not None:
            out.append(f"{{0,{up_to.group(1)}}}")
            at = up_to.end()
            continue
        if char == "[" and not in_set:
            in_set = True
            # A "]" right after "[" or "[^" is a member, not the end.
            opening = "[^]" if pattern.startswith("[^]", at) else "[]" if pattern.startswith("[]", at) else "["
            out.append(opening)
            at += len(opening)
            continue
        if char == "]" and in_set:
            in_set = False
        out.append(char)
        at += 1
    return "".join(out)


def _explain(message: str) -> str:
    for clue, explanation in _UNSUPPORTED:
        if clue in message:
            return explanation
    if re.search(_POSSESSIVE, message):
        return f"possessive quantifiers such as a++ are not supported ({message})"
    return message


@lru_cache(maxsize=256)
def compile_regex(pattern: str) -> UserRegex:
    """`pattern` compiled case-insensitively by RE2. ValueError says what is wrong, including a pattern that matches
    the empty string (it would match every text)."""
    # A compiled extension, loaded only for policies that have a regex.
    import re2  # type: ignore[import-untyped]  # noqa: PLC0415

    options: Any = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # RE2 would print every refused pattern to stderr
    rewritten = pattern
    try:
        rewritten = _rewrite(pattern)
        compiled: UserRegex = re2.compile(rewritten, options)
    except (re2.error, ValueError) as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        if reason.endswith(f": {rewritten}"):  # RE2 quotes what it was given: show the pattern as written (\d)
            reason = reason[: -len(rewritten)] + pattern
        raise ValueError(f"not a valid regular expression (RE2 syntax): {_explain(reason)}") from None
    if compiled.search("") is not None:
        raise ValueError("matches the empty string, so it would match every text")
    return compiled
