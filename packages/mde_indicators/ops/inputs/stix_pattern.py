"""Parse a STIX 2.x pattern into a small tree, once, in pure Python.

The grammar is STIX 2.1 part 9 (OASIS STIXPattern.g4); 2.0 patterns are the same language without EXISTS.
Whatever the grammar does not accept raises PatternError with the character position and what was expected;
the tree keeps every node's span so rejections can quote the pattern's own text.
"""

from __future__ import annotations

import re
from typing import Callable, Collection, List, NamedTuple, Optional, Tuple, Union

# Longest-match order of the grammar's lexer; a literal that does not lex whole falls back to its prefix
# ('t' before a bad timestamp), as ANTLR does, and the parser then names what it expected.
_TOKENS = re.compile(
    r"""
    (?P<space>[ \t\r\n\x0b\x0c\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+
        |/\*.*?\*/|//[^\r\n]*)
   |(?P<timestamp>t'\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])
        T(?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?Z')
   |(?P<hex>h'(?:[0-9A-Fa-f]{2})*')
   |(?P<binary>b'(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)')
   |(?P<string>'(?:[^'\\]|\\['\\])*')
   |(?P<float>[+-]?\d*\.\d+)
   |(?P<int>[+-]?(?:0|[1-9]\d*))
   |(?P<op><=|>=|!=|<>|==|=|<|>)
   |(?P<word>[A-Za-z_][A-Za-z0-9_-]*)
   |(?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
KEYWORDS = frozenset(
    "AND OR NOT FOLLOWEDBY LIKE MATCHES ISSUPERSET ISSUBSET EXISTS LAST IN START STOP SECONDS "
    "WITHIN REPEATS TIMES".split()
)
_BOOLEANS = ("true", "false")
_ESCAPE = re.compile(r"\\(['\\])")
LITERALS = ("string", "int", "float", "hex", "binary", "timestamp", "bool")
_ORDERABLE = frozenset(LITERALS[:-1])
_STRING_ONLY = ("LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET")
_ORDER = ("<", "<=", ">", ">=")


class PatternError(ValueError):
    """The text is not a STIX pattern; the message says where and what was expected."""


class Literal(NamedTuple):
    kind: str  # one of LITERALS
    value: str  # strings unescaped, timestamps/hex/binary without their prefix and quotes


class Comparison(NamedTuple):
    path: str  # canonical: file:hashes.'SHA-256'
    operator: str  # "=", "IN", "MATCHES", ">", "EXISTS" … ("!=" and "<>" become a negated "=")
    negated: bool
    values: Tuple[Literal, ...]
    span: Tuple[int, int]


class Combined(NamedTuple):
    operator: str  # "AND", "OR" (either level) or "FOLLOWEDBY" (observations)
    operands: Tuple[Node, ...]
    span: Tuple[int, int]


class Observation(NamedTuple):
    expression: Node  # the comparison expression in its square brackets
    span: Tuple[int, int]


class Qualified(NamedTuple):
    expression: Node
    qualifiers: Tuple[str, ...]  # "WITHIN", "REPEATS", "START"
    span: Tuple[int, int]


Node = Union[Comparison, Combined, Observation, Qualified]


class _Token(NamedTuple):
    kind: str  # a _TOKENS group, "keyword" or "end"
    text: str
    start: int
    end: int


def _tokens(text: str) -> List[_Token]:
    found = []
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup or "punct"
        if kind == "space":
            continue
        word = match.group()
        if kind == "word":
            if word in KEYWORDS:
                kind = "keyword"
            elif word in _BOOLEANS:
                kind = "bool"
        found.append(_Token(kind, word, match.start(), match.end()))
    found.append(_Token("end", "", len(text), len(text)))
    return found


def _describe(token: _Token) -> str:
    return "the end of the pattern" if token.kind == "end" else repr(token.text)


# Parentheses nested deeper than this are refused: real patterns nest a few levels, and a hostile one
# must be an invalid indicator, not a RecursionError that stops the whole feed.
MAX_NESTING = 64


class _Parser:
    """Recursive descent over the grammar's precedence: FOLLOWEDBY < OR < AND at both levels."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0

    def enter(self) -> None:
        """One level deeper into parentheses or brackets; PatternError past MAX_NESTING."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise PatternError(f"parentheses and brackets nest more than {MAX_NESTING} deep")

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        if token.kind != "end":
            self.at += 1
        return token

    def fail(self, expected: str) -> PatternError:
        token = self.peek()
        return PatternError(
            f"expected {expected} at character {token.start + 1}, found {_describe(token)}"
        )

    def expect(self, kind: str, text: Optional[str] = None, what: str = "") -> _Token:
        token = self.peek()
        if token.kind != kind or (text is not None and token.text != text):
            raise self.fail(what or repr(text))
        return self.take()

    def keyword(self, *words: str) -> Optional[_Token]:
        token = self.peek()
        if token.kind == "keyword" and token.text in words:
            return self.take()
        return None

    def pattern(self) -> Node:
        if self.peek().text not in ("[", "("):
            raise self.fail("'[' (a pattern is observation expressions in square brackets)")
        tree = self.chain(self.observation_or, "FOLLOWEDBY")
        if self.peek().kind != "end":
            raise self.fail("AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern")
        return tree

    def chain(self, operand: Callable[[], Node], operator: str) -> Node:
        first = operand()
        operands = [first]
        while self.keyword(operator):
            operands.append(operand())
        if len(operands) == 1:
            return first
        return Combined(operator, tuple(operands), (first.span[0], operands[-1].span[1]))

    def observation_or(self) -> Node:
        return self.chain(self.observation_and, "OR")

    def observation_and(self) -> Node:
        return self.chain(self.observation, "AND")

    def observation(self) -> Node:
        opening = self.peek()
        node: Node
        if opening.text == "[":
            self.take()
            self.enter()
            inner = self.chain(self.comparison_and, "OR")
            closing = self.expect("punct", "]", "AND, OR or ']'")
            self.depth -= 1
            node = Observation(inner, (opening.start, closing.end))
        elif opening.text == "(":
            self.take()
            self.enter()
            node = self.chain(self.observation_or, "FOLLOWEDBY")
            closing = self.expect("punct", ")", "AND, OR, FOLLOWEDBY, a qualifier or ')'")
            self.depth -= 1
            node = node._replace(span=(opening.start, closing.end))
        else:
            raise self.fail("'[' or '('")
        qualifiers = []
        while True:
            word = self.keyword("WITHIN", "REPEATS", "START")
            if word is None:
                break
            self.qualifier(word.text)
            qualifiers.append(word.text)
        if qualifiers:
            node = Qualified(node, tuple(qualifiers), (opening.start, self.tokens[self.at - 1].end))
        return node

    def qualifier(self, word: str) -> None:
        if word == "START":
            self.expect("timestamp", what="a timestamp t'YYYY-MM-DDTHH:MM:SSZ'")
            self.expect("keyword", "STOP")
            self.expect("timestamp", what="a timestamp t'YYYY-MM-DDTHH:MM:SSZ'")
        elif word == "WITHIN":
            number = self.peek()
            if number.kind not in ("int", "float") or number.text.startswith("-"):
                raise self.fail("a positive number of seconds")
            self.take()
            self.expect("keyword", "SECONDS")
        else:
            number = self.peek()
            if number.kind != "int" or number.text.startswith("-"):
                raise self.fail("a positive whole number")
            self.take()
            self.expect("keyword", "TIMES")

    def comparison_and(self) -> Node:
        return self.chain(self.comparison, "AND")

    def comparison(self) -> Node:
        first = self.peek()
        if first.text == "(" and first.kind == "punct":
            self.take()
            self.enter()
            inner = self.chain(self.comparison_and, "OR")
            closing = self.expect("punct", ")", "AND, OR or ')'")
            self.depth -= 1
            return inner._replace(span=(first.start, closing.end))
        if self.keyword("EXISTS"):
            path = self.object_path()
            return Comparison(
                path, "EXISTS", False, (), (first.start, self.tokens[self.at - 1].end)
            )
        path = self.object_path()
        negated = self.keyword("NOT") is not None
        token = self.peek()
        operator = token.text
        if token.kind == "op":
            self.take()
            if operator in ("!=", "<>"):
                operator, negated = "=", not negated
            elif operator == "==":
                operator = "="
            allowed = _ORDERABLE if operator in _ORDER else LITERALS
            values: Tuple[Literal, ...] = (self.literal(allowed),)
        elif token.kind == "keyword" and operator == "IN":
            self.take()
            values = self.literal_set()
        elif token.kind == "keyword" and operator in _STRING_ONLY:
            self.take()
            values = (self.literal(("string",)),)
        else:
            raise self.fail("a comparison operator (=, !=, <, >, IN, LIKE, MATCHES …)")
        return Comparison(
            path, operator, negated, values, (first.start, self.tokens[self.at - 1].end)
        )

    def object_path(self) -> str:
        kind = self.expect("word", what="an object type such as ipv4-addr or file")
        self.expect("punct", ":", "':' after the object type")
        parts = [kind.text, ":", self.path_key(first=True)]
        while self.peek().text in (".", "[") and self.peek().kind == "punct":
            if self.take().text == ".":
                parts += [".", self.path_key(first=False)]
                continue
            index = self.peek()
            if index.kind == "int" or index.text == "*":
                self.take()
            else:
                raise self.fail("a list index or '*'")
            self.expect("punct", "]", "']'")
            parts.append("[*]" if index.text == "*" else f"[{int(index.text)}]")
        return "".join(parts)

    def path_key(self, first: bool) -> str:
        token = self.peek()
        if (token.kind == "word" and "-" not in token.text) or token.kind == "string":
            return self.take().text
        where = "after ':'" if first else "after '.'"
        raise self.fail(f"a property name {where} (quote names with hyphens: 'SHA-256')")

    def literal_set(self) -> Tuple[Literal, ...]:
        self.expect("punct", "(", "'(' to open the IN list")
        values: List[Literal] = []
        if self.peek().text == ")":
            self.take()
            return ()
        values.append(self.literal(LITERALS))
        while self.peek().text == ",":
            self.take()
            values.append(self.literal(LITERALS))
        self.expect("punct", ")", "',' or ')'")
        return tuple(values)

    def literal(self, allowed: Collection[str]) -> Literal:
        token = self.peek()
        if token.kind not in allowed:
            if allowed == ("string",):
                raise self.fail("a quoted string")
            raise self.fail("a value (a quoted string, number, true/false, t'…', h'…' or b'…')")
        self.take()
        text = token.text
        if token.kind == "string":
            return Literal("string", _ESCAPE.sub(r"\1", text[1:-1]))
        if token.kind in ("hex", "binary", "timestamp"):
            return Literal(token.kind, text[2:-1])
        return Literal(token.kind, text.lstrip("+"))


def parse(text: str) -> Node:
    """The pattern's tree; PatternError when the text is not a STIX pattern."""
    return _Parser(text).pattern()
