"""A mkdocs hook (mkdocs.yml `hooks:`): a warning, which strict mode turns into a failed build, for Markdown that the
site would show differently from GitHub.

The site's Python-Markdown nests a list, a paragraph or a code block inside a list item only when it is indented by
4 spaces, and starts a list only after a blank line; GitHub also takes 2 or 3 spaces and no blank line. A page
written for GitHub then comes out flattened on the site, its markers printed as text, and `mkdocs build --strict`
says nothing. So this hook checks every page twice:

- its Markdown: a list item, or a paragraph or code fence that belongs to one, indented by other than a multiple of
  4 spaces (the one indentation both read alike);
- its HTML: Markdown left as text outside code (a list marker starting a line, `**`, a backtick, `](`, a table row,
  a heading or admonition marker).
"""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.pages import Page

log = get_plugin_logger("unrendered_markdown")

_LIST_ITEM = re.compile(r"( *)(?:[-*+]|\d{1,9}[.)])(?: |$)")
_FENCE = re.compile(r" *(`{3,}|~{3,})")
_NOT_NEWLINE = re.compile(r"[^\n]")

# What a line of rendered text must not hold, outside code: (pattern, what it is).
_LEFTOVERS = (
    (re.compile(r"^(?:[-*+]|\d{1,9}[.)]) "), "a list item"),
    (re.compile(r"\*\*"), "bold markers"),
    (re.compile(r"`|^~~~"), "a backtick or ~~~"),
    (re.compile(r"\]\("), "a link"),
    (re.compile(r"^\|.*\|$"), "a table row"),
    (re.compile(r"^#{1,6} "), "a heading marker"),
    (re.compile(r"^(?:!!!|\?\?\?\+?) "), "an admonition marker"),
)
# HTML's block elements, and <br>: each starts a new line of text.
_BLOCK_TAG = re.compile(
    r"address|blockquote|br|d[dlt]|details|div|fig(?:caption|ure)|h[1-6r]|li|ol|p|pre|section|summary|ul"
    r"|t(?:able|body|[dhr]|foot|head)"
)
_SKIPPED_TAGS = frozenset(("pre", "script", "style"))
_SHOWN = 80
_NESTING = "the site nests only what is indented by 4 spaces (8 for the next level, ...)"
_BLANK_LINES = "the site needs a blank line before a list or table, and 4 spaces to nest"


def misindented_lines(markdown: str) -> Iterator[tuple[int, str]]:
    """(line number, problem) for each list item, or paragraph or fence inside a list, not indented by 4 * n spaces.

    A list lasts until a line at the margin follows a blank line. Lines right after a non-blank line continue its
    paragraph whatever their indentation (wrapped text), so only list items, fences and lines after a blank count.
    """
    fence = ""
    in_list = False
    after_blank = True
    for number, line in enumerate(markdown.splitlines(), 1):
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        if fence:
            fence = "" if text.startswith(fence) and not text.rstrip().strip("`~") else fence
            continue
        if not text:
            after_blank = True
            continue
        if _LIST_ITEM.match(line):
            in_list = True
            if indent % 4:
                yield number, f"list item indented {indent} spaces"
        elif after_blank and not indent:
            in_list = False
        elif in_list and indent % 4 and (after_blank or _FENCE.match(line)):
            yield number, f"{'code fence' if _FENCE.match(line) else 'paragraph'} in a list indented {indent} spaces"
        if opening := _FENCE.match(line):
            fence = opening.group(1)
        after_blank = False


class _TextLines(HTMLParser):
    """The text of rendered HTML, one line per source line and block, inline code masked (it may hold Markdown)."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []
        self.masked: list[str] = []
        self._skipped = 0
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, 1)

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, -1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if _BLOCK_TAG.fullmatch(tag):
            self._add("\n", "\n")

    def _tag(self, tag: str, step: int) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipped += step
        elif tag == "code":
            self._code += step
        if _BLOCK_TAG.fullmatch(tag):
            self._add("\n", "\n")

    def handle_data(self, data: str) -> None:
        if not self._skipped:
            self._add(data, _NOT_NEWLINE.sub("x", data) if self._code else data)

    def _add(self, shown: str, masked: str) -> None:
        self.shown.append(shown)
        self.masked.append(masked)

    def lines(self) -> Iterator[tuple[str, str]]:
        """(line as shown, line with inline code masked), stripped, blank lines left out."""
        for shown, masked in zip("".join(self.shown).split("\n"), "".join(self.masked).split("\n"), strict=True):
            if masked.strip():
                yield shown.strip(), masked.strip()


def leftover_markdown(html: str) -> Iterator[tuple[str, str]]:
    """(what, line of text) for each line of the page's text that still holds Markdown syntax."""
    parser = _TextLines()
    parser.feed(html)
    parser.close()
    for shown, masked in parser.lines():
        for pattern, what in _LEFTOVERS:
            if pattern.search(masked):
                yield what, shown
                break


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def on_page_markdown(markdown: str, page: Page, **_: Any) -> str:
    for number, problem in misindented_lines(markdown):
        log.warning("%s:%d: %s; %s", page.file.src_uri, number, problem, _NESTING)
    return markdown


def on_page_content(html: str, page: Page, **_: Any) -> str:
    for what, text in leftover_markdown(html):
        log.warning('%s: Markdown left as text (%s): "%s"; %s', page.file.src_uri, what, _short(text), _BLANK_LINES)
    return html
