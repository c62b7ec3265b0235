"""Workflow Definition Language fragments the playbook templates are built from.

Every fragment is safe for any input: WDL evaluates all arguments (also both branches of if()), so a
guard never protects a call that would fail; each call here succeeds whatever value it is given.
Only functions of the 2021 function reference are used (they exist in every cloud).
"""

from __future__ import annotations

from typing import Iterable, List, Sequence

HEX_DIGITS = "0123456789abcdef"
CANDIDATE_FILLER = "-c"  # a key slot a candidate does not use; never a protected key
ENTRY_FILLER = "-p"  # the same for a ProtectedValues entry


def lit(text: str) -> str:
    """A WDL/ARM string literal: single quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def arr(values: Sequence[str]) -> str:
    return "createArray(" + ", ".join(lit(v) for v in values) + ")"


def esc(expression: str) -> str:
    """HTML-escape a value inside a comment (entity values are attacker-controlled)."""
    return (
        f"replace(replace(replace(string({expression}), '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
    )


def field(name: str, item: str = "item()") -> str:
    return f"{item}?[{lit(name)}]"


def with_fields(pairs: Iterable[tuple], item: str = "item()") -> str:
    """setProperty(...setProperty(item, k1, v1)..., kn, vn): the item with fields added."""
    expression = item
    for name, value in pairs:
        expression = f"setProperty({expression}, {lit(name)}, {value})"
    return expression


# -- the entity graph -------------------------------------------------------------------------------
def _json_of(value: str) -> str:
    """The JSON text of a one-item array holding value, after its '[': '{...' for an object."""
    return f"trim(substring(string(createArray({value})), 1))"


def is_object(value: str) -> str:
    return f"startsWith({_json_of(value)}, '{{')"


def is_array(value: str) -> str:
    return f"startsWith({_json_of(value)}, '[')"


def array_items_text(value: str) -> str:
    """The JSON text of an array's items without its brackets ('' for anything short)."""
    text = f"trim(string({value}))"
    return f"substring({text}, min(1, length({text})), max(0, sub(length({text}), 2)))"


def nested_entities_text(objects: Sequence[str], arrays: Sequence[str]) -> str:
    """For one entity: the JSON of every entity it holds, each followed by a comma ('' for none).

    Entities are serialised in full where they first occur, often inside another (a process's
    ImageFile, a file's FileHashes); a {"$ref": "N"} stands for one serialised elsewhere.
    """
    parts = []
    for name in objects:
        value = field(name)
        parts.append(f"if({is_object(value)}, concat(string({value}), ','), '')")
    for name in arrays:
        value = field(name)
        items = array_items_text(value)
        parts.append(
            f"if(and({is_array(value)}, not(empty(trim({items})))), concat({items}, ','), '')"
        )
    return "concat(" + ", ".join(parts) + ")"


def json_array_of(text: str) -> str:
    """Items followed by commas ('a,b,') as a JSON array."""
    return f"json(concat('[', take({text}, max(0, sub(length({text}), 1))), ']'))"


# -- hosts, addresses and the keys protected values are matched on ---------------------------------
def host_of_url(url: str) -> str:
    """The host of a URL (lower-cased input), or of text before the first '/' when it has no scheme."""
    after = f"substring({url}, min(length({url}), add(indexOf({url}, '://'), 3)))"
    rest = f"if(contains({url}, '://'), {after}, {url})"
    for separator in ("/", "?", "#", "\\"):
        rest = f"first(split({rest}, {lit(separator)}))"
    authority = f"last(split({rest}, '@'))"
    bracketed = f"first(split(substring({authority}, min(1, length({authority}))), ']'))"
    return f"if(startsWith({authority}, '['), {bracketed}, first(split({authority}, ':')))"


def without_trailing_dot(name: str) -> str:
    return f"if(endsWith({name}, '.'), take({name}, max(0, sub(length({name}), 1))), {name})"


def only_chars(text: str, allowed: str) -> str:
    """True when text has no character outside `allowed` (each removed by replace())."""
    expression = text
    for char in allowed:
        expression = f"replace({expression}, {lit(char)}, '')"
    return f"empty({expression})"


