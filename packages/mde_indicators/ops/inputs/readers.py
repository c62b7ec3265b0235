"""Read indicators from files: the MDE portal CSV template, JSON/JSON Lines with API field names, STIX 2.x
bundles and plain text lists (one value a line). Each reader yields dicts keyed by wire field names
(plus reader metadata, see problems.py); validation happens later, item by item.

One bad object never aborts a file: a JSON Lines line that is broken or nested too deeply becomes an
item rejected with its reason, and a CSV field of any size up to FIELD_LIMIT is read (validation then
refuses an over-long value with its length). Text is UTF-8, or UTF-16/32 with a byte-order mark (what
PowerShell and Excel write); other bytes are a file-level error that says so.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from typing import IO, Any, Dict, Iterator, List, Optional

from ...errors import ConfigurationError
from ...model import Model, load_model
from ...problems import REJECTED, UNREADABLE

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
# Python's csv module refuses fields over 128 KiB and aborts the file; read up to this and let validation
# refuse an over-long value item by item.
FIELD_LIMIT = 16 * 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, path: str) -> str:
    """The text of a file's bytes: UTF-8, or UTF-16/32 with a byte-order mark."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        hint = (
            "it looks like UTF-16 without a byte-order mark"
            if encoding == "utf-8" and b"\x00" in data[:4096]
            else f"byte 0x{data[exc.start]:02x} at offset {exc.start:,} is not {encoding}"
        )
        raise ConfigurationError(
            f"Cannot read {path}: {hint}. Save it as UTF-8 (or UTF-16 with a byte-order mark)."
        ) from None


def read_input(path: str) -> str:
    """The whole text of a path, '-' meaning standard input."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        raise ConfigurationError(f"Cannot read {path}: {exc.strerror}") from None
    return decode(data, path)


def rejected(label: str, code: str, message: str) -> Dict[str, Any]:
    """An input the reader could not turn into an item, reported with its reason (problems.REJECTED)."""
    return {"indicatorValue": label, REJECTED: {"code": code, "message": message}}


def load_json(text: str, where: str) -> Any:
    """Parsed JSON, or ConfigurationError naming where (a file, a line) and why."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ConfigurationError(
            f"{where[:1].upper()}{where[1:]} is nested too deeply to hold indicators."
        ) from None
    except ValueError as exc:
        raise ConfigurationError(f"Not valid JSON ({where}): {exc}") from None


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
    limit = csv.field_size_limit(max(FIELD_LIMIT, csv.field_size_limit()))
    try:
        reader = csv.DictReader(stream)
        try:
            for row in reader:
                item: Dict[str, Any] = {}
                for header, value in row.items():
                    if header is None or value is None:
                        continue
                    key = by_lower.get(header.strip().lower(), header.strip())
                    if isinstance(value, str) and value.strip():
                        item[key] = value.strip()
                yield item
        except csv.Error as exc:
            raise ConfigurationError(f"CSV line {reader.line_num:,}: {exc}") from None
    finally:
        csv.field_size_limit(limit)


def read_json(stream: IO[str], model: Model) -> Iterator[Dict[str, Any]]:
    data = load_json(stream.read(), "the file")
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
            row = load_json(line, f"line {number:,}")
        except ConfigurationError as exc:
            yield rejected(f"line {number:,}", UNREADABLE, exc.message)
            continue
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
    text = read_input(path)
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
