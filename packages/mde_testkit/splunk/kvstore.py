"""The KV Store data API of the fake splunkd (storage/collections/data/<collection>), modelled on
docs.splunk.com "KV Store endpoints" (REST API Reference) and "Use the REST API to manage KV Store":

- only collections the app declares in collections.conf exist (404 otherwise);
- every stored document carries `_key` (given or generated) and `_user`, the namespace owner the request
  came through (servicesNS/<owner>/...: "nobody" for the app's shared collections); a `_user` sent by the
  client is not kept;
- query= takes $lt/$lte/$gt/$gte/$ne/$in/$and/$or, plus sort=, limit=, skip= and fields=; DELETE without a
  key deletes what query= selects;
- batch_save takes at most max_documents_per_batch_save documents (limits.conf [kvstore], 1000 by
  default) and answers the keys it saved;
- reading needs the collection's read ACL, writing its write ACL (metadata/default.meta
  [collections/<name>]) or admin_all_objects.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any, Callable, Dict, List, Set

from werkzeug.wrappers import Request, Response

from . import rest

MAX_BATCH_SAVE = 1000

_OPS = {
    "$lt": lambda a, b: a is not None and a < b,
    "$lte": lambda a, b: a is not None and a <= b,
    "$gt": lambda a, b: a is not None and a > b,
    "$gte": lambda a, b: a is not None and a >= b,
    "$ne": lambda a, b: a != b,
    "$in": lambda a, b: a in b,
}


def matches(doc: Dict[str, Any], query: Dict[str, Any]) -> bool:
    for key, want in query.items():
        if key == "$and":
            if not all(matches(doc, q) for q in want):
                return False
        elif key == "$or":
            if not any(matches(doc, q) for q in want):
                return False
        elif isinstance(want, dict):
            if not all(_OPS[op](doc.get(key), value) for op, value in want.items()):
                return False
        elif doc.get(key) != want:
            return False
    return True


Allowed = Callable[[str, str], bool]  # (collection, "read"|"write") -> bool


class KvStore:
    def __init__(self, declared: Set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.declared = set(declared)
        self.collections: Dict[str, Dict[str, Dict[str, Any]]] = {}
        self.lock = threading.Lock()

    def docs(self, collection: str) -> List[Dict[str, Any]]:
        return [dict(d) for d in self.collections.get(collection, {}).values()]

    def select(self, collection: str, request: Request) -> List[Dict[str, Any]]:
        query = json.loads(request.args.get("query") or "{}")
        found = [d for d in self.docs(collection) if matches(d, query)]
        for spec in reversed([s for s in (request.args.get("sort") or "").split(",") if s]):
            name, _, direction = spec.partition(":")
            found.sort(key=lambda d: (d.get(name) is None, d.get(name)), reverse=direction == "-1")
        skip = int(request.args.get("skip") or 0)
        limit = int(request.args.get("limit") or 0)
        found = found[skip : skip + limit] if limit else found[skip:]
        wanted = [f for f in (request.args.get("fields") or "").split(",") if f]
        if wanted:
            found = [{k: d[k] for k in d if k in wanted or k == "_key"} for d in found]
        return found

    def save(
        self, collection: str, doc: Dict[str, Any], key: str = "", owner: str = "nobody"
    ) -> str:
        key = key or str(doc.get("_key") or uuid.uuid4().hex)
        stored = {k: v for k, v in doc.items() if k != "_user"}
        self.collections.setdefault(collection, {})[key] = {**stored, "_key": key, "_user": owner}
        return key

    def handle(
        self, request: Request, rest_parts: List[str], owner: str, allowed: Allowed
    ) -> Response:
        if not rest_parts or (self.declared and rest_parts[0] not in self.declared):
            return rest.error(request, 404, "Collection not found")
        collection, rest_parts = rest_parts[0], rest_parts[1:]
        mode = "read" if request.method == "GET" else "write"
        if not allowed(collection, mode):
            return rest.error(
                request, 403, f"You do not have permission to {mode} collection {collection}"
            )
        with self.lock:
            rows = self.collections.setdefault(collection, {})
            if request.method == "GET":
                if rest_parts:
                    if rest_parts[0] not in rows:
                        return rest.not_found(request, rest_parts[0])
                    return rest.json_response(rows[rest_parts[0]])
                return rest.json_response(self.select(collection, request))
            if request.method == "DELETE":
                if rest_parts:
                    if rows.pop(rest_parts[0], None) is None:
                        return rest.not_found(request, rest_parts[0])
                else:
                    for doc in self.select(collection, request):
                        rows.pop(doc["_key"], None)
                return Response(status=200)
            body = json.loads(request.get_data(as_text=True) or "null")
            if rest_parts == ["batch_save"]:
                if not isinstance(body, list) or len(body) > MAX_BATCH_SAVE:
                    return rest.error(
                        request,
                        400,
                        f"Request exceeds API limits - see limits.conf for details. "
                        f"(max_documents_per_batch_save={MAX_BATCH_SAVE})",
                    )
                return rest.json_response([self.save(collection, d, owner=owner) for d in body])
            if not isinstance(body, dict):
                return rest.error(request, 400, "Invalid JSON document")
            if rest_parts and rest_parts[0] not in rows:
                return rest.not_found(request, rest_parts[0])
            key = self.save(collection, body, rest_parts[0] if rest_parts else "", owner)
            return rest.json_response({"_key": key}, 200 if rest_parts else 201)
