"""The STIX pattern parser accepts the STIX 2.1 specification's pattern examples, builds the tree the
grammar's precedence gives, and rejects what the grammar does not accept with the position and what it expected."""

from __future__ import annotations

from typing import List

import pytest

from mde_indicators.ops.inputs.stix_pattern import (
    Combined,
    Comparison,
    Literal,
    Node,
    Observation,
    PatternError,
    Qualified,
    parse,
)

# The pattern examples printed in STIX 2.1 (OASIS Standard, 10 June 2021), part 9.9 "Pattern Examples".
SPEC_EXAMPLES = [
    r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    r"[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']",
    r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']",
    r"[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    r"([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS",
    r"[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
    r"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']",
    r"[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']",
    r"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    r"[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
    r"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
    r"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    r"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
    r"[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
    r"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
    r"[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']",
    r"[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']",
    r"[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
    r"[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
    r"[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
    r"[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    r"([file:name = 'foo.dll'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']",
    r"[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a69faa']",
]


def comparisons(node: Node) -> List[Comparison]:
    if isinstance(node, Comparison):
        return [node]
    if isinstance(node, Combined):
        return [c for op in node.operands for c in comparisons(op)]
    return comparisons(node.expression)


@pytest.mark.parametrize("pattern", SPEC_EXAMPLES)
def test_every_pattern_example_of_the_specification_parses(pattern: str) -> None:
    tree = parse(pattern)
    start, end = tree.span
    assert pattern[start:end] == pattern.strip()
    for comparison in comparisons(tree):
        begin, finish = comparison.span
        assert pattern[begin:finish].startswith(comparison.path.split(":")[0])


def test_an_or_of_comparisons_is_one_observation_with_every_value() -> None:
    tree = parse(
        "[ipv4-addr:value = '198.51.100.1' OR ipv4-addr:value IN ('203.0.113.1', '203.0.113.2')]"
    )
    assert isinstance(tree, Observation)
    assert isinstance(tree.expression, Combined) and tree.expression.operator == "OR"
    first, second = tree.expression.operands
    assert first == Comparison(
        "ipv4-addr:value", "=", False, (Literal("string", "198.51.100.1"),), (1, 33)
    )
    assert isinstance(second, Comparison) and second.operator == "IN"
    assert [v.value for v in second.values] == ["203.0.113.1", "203.0.113.2"]


def test_and_binds_tighter_than_or_and_or_tighter_than_followedby() -> None:
    tree = parse("[a:b = '1'] FOLLOWEDBY [a:b = '2'] OR [a:b = '3'] AND [a:b = '4']")
    assert isinstance(tree, Combined) and tree.operator == "FOLLOWEDBY"
    right = tree.operands[1]
    assert isinstance(right, Combined) and right.operator == "OR"
    assert isinstance(right.operands[1], Combined) and right.operands[1].operator == "AND"
    inner = parse("[a:b = '1' OR a:b = '2' AND a:b = '3']")
    assert isinstance(inner, Observation) and isinstance(inner.expression, Combined)
    assert inner.expression.operator == "OR"
    assert [c.values[0].value for c in comparisons(inner.expression.operands[1])] == ["2", "3"]


def test_qualifiers_wrap_the_observation_they_follow() -> None:
    tree = parse(
        "([a:b = '1'] OR [a:b = '2']) REPEATS 2 TIMES WITHIN 5.5 SECONDS "
        "START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00.5Z'"
    )
    assert isinstance(tree, Qualified)
    assert tree.qualifiers == ("REPEATS", "WITHIN", "START")
    assert isinstance(tree.expression, Combined) and tree.expression.span == (0, 28)


def test_not_equal_forms_are_a_negated_equality_and_a_double_negation_is_equality() -> None:
    for text in ("[a:b != 'x']", "[a:b <> 'x']", "[a:b NOT = 'x']"):
        (comparison,) = comparisons(parse(text))
        assert (comparison.operator, comparison.negated) == ("=", True), text
    (twice,) = comparisons(parse("[a:b NOT != 'x']"))
    assert (twice.operator, twice.negated) == ("=", False)
    (same,) = comparisons(parse("[a:b == 'x']"))
    assert same.operator == "="


def test_object_paths_are_canonical_whatever_the_spacing() -> None:
    (comparison,) = comparisons(
        parse("[ file : hashes . 'SHA-256' = 'x' /* comment */ ]  // trailing comment")
    )
    assert comparison.path == "file:hashes.'SHA-256'"
    (indexed,) = comparisons(parse("[a:b[*].c[-1].'d-e'[0] = 'x']"))
    assert indexed.path == "a:b[*].c[-1].'d-e'[0]"


def test_literals_keep_their_kind_and_strings_lose_their_escapes() -> None:
    (comparison,) = comparisons(
        parse(
            r"[a:b IN ('it\'s', 'C:\\dir', -5, +7, 1.5, true, h'ffd8', b'YWJj', t'2020-01-01T00:00:00Z')]"
        )
    )
    assert comparison.values == (
        Literal("string", "it's"),
        Literal("string", "C:\\dir"),
        Literal("int", "-5"),
        Literal("int", "7"),
        Literal("float", "1.5"),
        Literal("bool", "true"),
        Literal("hex", "ffd8"),
        Literal("binary", "YWJj"),
        Literal("timestamp", "2020-01-01T00:00:00Z"),
    )
    assert comparisons(parse("[a:b IN ()]"))[0].values == ()


def test_exists_and_string_operators_parse() -> None:
    operators = [
        (c.operator, c.negated)
        for c in comparisons(
            parse(
                "[EXISTS a:b AND a:c NOT LIKE 'x%' AND a:d MATCHES '^x' "
                "AND a:e ISSUBSET '10.0.0.0/8' AND a:f ISSUPERSET '10.0.0.0/8' AND a:g >= 5]"
            )
        )
    ]
    assert operators == [
        ("EXISTS", False),
        ("LIKE", True),
        ("MATCHES", False),
        ("ISSUBSET", False),
        ("ISSUPERSET", False),
        (">=", False),
    ]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("file:size = 1280", "expected '[' (a pattern is observation expressions in square brackets) at character 1, found 'file'"),
        ("[file:size = ]", "expected a value (a quoted string, number, true/false, t'…', h'…' or b'…') at character 14, found ']'"),
        ("[file:hashes.MD5 = cead3f77]", "expected a value (a quoted string, number, true/false, t'…', h'…' or b'…') at character 20, found 'cead3f77'"),
        ("[file.size = 1280]", "expected ':' after the object type at character 6, found '.'"),
        ("[file:name MATCHES /.*\\.dll/]", "expected a quoted string at character 20, found '/'"),
        ("[a:b = 'x'] WITHIN ]", "expected a positive number of seconds at character 20, found ']'"),
        ("[a:b = 'x'] WITHIN 5 HOURS", "expected 'SECONDS' at character 22, found 'HOURS'"),
        ("[a:b = 'x'] WITHIN -5 SECONDS", "expected a positive number of seconds at character 20, found '-5'"),
        ("[a:b = 'x'] REPEATS 1.5 TIMES", "expected a positive whole number at character 21, found '1.5'"),
        ("[a:b ISSUBSET ]", "expected a quoted string at character 15, found ']'"),
        ("[a:b =? 'x']", "expected a value (a quoted string, number, true/false, t'…', h'…' or b'…') at character 7, found '?'"),
        ("[a:b = t'2457-73-22T32:81:84.1Z']", "found 't'"),
        ("[a:b = b'====']", "found 'b'"),
        ("[a:b = 'x'] within 2 seconds", "expected AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern at character 13, found 'within'"),
        ("[a:b = 'x'] and [a:b = 'y']", "found 'and'"),
        ("[a:b > true]", "found 'true'"),
        ("[file:hashes.SHA-256 = 'x']", "expected a property name after '.' (quote names with hyphens: 'SHA-256') at character 14, found 'SHA-256'"),
        ("['domain-name':value = 'x']", "expected an object type such as ipv4-addr or file at character 2, found \"'domain-name'\""),
        ("[a:b = 'unterminated]", "found \"'\""),
        ("[a:b = 'x\\d']", "found \"'\""),
        ("[a:b = 'x'", "expected AND, OR or ']' at character 11, found the end of the pattern"),
        ("[a:b IN ('x' 'y')]", "expected ',' or ')' at character 14, found \"'y'\""),
        ("[a:b[x] = 'y']", "expected a list index or '*' at character 6, found 'x'"),
        ("[]", "expected an object type such as ipv4-addr or file at character 2, found ']'"),
        ("", "expected '[' (a pattern is observation expressions in square brackets) at character 1, found the end of the pattern"),
        ("[a:b = 'x'] [a:b = 'y']", "found '['"),
        ("[a:b 'x']", "expected a comparison operator"),
    ],
)  # fmt: skip
def test_what_the_grammar_refuses_is_reported_with_its_position(pattern: str, message: str) -> None:
    with pytest.raises(PatternError) as raised:
        parse(pattern)
    assert message in str(raised.value)
