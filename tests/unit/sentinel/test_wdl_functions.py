"""The offline evaluator's functions give the results of the examples in Microsoft's function reference
(MicrosoftDocs/azure-docs articles/logic-apps/workflow-definition-language-functions-reference.md), and
fail where Logic Apps fails."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pytest

from mde_testkit.logicapps.definition import Response
from mde_testkit.logicapps.functions import EvaluationError
from mde_testkit.logicapps.runtime import Runner, WorkflowInvalid


def evaluate(expression: str, now: datetime | None = None) -> Any:
    runner = Runner({"actions": {}}, {}, lambda _: Response(500), lambda *_: Response(500), now=now)
    return runner.value("@" + expression)


REFERENCE = [
    ("toLower('Hello')", "hello"),
    ("concat('Hello', 'World')", "HelloWorld"),
    ("add(1, 1.5)", 2.5),
    ("addDays('2018-03-15T00:00:00Z', 10)", "2018-03-25T00:00:00.0000000Z"),
    ("addDays('2018-03-15T00:00:00Z', -5)", "2018-03-10T00:00:00.0000000Z"),
    ("addHours('2018-03-15T00:00:00Z', 10)", "2018-03-15T10:00:00.0000000Z"),
    ("addHours('2018-03-15T15:00:00Z', -5)", "2018-03-15T10:00:00.0000000Z"),
    ("addMinutes('2018-03-15T00:10:00Z', 10)", "2018-03-15T00:20:00.0000000Z"),
    ("addMinutes('2018-03-15T00:20:00Z', -5)", "2018-03-15T00:15:00.0000000Z"),
    ("addSeconds('2018-03-15T00:00:00Z', 10)", "2018-03-15T00:00:10.0000000Z"),
    ("addSeconds('2018-03-15T00:00:30Z', -5)", "2018-03-15T00:00:25.0000000Z"),
    (
        'addProperty(json(\'{ "firstName": "Sophia", "lastName": "Owen" }\'), \'middleName\', \'Anne\')',
        {"firstName": "Sophia", "lastName": "Owen", "middleName": "Anne"},
    ),
    ("and(true, true)", True),
    ("and(false, true)", False),
    ("and(false, false)", False),
    ("and(equals(1, 1), equals(2, 2))", True),
    ("and(equals(1, 1), equals(1, 2))", False),
    ("and(equals(1, 2), equals(1, 3))", False),
    ("array('hello')", ["hello"]),
    ("bool(1)", True),
    ("bool(0)", False),
    ("bool(-1)", True),
    ("bool('true')", True),
    ("bool('false')", False),
    ("coalesce(null, true, false)", True),
    ("coalesce(null, 'hello', 'world')", "hello"),
    ("coalesce(null, null, null)", None),
    ("contains('hello world', 'world')", True),
    ("contains('hello world', 'universe')", False),
    ("createArray('h', 'e', 'l', 'l', 'o')", ["h", "e", "l", "l", "o"]),
    ("div(10,5)", 2),
    ("div(11,5)", 2),
    ("div(11,5.0)", 2.2),
    ("div(11.0,5)", 2.2),
    ("encodeUriComponent('https://contoso.com')", "https%3A%2F%2Fcontoso.com"),
    ("empty('')", True),
    ("empty('abc')", False),
    ("endsWith('hello world', 'world')", True),
    ("endsWith('hello world', 'universe')", False),
    ("equals(true, 1)", True),
    ("equals('abc', 'abcd')", False),
    ("first('hello')", "h"),
    ("first(createArray(0, 1, 2))", 0),
    ("float('10.333')", 10.333),
    ("formatDateTime('03/15/2018 12:00:00', 'yyyy-MM-ddTHH:mm:ss')", "2018-03-15T12:00:00"),
    ("greater(10, 5)", True),
    ("greater('apple', 'banana')", False),
    ("greaterOrEquals(5, 5)", True),
    ("greaterOrEquals('apple', 'banana')", False),
    ("if(equals(1, 1), 'yes', 'no')", "yes"),
    ("indexOf('hello world', 'world')", 6),
    ("int('10')", 10),
    ("json('[1, 2, 3]')", [1, 2, 3]),
    ('json(\'{"fullName": "Sophia Owen"}\')', {"fullName": "Sophia Owen"}),
    (
        "intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10), createArray(6, 8, 1, 2))",
        [1, 2],
    ),
    ("join(createArray('a', 'b', 'c'), '.')", "a.b.c"),
    ("last('abcd')", "d"),
    ("last(createArray(0, 1, 2, 3))", 3),
    ("lastIndexOf('hello world hello world', 'world')", 18),
    ("lastIndexOf('hello world hello world', '')", 22),
    ("length('abcd')", 4),
    ("length(createArray(0, 1, 2, 3))", 4),
    ("less(5, 10)", True),
    ("less('banana', 'apple')", False),
    ("lessOrEquals(10, 10)", True),
    ("lessOrEquals('apply', 'apple')", False),
    ("max(1, 2, 3)", 3),
    ("max(createArray(1, 2, 3))", 3),
    ("min(1, 2, 3)", 1),
    ("min(createArray(1, 2, 3))", 1),
    ("mod(3, 2)", 1),
    ("mul(1, 2)", 2),
    ("mul(1.5, 2)", 3.0),  # a float, which the reference prints as 3
    ("not(false)", True),
    ("not(true)", False),
    ("not(equals(1, 2))", True),
    ("not(equals(1, 1))", False),
    ("or(true, false)", True),
    ("or(false, false)", False),
    ("or(equals(1, 1), equals(1, 2))", True),
    ("or(equals(1, 2), equals(1, 3))", False),
    ("range(1, 4)", [1, 2, 3, 4]),
    ("replace('the old string', 'old', 'new')", "the new string"),
    (
        'removeProperty(json(\'{ "firstName": "Sophia", "middleName": "Anne", "surName": "Owen" }\'), \'middleName\')',
        {"firstName": "Sophia", "surName": "Owen"},
    ),
    (
        'removeProperty(json(\'{ "customerName": { "firstName": "Sophia", "middleName": "Anne", "surName": "Owen" } }\')[\'customerName\'], \'middleName\')',
        {"firstName": "Sophia", "surName": "Owen"},
    ),
    (
        'setProperty(json(\'{ "firstName": "Sophia", "surName": "Owen" }\'), \'surName\', \'Hartnett\')',
        {"firstName": "Sophia", "surName": "Hartnett"},
    ),
    (
        'setProperty(json(\'{ "customerName": { "firstName": "Sophia", "surName": "Owen" } }\'), \'customerName\', setProperty(json(\'{ "customerName": { "firstName": "Sophia", "surName": "Owen" } }\')[\'customerName\'], \'surName\', \'Hartnett\'))',
        {"customerName": {"firstName": "Sophia", "surName": "Hartnett"}},
    ),
    ("skip(createArray(0, 1, 2, 3), 1)", [1, 2, 3]),
    ("split('a_b_c', '_')", ["a", "b", "c"]),
    ("split('a_b_c', ' ')", ["a_b_c"]),
    ("startsWith('hello world', 'hello')", True),
    ("startsWith('hello world', 'greetings')", False),
    ("string(10)", "10"),
    ("substring('hello world', 6, 5)", "world"),
    ("take('abcde', 3)", "abc"),
    ("take(createArray(0, 1, 2, 3, 4), 3)", [0, 1, 2]),
    ("toUpper('Hello World')", "HELLO WORLD"),
    ("trim(' Hello World  ')", "Hello World"),
    ("union(createArray(1, 2, 3), createArray(1, 2, 10, 101))", [1, 2, 3, 10, 101]),
    ("uriComponent('https://contoso.com')", "https%3A%2F%2Fcontoso.com"),
]


@pytest.mark.parametrize(("expression", "expected"), REFERENCE, ids=[e for e, _ in REFERENCE])
def test_the_function_references_examples(expression: str, expected: Any) -> None:
    got = evaluate(expression)
    assert (got == expected and type(got) is type(expected)) or (
        isinstance(expected, float) and got == pytest.approx(expected)
    ), f"{expression} -> {got!r}"


def test_sub_of_floats_as_in_the_reference() -> None:
    # the reference writes `sub(10.3, .3)` and shows 10: a double, printed to 15 digits
    assert evaluate("sub(10.3, .3)") == pytest.approx(10)


def test_utc_now_is_the_run_time_in_the_round_trip_format() -> None:
    # the reference: "Suppose today is April 15, 2018 at 1:00:00 PM" -> "2018-04-15T13:00:00.0000000Z"
    now = datetime(2018, 4, 15, 13, 0, 0, tzinfo=timezone.utc)
    assert evaluate("utcNow()", now) == "2018-04-15T13:00:00.0000000Z"


def test_guid_formats() -> None:
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", evaluate("guid()"))
    assert re.fullmatch(r"\([0-9a-f-]{36}\)", evaluate("guid('P')"))


@pytest.mark.parametrize(
    "expression",
    [
        "substring('hello world', 6, 6)",  # past the end: an error, not a shorter string
        "substring('abc', 4)",
        "int('1.5')",
        "add('1', 1)",
        "not('false')",
        "if('true', 1, 2)",
        "length(json('{}'))",
        "empty(5)",
        "join(createArray(json('{}')), ',')",
        "replace('abc', '', 'x')",
        "split('abc', '')",
        "div(1, 0)",
        "range(0, 0)",
        "take(createArray(1), -1)",
        "json('not json')",
        "concat('a', json('{}'))",
        "union(createArray(1), json('{}'))",
        "greater(1, '1')",
        "'text'?['key']",  # property selection on a string fails, also with ?
        "createArray(1)[1]",  # index out of range without ?
        "if(true, 'fine', int('x'))",  # both branches are evaluated
    ],
)
def test_type_and_range_errors_fail_as_in_logic_apps(expression: str) -> None:
    with pytest.raises(EvaluationError):
        evaluate(expression)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("nosuchfunction('a')", "unknown function"),
        ("concat('only one')", "takes 2 to any"),
        ("toLower('a', 'b')", "takes 1"),
        ("if(true, 1)", "takes 3"),
        ("utcNow('o', 'x')", "takes 0 to 1"),
    ],
)
def test_unknown_functions_and_wrong_arity_are_refused(expression: str, message: str) -> None:
    with pytest.raises(WorkflowInvalid, match=message):
        evaluate(expression)


def test_case_insensitive_where_the_reference_says_so() -> None:
    assert evaluate("indexOf('Hello World', 'WORLD')") == 6
    assert evaluate("startsWith('Hello', 'hE')") is True
    assert evaluate("endsWith('Hello', 'LO')") is True
    assert evaluate("contains('Hello', 'hello')") is False  # "This function is case-sensitive."
    assert evaluate("replace('Hello', 'hello', 'x')") == "Hello"


def test_string_of_null_and_booleans() -> None:
    assert evaluate("string(null)") == ""
    assert evaluate("string(true)") == "True"  # .NET's spelling
    assert evaluate("string(createArray(1, 'a'))") == '[1,"a"]'
    # "If the string is null, the function returns an empty object."
    assert evaluate("json(null)") == {}