def is_digits(text: str) -> str:
    return f"and(not(empty({text})), lessOrEquals(length({text}), 3), {only_chars(text, '0123456789')})"


def is_hex_hash(text: str, lengths: Sequence[int]) -> str:
    sizes = "createArray(" + ", ".join(str(n) for n in lengths) + ")"
    return f"and(contains({sizes}, length({text})), {only_chars(text, HEX_DIGITS)})"


def octets(name: str) -> str:
    """The dotted parts of name, padded so that parts 0-3 always exist."""
    return f"split(concat({name}, '.x.x.x.x'), '.')"


def quad(parts: str) -> str:
    return (
        "createArray("
        + ", ".join(f"int(if({is_digits(f'{parts}[{i}]')}, {parts}[{i}], '0'))" for i in range(4))
        + ")"
    )


def quad_ok(parts: str, dots: str) -> str:
    checks = ", ".join(is_digits(f"{parts}[{i}]") for i in range(4))
    return f"and(equals({dots}, 4), {checks})"


def ipv4_number(quad_value: str, ok: str) -> str:
    """The address as an integer, or -1 when the name is not a dotted-quad IPv4 address."""
    q = [f"{quad_value}[{i}]" for i in range(4)]
    in_range = f"lessOrEquals(max({quad_value}), 255)"
    number = f"add(mul({q[0]}, 16777216), add(mul({q[1]}, 65536), add(mul({q[2]}, 256), {q[3]})))"
    return f"if(and({ok}, {in_range}), {number}, -1)"


def ipv4_network_keys(number: str, filler: str = CANDIDATE_FILLER) -> List[str]:
    """'n:<prefix>/<network>' for every prefix length: an address matches a range by one of them."""
    keys = []
    for prefix in range(33):
        size = 2 ** (32 - prefix)
        network = number if size == 1 else f"sub({number}, mod({number}, {size}))"
        keys.append(
            f"if(less({number}, 0), {lit(filler)}, concat('n:{prefix}/', string({network})))"
        )
    return keys


def ipv6_keys(ip6: str, filler: str = CANDIDATE_FILLER) -> List[str]:
    """'i:<text>' and 'v6:<first hextet prefix>' (1 to 4 hex digits, zero-padded)."""
    first = f"first(split({ip6}, ':'))"
    padded = f"substring(concat('0000', {first}), min(length({first}), 4), 4)"
    keys = [f"if(empty({ip6}), {lit(filler)}, concat('i:', {ip6}))"]
    for digits in range(1, 5):
        keys.append(
            f"if(empty({ip6}), {lit(filler)}, concat('v6:', substring({padded}, 0, {digits})))"
        )
    return keys


def domain_suffix_keys(name: str, applies: str, max_labels: int) -> List[str]:
    """'d:<a|b|c>' for the name and each parent domain (labels joined by '|')."""
    labels = f"split({name}, '.')"
    keys = []
    for count in range(max_labels, 0, -1):  # the name itself first, then its parents
        suffix = f"join(skip({labels}, max(0, sub(length({labels}), {count}))), '|')"
        keys.append(f"if({applies}, concat('d:', {suffix}), {lit(CANDIDATE_FILLER)})")
    return keys


def parent_keys(name: str, applies: str, max_labels: int) -> List[str]:
    """'p:<b|c>' for each parent of a protected domain with at least two labels (its block would
    cover the protected one)."""
    labels = f"split({name}, '.')"
    keys = []
    for start in range(1, max_labels - 1):
        suffix = f"join(skip({labels}, {start}), '|')"
        keys.append(
            f"if(and({applies}, less({start}, sub(length({labels}), 1))), "
            f"concat('p:', {suffix}), {lit(ENTRY_FILLER)})"
        )
    return keys


def powers_of_two() -> str:
    """json('[2^32, 2^31, ... 1]'): entry p is the size of a /p IPv4 network."""
    return "json('[" + ",".join(str(2 ** (32 - p)) for p in range(33)) + "]')"
