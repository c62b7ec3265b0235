"""Parse Logic Apps (WDL) and ARM template expressions into a small AST.

Both languages share one grammar: literals, function calls and `['key']` / `?['key']` / `.name` accessors.
WDL strings are `@expr`, `@@literal` or text with `@{expr}` parts; ARM strings are `[expr]` (`[[` escapes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, List, Tuple, Union


class ExpressionError(ValueError):
    """An expression that does not parse."""


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Call:
    name: str  # as written; functions are matched case-insensitively
    args: Tuple[Node, ...]


@dataclass(frozen=True)
class Access:
    target: Node
    key: Node
    safe: bool  # `?[...]`: null instead of an error when the target or key is missing


Node = Union[Literal, Call, Access]

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?(?:\d+(?:\.\d+)?|\.\d+))|(?P<name>[A-Za-z_$][A-Za-z0-9_$]*)"
    r"|(?P<punct>\?\[|\?\.|[()\[\],.}]))"
)


def _tokens(text: str, start: int) -> Iterator[Tuple[str, str, int]]:
    pos = start
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"unexpected character {text[pos]!r} at {pos} in {text!r}")
        kind = match.lastgroup or ""
        yield kind, match.group(kind), match.start(kind)
        pos = match.end()
    yield "end", "", pos


class _Parser:
    def __init__(self, text: str, start: int = 0) -> None:
        self.text = text
        self.stream = _tokens(text, start)
        self.kind, self.value, self.pos = next(self.stream)

    def advance(self) -> Tuple[str, str, int]:
        current = (self.kind, self.value, self.pos)
        self.kind, self.value, self.pos = next(self.stream)
        return current

    def expect(self, value: str) -> None:
        if self.value != value or self.kind not in ("punct",):
            raise ExpressionError(f"expected {value!r} at {self.pos} in {self.text!r}")
        self.advance()

    def expression(self) -> Node:
        node = self.primary()
        while self.kind == "punct" and self.value in ("[", "?[", ".", "?."):
            op = self.advance()[1]
            if op in (".", "?."):
                kind, name, pos = self.advance()
                if kind != "name":
                    raise ExpressionError(f"expected a property name at {pos} in {self.text!r}")
                node = Access(node, Literal(name), op == "?.")
            else:
                key = self.expression()
                self.expect("]")
                node = Access(node, key, op == "?[")
        return node

    def primary(self) -> Node:
        kind, value, pos = self.advance()
        if kind == "str":
            return Literal(value[1:-1].replace("''", "'"))
        if kind == "num":
            return Literal(
                float(value) if "." in value else int(value)
            )  # `.3` too, as MS writes it
        if kind != "name":
            raise ExpressionError(f"unexpected {value or 'end'!r} at {pos} in {self.text!r}")
        if self.value != "(":
            constants = {"true": True, "false": False, "null": None}
            if value.lower() in constants:
                return Literal(constants[value.lower()])
            raise ExpressionError(f"{value!r} at {pos} is not a function call in {self.text!r}")
        self.advance()
        args: List[Node] = []
        while not (self.kind == "punct" and self.value == ")"):
            args.append(self.expression())
            if self.kind == "punct" and self.value == ",":
                self.advance()
            elif not (self.kind == "punct" and self.value == ")"):
                raise ExpressionError(f"expected ',' or ')' at {self.pos} in {self.text!r}")
        self.advance()
        return Call(value, tuple(args))


def parse(text: str) -> Node:
    """One whole expression (no leading @ or brackets)."""
    parser = _Parser(text)
    node = parser.expression()
    if parser.kind != "end":
        raise ExpressionError(f"unexpected {parser.value!r} at {parser.pos} in {text!r}")
    return node


# A WDL string value: a literal, one expression, or a template of text and expressions.
Template = Union[str, Node, List[Union[str, Node]]]


def parse_wdl_string(value: str) -> Template:
    """Split a workflow-definition string into literal text and parsed expressions."""
    if value.startswith("@@"):
        return value[1:]
    if value.startswith("@") and not value.startswith("@{"):
        return parse(value[1:])
    if "@{" not in value:
        return value
    parts: List[Union[str, Node]] = []
    pos = 0
    while True:
        start = value.find("@{", pos)
        if start < 0:
            break
        if start > pos:
            parts.append(value[pos:start])
        parser = _Parser(value, start + 2)
        parts.append(parser.expression())
        if parser.kind != "punct" or parser.value != "}":
            raise ExpressionError(f"unbalanced @{{...}} at {start} in {value!r}")
        pos = parser.pos + 1
    if pos < len(value):
        parts.append(value[pos:])
    return parts


def is_arm_expression(value: str) -> bool:
    return value.startswith("[") and not value.startswith("[[") and value.endswith("]")


def parse_arm_string(value: str) -> Template:
    """An ARM template string: `[expr]` is an expression, `[[...` a literal starting with `[`."""
    if value.startswith("[["):
        return value[1:]
    if is_arm_expression(value):
        return parse(value[1:-1])
    return value


def calls(node: Node) -> Iterator[Call]:
    """Every function call in a tree, outermost first."""
    if isinstance(node, Call):
        yield node
        for arg in node.args:
            yield from calls(arg)
    elif isinstance(node, Access):
        yield from calls(node.target)
        yield from calls(node.key)


def template_nodes(template: Template) -> List[Node]:
    if isinstance(template, str):
        return []
    if isinstance(template, list):
        return [p for p in template if not isinstance(p, str)]
    return [template]
