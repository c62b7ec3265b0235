"""Drive a Splunk search command exactly as splunkd does: the chunked protocol (v2) over stdin/stdout.

Starts `python bin/<command>.py` without arguments, sends getinfo, then execute chunks with CSV bodies
(several, the last one finished), reading one reply per chunk; a generating command is asked for more
until it says finished. Used by the tests, the demo and the benchmarks.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

Chunk = Tuple[Dict[str, Any], bytes]


def chunk(meta: Mapping[str, Any], body: bytes = b"") -> bytes:
    encoded = json.dumps(meta).encode()
    return b"chunked 1.0,%d,%d\n" % (len(encoded), len(body)) + encoded + body


def read_chunk(stream: IO[bytes]) -> Optional[Chunk]:
    header = stream.readline()
    while header and not header.strip():
        header = stream.readline()
    if not header:
        return None
    _, meta_len, body_len = header.strip().split(b",")
    meta = stream.read(int(meta_len))
    body = stream.read(int(body_len))
    return (json.loads(meta) if meta else {}), body


def _mv_encode(values: Sequence[Any]) -> str:
    return ";".join("$" + str(v).replace("$", "$$") + "$" for v in values)


def _mv_decode(text: str) -> List[str]:
    values, current, inside, i = [], [], False, 0
    while i < len(text):
        ch = text[i]
        if ch == "$" and inside and text[i + 1 : i + 2] == "$":
            current.append("$")
            i += 1
        elif ch == "$":
            inside = not inside
            if not inside:
                values.append("".join(current))
                current = []
        elif inside:
            current.append(ch)
        i += 1
    return values


def to_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """splunkd's input CSV: a header, \\n line ends, __mv_ companions for multivalue fields."""
    names: Dict[str, None] = {}
    multi: Dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
        multi.update(dict.fromkeys(k for k, v in row.items() if isinstance(v, (list, tuple))))
    columns = [c for n in names for c in ([n, f"__mv_{n}"] if n in multi else [n])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # With "\n" line ends csv quotes a field with "\n" but not one with a lone "\r", which a reader then
    # takes for a line end; splunkd quotes such fields, so rows holding one are written fully quoted.
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for row in rows:
        line = []
        for n in names:
            value = row.get(n)
            if isinstance(value, (list, tuple)):
                line += ["\n".join(map(str, value)), _mv_encode(value)]
            else:
                line += ["" if value is None else str(value)] + ([""] if n in multi else [])
        (quoted if any("\r" in cell for cell in line) else writer).writerow(line)
    return out.getvalue().encode()


def from_csv(body: bytes) -> List[Dict[str, Any]]:
    """Records of a reply: multivalue fields as lists, __mv_ columns folded in."""
    if not body:
        return []
    csv.field_size_limit(sys.maxsize)  # a search can carry megabyte fields; splunkd reads them too
    rows = []
    for raw in csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")):
        record: Dict[str, Any] = {}
        for name, value in raw.items():
            if name.startswith("__mv_"):
                continue
            mv = raw.get(f"__mv_{name}")
            record[name] = _mv_decode(mv) if mv else value
        rows.append(record)
    return rows


@dataclass
class CommandRun:
    """What one command invocation returned: rows, reply metadata, inspector messages, exit code."""

    rows: List[Dict[str, Any]] = field(default_factory=list)
    getinfo: Dict[str, Any] = field(default_factory=dict)
    replies: List[Dict[str, Any]] = field(default_factory=list)
    returncode: Optional[int] = None
    stderr: str = ""

    @property
    def messages(self) -> List[Tuple[str, str]]:
        found = []
        for meta in [self.getinfo, *self.replies]:
            found += [tuple(m) for m in (meta.get("inspector") or {}).get("messages") or []]
        return found  # type: ignore[return-value]

    def errors(self) -> List[str]:
        return [text for level, text in self.messages if level in ("ERROR", "FATAL")]


def searchinfo(
    command_line: str,
    *,
    app: str,
    splunkd_uri: str,
    session_key: str,
    dispatch_dir: str,
    **extra: Any,
) -> Dict[str, Any]:
    words = shlex.split(command_line)
    info = {
        "args": words[1:],
        "raw_args": words[1:],
        "dispatch_dir": dispatch_dir,
        "sid": extra.pop("sid", "1700000000.42"),
        "app": app,
        "owner": extra.get("username", "admin"),
        "username": extra.pop("username", "admin"),
        "session_key": session_key,
        "splunkd_uri": splunkd_uri,
        "splunk_version": "9.4.0",
        "search": "%7C%20" + "%20".join(words),
        "earliest_time": "0",
        "latest_time": "0",
        "maxresultrows": extra.pop("maxresultrows", 50000),
        "command": words[0],
    }
    info.update(extra)
    return info


def run_command(
    app_dir: Path,
    command_line: str,
    rows: Iterable[Mapping[str, Any]] = (),
    env: Optional[Mapping[str, str]] = None,
    *,
    splunkd_uri: str,
    session_key: str,
    python: str = sys.executable,
    chunk_size: int = 1000,
    preview: bool = False,
    timeout: float = 600,
    **info: Any,
) -> CommandRun:
    """Run `| <command_line>` over rows the way splunkd runs a chunked command; returns what came back."""
    app_dir = Path(app_dir)
    name = shlex.split(command_line)[0]
    run = CommandRun()
    with (
        tempfile.TemporaryDirectory(prefix="dispatch-") as dispatch,
        tempfile.TemporaryFile() as err,
    ):
        proc = subprocess.Popen(
            [python, str(app_dir / "bin" / f"{name}.py")],
            cwd=str(app_dir / "bin"), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
            env=dict(env if env is not None else os.environ),
        )  # fmt: skip
        assert proc.stdin and proc.stdout
        try:
            meta = {
                "action": "getinfo",
                "preview": preview,
                "searchinfo": searchinfo(
                    command_line, app=app_dir.name, splunkd_uri=splunkd_uri,
                    session_key=session_key, dispatch_dir=dispatch, **info,
                ),
            }  # fmt: skip
            proc.stdin.write(chunk(meta))
            proc.stdin.flush()
            reply = read_chunk(proc.stdout)
            run.getinfo = reply[0] if reply else {}
            if reply and not run.errors():
                _exchange(proc, run, list(rows), chunk_size)
            proc.stdin.close()
            run.returncode = proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        run.stderr = err.read().decode("utf-8", "replace")
    return run


def _exchange(
    proc: subprocess.Popen, run: CommandRun, rows: List[Mapping[str, Any]], size: int
) -> None:
    assert proc.stdin and proc.stdout
    generating = bool(run.getinfo.get("generating"))
    batches = [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
    if generating:
        batches = [[]]
    index = 0
    while True:
        batch = batches[min(index, len(batches) - 1)]
        finished = not generating and index >= len(batches) - 1
        body = to_csv(batch) if batch else b""
        try:
            proc.stdin.write(chunk({"action": "execute", "finished": finished}, body))
            proc.stdin.flush()
        except BrokenPipeError:
            return
        reply = read_chunk(proc.stdout)
        if reply is None:
            return
        run.replies.append(reply[0])
        run.rows += from_csv(reply[1])
        index += 1
        if finished or reply[0].get("finished") or (reply[0].get("inspector") and run.errors()):
            return
