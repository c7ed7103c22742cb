"""The small template language of tools.json: placeholders, `#if` and `#each` blocks. Plain Python, no eval.

    {{query}}  {{app_id}}  {{inputs.NAME}}        what Dify sent
    {{result.a.b[0].c}}  {{steps.NAME.x}}        what a tool fetched (http steps by name)
    {{result.code | table}}                      a value looked up in one of the tool's `labels` tables
    {{#if PATH}} ... {{else}} ... {{/if}}        missing, null, false, blank text, [] and {} count as empty
    {{#each PATH}} {{index}} {{item.x}} {{/each}}  once per element of a list; index counts from 1

Templates are compiled when the config loads, so every mistake (unknown name, unclosed block, unknown table) is a
load error; rendering never fails. A value is inserted literally: text as is, null as "", anything else as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
NAME = r"[A-Za-z0-9_\-]+"
SEGMENTS = re.compile(rf"\.({NAME})|\[(\d+)\]")
NAMED_ROOT = re.compile(rf"(inputs|steps)\.({NAME})")
# A path: a root, then .name or [index] segments (only under roots that hold fetched data).
PATH = re.compile(rf"(?P<root>query|app_id|index|inputs\.{NAME}|(?:result|item|steps\.{NAME})(?:\.{NAME}|\[\d+\])*)")
EXPRESSION = re.compile(rf"\s*{PATH.pattern}\s*(?:\|\s*(?P<table>{NAME})\s*)?")
REQUEST_ROOTS = frozenset({"query", "app_id", "inputs"})
"""The roots that hold what Dify sent; `result`, `steps`, `item` and `index` hold what a tool fetched."""

Encode = Callable[[str], str]


class TemplateError(ValueError):
    """A template that cannot be compiled; the message quotes the offending tag."""


def to_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def is_empty(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or value is False or (isinstance(value, list | dict) and not value)


class _Path:
    __slots__ = ("keys", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # The name after inputs. or steps. is one key, whatever it looks like; other roots are followed by segments.
        head = NAMED_ROOT.match(text)
        keys: list[str | int] = [head.group(1), head.group(2)] if head else []
        rest = text[head.end() :] if head else text
        if not head:
            root, _, _ = rest.replace("[", ".").partition(".")
            keys.append(root)
            rest = rest[len(root) :]
        keys.extend(key if key else int(index) for key, index in SEGMENTS.findall(rest))
        self.keys: tuple[str | int, ...] = tuple(keys)

    @property
    def root(self) -> str:
        return str(self.keys[0])

    def get(self, scope: Mapping[str, Any]) -> Any:
        value: Any = scope
        for key in self.keys:
            if isinstance(key, int):
                value = value[key] if isinstance(value, list) and key < len(value) else None
            else:
                value = value.get(key) if isinstance(value, Mapping) else None
            if value is None:
                return None
        return value


class _Node:
    __slots__ = ()

    def render(self, scope: Mapping[str, Any], out: list[str], encode: Encode | None) -> None:
        raise NotImplementedError


class _Text(_Node):
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, scope: Mapping[str, Any], out: list[str], encode: Encode | None) -> None:
        out.append(self.text)


class _Value(_Node):
    __slots__ = ("path", "table")

    def __init__(self, path: _Path, table: Mapping[str, str] | None) -> None:
        self.path = path
        self.table = table

    def value(self, scope: Mapping[str, Any]) -> Any:
        value = self.path.get(scope)
        if self.table is not None and value is not None:
            return self.table.get(to_text(value), value)
        return value

    def render(self, scope: Mapping[str, Any], out: list[str], encode: Encode | None) -> None:
        text = to_text(self.value(scope))
        out.append(encode(text) if encode else text)


class _If(_Node):
    __slots__ = ("otherwise", "path", "then")

    def __init__(self, path: _Path) -> None:
        self.path = path
        self.then: list[_Node] = []
        self.otherwise: list[_Node] = []

    def render(self, scope: Mapping[str, Any], out: list[str], encode: Encode | None) -> None:
        for node in self.otherwise if is_empty(self.path.get(scope)) else self.then:
            node.render(scope, out, encode)


class _Each(_Node):
    __slots__ = ("body", "path")

    def __init__(self, path: _Path) -> None:
        self.path = path
        self.body: list[_Node] = []

    def render(self, scope: Mapping[str, Any], out: list[str], encode: Encode | None) -> None:
        items = self.path.get(scope)
        for index, item in enumerate(items if isinstance(items, list) else (), start=1):
            inner = {**scope, "item": item, "index": index}
            for node in self.body:
                node.render(inner, out, encode)


class Template:
    """A compiled template. `render(scope)` takes a mapping with the roots (query, app_id, inputs, result...)."""

    __slots__ = ("_nodes", "paths", "request_fields")

    def __init__(self, nodes: list[_Node], paths: list[str]) -> None:
        self._nodes = nodes
        self.paths = tuple(paths)
        """Every path the template reads, as written (e.g. "inputs.location", "result.current")."""
        self.request_fields = frozenset(path for path in self.paths if path.partition(".")[0] in REQUEST_ROOTS)
        """The request values it reads: "query", "app_id", "inputs.NAME"."""

    @property
    def is_single_value(self) -> bool:
        return len(self._nodes) == 1 and isinstance(self._nodes[0], _Value)

    def value(self, scope: Mapping[str, Any]) -> Any:
        """The value itself (not its text) of a template that is one placeholder; see is_single_value."""
        node = self._nodes[0]
        return node.value(scope) if isinstance(node, _Value) else self.render(scope)

    def render(self, scope: Mapping[str, Any], encode: Encode | None = None) -> str:
        """The text; `encode`, when given, is applied to each inserted value (not to the template's own text)."""
        out: list[str] = []
        for node in self._nodes:
            node.render(scope, out, encode)
        return "".join(out)


def compile_template(
    source: str,
    *,
    roots: frozenset[str],
    tables: Mapping[str, Mapping[str, str]] | None = None,
    blocks: bool = True,
) -> Template:
    """Compile `source`, allowing placeholders under `roots` only (e.g. {"query", "app_id", "inputs"}; "steps.NAME"
    allows one earlier http step). `blocks=False` refuses #if/#each (request parts: one value per placeholder)."""
    compiler = _Compiler(roots, tables or {}, blocks)
    position = 0
    for match in TAG.finditer(source):
        if match.start() > position:
            compiler.body.append(_Text(source[position : match.start()]))
        position = match.end()
        compiler.tag(match.group(0), match.group(1))
    if position < len(source):
        compiler.body.append(_Text(source[position:]))
    return compiler.finish()


class _Compiler:
    def __init__(self, roots: frozenset[str], tables: Mapping[str, Mapping[str, str]], blocks: bool) -> None:
        self.roots = roots
        self.tables = tables
        self.blocks = blocks
        self.nodes: list[_Node] = []
        self.paths: list[str] = []
        # Open blocks, innermost last: (kind, the node list being filled, the block's node).
        self.stack: list[tuple[str, list[_Node], _If | _Each | None]] = [("", self.nodes, None)]

    @property
    def body(self) -> list[_Node]:
        return self.stack[-1][1]

    def tag(self, tag: str, inner: str) -> None:
        stripped = inner.strip()
        if stripped.startswith(("#", "/")) or stripped == "else":
            if not self.blocks:
                raise TemplateError(f"{tag}: blocks are not allowed here, only single values")
            self._block(tag, stripped)
            return
        parsed = EXPRESSION.fullmatch(inner)
        if parsed is None:
            raise TemplateError(f"unknown placeholder {tag}; {_hint(self.roots)}")
        path = self._path(parsed.group("root"), tag)
        table_name = parsed.group("table")
        if table_name is not None and table_name not in self.tables:
            known = ", ".join(sorted(self.tables)) or "none"
            raise TemplateError(f"{tag}: no labels table '{table_name}' (tables: {known})")
        self.body.append(_Value(path, self.tables[table_name] if table_name else None))

    def _block(self, tag: str, inner: str) -> None:
        kind, _, argument = inner[1:].partition(" ")
        if inner.startswith("#") and kind in ("if", "each"):
            if not argument.strip():
                raise TemplateError(f"{tag} needs a path, e.g. {{{{#{kind} result}}}}")
            path = self._path(argument.strip(), tag)
            node: _If | _Each = _If(path) if kind == "if" else _Each(path)
            self.body.append(node)
            self.stack.append((kind, node.then if isinstance(node, _If) else node.body, node))
        elif inner == "else":
            open_kind, body, open_node = self.stack[-1]
            if not isinstance(open_node, _If) or body is open_node.otherwise:
                raise TemplateError(f"{tag} outside an {{{{#if}}}} block")
            self.stack[-1] = (open_kind, open_node.otherwise, open_node)
        elif inner in ("/if", "/each"):
            if self.stack[-1][0] != inner[1:]:
                raise TemplateError(f"{tag} does not close an open {{{{#{inner[1:]}}}}}")
            self.stack.pop()
        else:
            raise TemplateError(f"unknown block {tag}; use {{{{#if PATH}}}} or {{{{#each PATH}}}}")

    def _path(self, text: str, tag: str) -> _Path:
        in_loop = any(kind == "each" for kind, _, _ in self.stack)
        if PATH.fullmatch(text) is None:
            raise TemplateError(f"unknown placeholder {tag}; {_hint(self.roots)}")
        path = _Path(text)
        allowed = set(self.roots) | ({"item", "index"} if in_loop else set())
        if (f"steps.{path.keys[1]}" if path.root == "steps" else path.root) not in allowed:
            raise TemplateError(f"unknown placeholder {tag}; {_hint(self.roots)}")
        self.paths.append(path.text)
        return path

    def finish(self) -> Template:
        if len(self.stack) > 1:
            kind = self.stack[-1][0]
            raise TemplateError(f"{{{{#{kind}}}}} is never closed with {{{{/{kind}}}}}")
        return Template(self.nodes, self.paths)


def _hint(roots: frozenset[str]) -> str:
    order = ("query", "app_id", "inputs", "result")
    spelled = {"query": "{{query}}", "app_id": "{{app_id}}", "inputs": "{{inputs.NAME}}"}
    ranked = sorted(roots, key=lambda root: (order.index(root) if root in order else len(order), root))
    return "use " + ", ".join(spelled.get(root, f"{{{{{root}.PATH}}}}") for root in ranked)
