"""Read indicators from files: the MDE portal CSV template, JSON/JSON Lines with API field names, STIX 2.x
bundles and plain text lists (one value a line). Each reader yields dicts keyed by wire field names
(plus reader metadata, see problems.py); validation happens later, item by item.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from typing import IO, Any, Dict, Iterator, List, Optional

from ...errors import ConfigurationError
from ...model import Model, load_model

FORMATS = ("csv", "json", "jsonl", "stix", "text")
_EXTENSIONS = (
    (".jsonl", "jsonl"),
    (".ndjson", "jsonl"),
    (".stix.json", "stix"),
    (".stix", "stix"),
    (".json", "json"),
    (".csv", "csv"),
    (".txt", "text"),
    (".lst", "text"),
    (".list", "text"),
)
_STIX_HINT = re.compile(r'"type"\s*:\s*"(?:bundle|indicator)"')
_COMMENT = re.compile(r"(?:^|\s)#")


def open_input(path: str) -> IO[str]:
    """A text stream for a path, '-' meaning standard input."""
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig")
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ConfigurationError(f"Cannot read {path}: {exc.strerror}") from None


def guess_format(path: str, head: str) -> str:
    """The format from the file name, else from the first characters (STIX and CSV are sniffed)."""
    lower = path.lower()
    for ext, fmt in _EXTENSIONS:
        if lower.endswith(ext):
            return "stix" if fmt == "json" and _STIX_HINT.search(head) else fmt
    stripped = head.lstrip()
    if stripped.startswith(("[", "{")):
        if _STIX_HINT.search(head):
            return "stix"
        if stripped.startswith("["):
            return "json"
        return "jsonl" if stripped.count("\n{") or "}\n{" in stripped else "json"
    first = next((v for v in map(_uncomment, stripped.splitlines()) if v), "")
    return "csv" if "," in first else "text"


def _uncomment(line: str) -> str:
    return _COMMENT.split(line, maxsplit=1)[0].strip()


def _request_only(model: Model, row: Dict[str, Any]) -> Dict[str, Any]:
    """Drop response-only fields (id, createdBy …) so that `list --json` output can be re-imported."""
    response_only = {f.name for f in model.fields.values() if f.response and not f.request}
    return {k: v for k, v in row.items() if k not in response_only and not k.startswith("@odata")}


def read_csv(stream: IO[str], model: Model) -> Iterator[Dict[str, Any]]:
    columns = model.csv_columns
    by_lower = {c.lower(): f for c, f in columns.items()}
    by_lower.update({f.name.lower(): f.name for f in model.request_fields})
    reader = csv.DictReader(stream)
    for row in reader:
        item: Dict[str, Any] = {}
        for header, value in row.items():
            if header is None or value is None:
                continue
            key = by_lower.get(header.strip().lower(), header.strip())
            if value.strip():
                item[key] = value.strip()
        yield item


def read_json(stream: IO[str], model: Model) -> Iterator[Dict[str, Any]]:
    try:
        data = json.load(stream)
    except ValueError as exc:
        raise ConfigurationError(f"Not valid JSON: {exc}") from None
    if isinstance(data, dict):
        for key in (model.operations["ImportIndicators"].body_key, "value"):
            if key and isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list):
        raise ConfigurationError(
            'JSON input must be a list of indicators or {"Indicators": [...]}.'
        )
    for row in data:
        yield _request_only(model, row) if isinstance(row, dict) else {"indicatorValue": row}


def read_jsonl(stream: IO[str], model: Model) -> Iterator[Dict[str, Any]]:
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ConfigurationError(f"Line {number} is not valid JSON: {exc}") from None
        yield _request_only(model, row) if isinstance(row, dict) else {"indicatorValue": row}


def read_text(stream: IO[str], model: Model) -> Iterator[Dict[str, Any]]:
    """One value a line; '#' starts a comment; the type is detected unless given by a flag."""
    for line in stream:
        value = _uncomment(line)
        if value:
            yield {"indicatorValue": value}


def read_stix(stream: IO[str], model: Model) -> Iterator[Dict[str, Any]]:
    from .stix import read_stix as read  # the pattern parser loads only when a STIX file is read

    return read(stream, model)


def read_items(
    path: str, fmt: Optional[str] = None, model: Optional[Model] = None
) -> List[Dict[str, Any]]:
    """All items of one input file in the given (or guessed) format."""
    model = model or load_model()
    with open_input(path) as stream:
        text = stream.read()
    fmt = fmt or guess_format(path, text[:4096])
    if fmt not in READERS:
        raise ConfigurationError(f"Unknown input format {fmt!r}; use one of {', '.join(READERS)}.")
    return list(READERS[fmt](io.StringIO(text), model))


READERS = {
    "csv": read_csv,
    "json": read_json,
    "jsonl": read_jsonl,
    "stix": read_stix,
    "text": read_text,
}
