"""How splunkd's REST API reads paths and writes answers, as the fake splunkd models it.

- A path is decoded once: split on "/" first, then each segment percent-decoded a single time, so "%2F"
  stays inside its segment and "%253A" arrives as "%3A" (splunk-sdk-python tests/integration/
  test_storage_passwords.py deletes names holding "/" sent as "%2F"; splunklib binding.py quotes a path
  exactly once, UrlEncoded).
- EAI answers are an Atom feed unless output_mode=json asks for JSON: {"entry": [{"name", "id", "content",
  "acl"}], "paging", "messages"} (splunklib client.py reads both; docs.splunk.com REST API Reference,
  "Request and response details").
- An error is {"messages": [{"type": "ERROR", "text": ...}]} in JSON, <response><messages><msg type="ERROR">
  in XML; a missing entity is 404 "Could not find object id=<name>", an existing one 409 "An object with
  name=<name> already exists" (splunklib binding.py HTTPError reads messages[0].text).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Tuple
from urllib.parse import unquote
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

ATOM = "http://www.w3.org/2005/Atom"
SPLUNK_NS = "http://dev.splunk.com/ns/rest"


def segments(environ: Mapping[str, Any]) -> List[str]:
    """The request path's segments, each percent-decoded exactly once (never the whole path first)."""
    raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", ""))
    path = raw.split("?", 1)[0]
    return [unquote(part) for part in path.strip("/").split("/") if part != ""]


def wants_json(request: Request) -> bool:
    return request.values.get("output_mode") == "json"


def error(request: Request, status: int, text: str) -> Response:
    if wants_json(request):
        body = json.dumps({"messages": [{"type": "ERROR", "text": text}]})
        return Response(body, status=status, content_type="application/json")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<response><messages>'
        f'<msg type="ERROR">{escape(text)}</msg></messages></response>'
    )
    return Response(xml, status=status, content_type="text/xml; charset=utf-8")


def not_found(request: Request, name: str) -> Response:
    return error(request, 404, f"Could not find object id={name}")


def conflict(request: Request, name: str) -> Response:
    return error(request, 409, f"An object with name={name} already exists")


def forbidden(request: Request, user: str, needed: str) -> Response:
    return error(
        request,
        403,
        f"You (user={user}) do not have permission to perform this operation "
        f"(requires capability: {needed}).",
    )


Entry = Tuple[str, Mapping[str, Any], Mapping[str, Any]]  # name, content, acl


def acl(app: str, owner: str = "nobody", sharing: str = "app", **more: Any) -> Dict[str, Any]:
    return {"app": app, "owner": owner, "sharing": sharing, "modifiable": True, **more}


def entries(
    request: Request, base: str, items: List[Entry], status: int = 200, offset: int = 0
) -> Response:
    """An EAI feed of items (JSON or Atom as asked), honouring count/offset paging."""
    count = int(request.values.get("count") or 30)
    offset = int(request.values.get("offset") or offset)
    shown = items[offset:] if count <= 0 else items[offset : offset + count]
    if wants_json(request):
        body = {
            "origin": base,
            "entry": [
                {"name": n, "id": f"{base}/{n}", "content": dict(c), "acl": dict(a)}
                for n, c, a in shown
            ],
            "paging": {"total": len(items), "perPage": count, "offset": offset},
            "messages": [],
        }
        return Response(json.dumps(body), status=status, content_type="application/json")
    return Response(_atom(base, shown, len(items), offset), status=status, content_type="text/xml")


def _value(value: Any) -> str:
    if isinstance(value, dict):
        keys = "".join(f'<s:key name="{escape(k)}">{_value(v)}</s:key>' for k, v in value.items())
        return f"<s:dict>{keys}</s:dict>"
    if isinstance(value, (list, tuple)):
        return "<s:list>" + "".join(f"<s:item>{_value(v)}</s:item>" for v in value) + "</s:list>"
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else escape(str(value))


def _atom(base: str, shown: List[Entry], total: int, offset: int) -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<feed xmlns="{ATOM}" xmlns:s="{SPLUNK_NS}" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">',
        f"<title>{escape(base.rsplit('/', 1)[-1])}</title><id>{escape(base)}</id>",
        f"<opensearch:totalResults>{total}</opensearch:totalResults>",
        f"<opensearch:startIndex>{offset}</opensearch:startIndex>",
    ]
    for name, content, access in shown:
        merged: Dict[str, Any] = {**content, "eai:acl": dict(access)}
        parts.append(
            f"<entry><title>{escape(name)}</title><id>{escape(base)}/{escape(name)}</id>"
            f'<link href="{escape(base)}/{escape(name)}" rel="alternate"/>'
            f'<content type="text/xml">{_value(merged)}</content></entry>'
        )
    parts.append("</feed>")
    return "".join(parts)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
