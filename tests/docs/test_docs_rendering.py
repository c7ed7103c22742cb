"""The docs site shows every page as GitHub does: mkdocs.yml's hook (mkdocs_hooks/unrendered_markdown.py) fails the
build on a list nested otherwise than by 4 spaces and on Markdown left as text, and the real pages pass it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from mkdocs_hooks.unrendered_markdown import leftover_markdown, misindented_lines

REPO = Path(__file__).resolve().parents[2]
LEFT_AS_TEXT_HINT = "the site needs a blank line before a list or table, and 4 spaces to nest"

# dify-setup.md as it was: nested for GitHub (2 and 3 spaces), flattened and run together on the site.
GARBLED = """\
# Setup

1. In Dify, add two:
   - Name `Moderation`, the moderation endpoint.
   - Name `External data`, the external data endpoint.

   Dify pings the endpoint when you save.
2. **Moderation**: choose the provider.
3. **External data tool**: choose [the tool](#setup).
  - a sub-item at 2 spaces.

- **Moderation**: a policy
  - keywords;
  - regular expressions.
"""

# Every construct a page uses, written the way both GitHub and the site read it.
WELL_FORMED = """\
# Page

Notes:

- **Moderation**: a policy
    - keywords, `**` and `[a](b)` shown as code;
    - regular expressions,
      wrapped onto a second line.
- **External data**

1. Add two:
    - Name `Moderation`.

    Dify pings the endpoint when you save.

    ```sh
    make run
    - not a list item
    ```

2. Step two
   wrapped at 3 spaces.

!!! note "A note"

    - in an admonition
        - nested

| a | b |
|---|---|
| `**x**` | [link](#page) |

```mermaid
graph LR
  A --> B
```
"""


def _build(tmp_path: Path, page: str | None, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Build with the repo's mkdocs.yml (its hook, extensions, strict mode): one page as the whole site, or the real
    docs when page is None; the hook's warnings."""
    docs = tmp_path / "docs"
    if page is not None:
        docs.mkdir()
        (docs / "index.md").write_text(page, encoding="utf-8")
    # An option set to None keeps mkdocs.yml's value.
    config = load_config(
        config_file=str(REPO / "mkdocs.yml"),
        site_dir=str(tmp_path / "site"),
        docs_dir=None if page is None else str(docs),
        nav=None if page is None else [{"Home": "index.md"}],
    )
    with caplog.at_level(logging.WARNING):
        build(config)
    return _hook_warnings(caplog)


def _hook_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage().removeprefix("unrendered_markdown: ")
        for record in caplog.records
        if record.name == "mkdocs.plugins.unrendered_markdown"
    ]


def test_a_page_nested_for_github_only_fails_the_build_naming_its_lines_and_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    with pytest.raises(Abort, match="strict mode"):
        _build(tmp_path, GARBLED, caplog)
    warnings = _hook_warnings(caplog)
    assert [warning.split("; the site")[0] for warning in warnings if "indented" in warning] == [
        "index.md:4: list item indented 3 spaces",
        "index.md:5: list item indented 3 spaces",
        "index.md:7: paragraph in a list indented 3 spaces",
        "index.md:10: list item indented 2 spaces",
        "index.md:13: list item indented 2 spaces",
        "index.md:14: list item indented 2 spaces",
    ]
    left_as_text = [warning for warning in warnings if "left as text" in warning]
    assert left_as_text == [
        f'index.md: Markdown left as text (a list item): "{text}"; {LEFT_AS_TEXT_HINT}'
        for text in (
            "- Name Moderation, the moderation endpoint.",
            "- Name External data, the external data endpoint.",
            "2. Moderation: choose the provider.",
            "3. External data tool: choose the tool.",
            "- a sub-item at 2 spaces.",
        )
    ]


def test_a_list_without_a_blank_line_before_it_fails_the_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    with pytest.raises(Abort):
        _build(tmp_path, "# Page\n\nNotes:\n- one\n- two\n", caplog)
    assert _hook_warnings(caplog) == [
        f'index.md: Markdown left as text (a list item): "{text}"; {LEFT_AS_TEXT_HINT}' for text in ("- one", "- two")
    ]


def test_a_well_formed_page_builds_with_its_lists_nested(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    assert _build(tmp_path, WELL_FORMED, caplog) == []
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<li><strong>Moderation</strong>: a policy<ul>" in html.replace("\n", "")
    assert "<p>Dify pings the endpoint when you save.</p>" in html
    assert html.count("<ol>") == 1


def test_the_real_docs_pass(tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    assert _build(tmp_path, None, caplog) == []
    assert (tmp_path / "site" / "dify-setup" / "index.html").is_file()


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("- a\n  - b\n", [(2, "list item indented 2 spaces")]),
        ("1. a\n   - b\n", [(2, "list item indented 3 spaces")]),
        ("- a\n    - b\n      - c\n", [(3, "list item indented 6 spaces")]),
        ("1. a\n\n   more about a\n", [(3, "paragraph in a list indented 3 spaces")]),
        ("1. a\n\n   ```sh\n   make run\n   ```\n", [(3, "code fence in a list indented 3 spaces")]),
        ("1. a\n   ```sh\n   make run\n   ```\n", [(2, "code fence in a list indented 3 spaces")]),
        # Right: 4 spaces per level, wrapped lines at any indentation, fenced code as it likes.
        ("- a\n    - b\n        - c\n\n    more about a\n", []),
        ("1. a\n   wrapped\n2. b\n  wrapped\n", []),
        ("```md\n- a\n  - b\n```\n", []),
        ("- a\n\nA paragraph.\n\n  An indented paragraph, outside any list.\n", []),
        ("!!! note\n\n    - a\n        - b\n", []),
    ],
)
def test_misindented_lines(markdown: str, expected: list[tuple[int, str]]) -> None:
    assert list(misindented_lines(markdown)) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Notes:\n- a</p>", [("a list item", "- a")]),
        ("<p>1. first</p>", [("a list item", "1. first")]),
        ("<li>a\n* b</li>", [("a list item", "* b")]),
        ("<p>a <strong>b</strong>\n2) c</p>", [("a list item", "2) c")]),
        ("<p>**bold** text</p>", [("bold markers", "**bold** text")]),
        ("<td>a `b</td>", [("a backtick or ~~~", "a `b")]),
        ("<p>see [x](y.md)</p>", [("a link", "see [x](y.md)")]),
        ("<p>text\n| a | b |\n|---|---|</p>", [("a table row", "| a | b |"), ("a table row", "|---|---|")]),
        ("<p>## Heading</p>", [("a heading marker", "## Heading")]),
        ('<p>!!! note "x"</p>', [("an admonition marker", '!!! note "x"')]),
        # Markdown inside code is content; a marker inside a line is prose.
        ("<p><code>**x**</code>, <code>`</code> and <code>[a](b)</code></p>", []),
        ("<p><code>- a</code> is a list item</p>", []),
        ("<pre><code>- a\n**b**\n[c](d)</code></pre>", []),
        ("<p>a - b, 3 * 4, 1. x</p>", []),
        ('<h2 id="x">Title<a class="headerlink" href="#x">&para;</a></h2>', []),
    ],
)
def test_leftover_markdown(html: str, expected: list[tuple[str, str]]) -> None:
    assert list(leftover_markdown(html)) == expected
