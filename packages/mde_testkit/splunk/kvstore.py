"""The KV Store data API of the fake splunkd: collections of JSON documents with _key, queried the way
splunkd's storage/collections/data endpoint is (query with $lt/$lte/$gt/$gte/$ne/$in/$and/$or, sort, limit).
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any, Dict, List

from werkzeug.wrappers import Request, Response

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


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class KvStore:
    def __init__(self) -> None:
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
        limit = int(request.args.get("limit") or 0)
        return found[:limit] if limit else found

    def save(self, collection: str, doc: Dict[str, Any], key: str = "") -> str:
        key = key or str(doc.get("_key") or uuid.uuid4().hex)
        self.collections.setdefault(collection, {})[key] = {**doc, "_key": key}
        return key

    def handle(self, request: Request, rest: List[str], app: str) -> Response:
        collection, rest = rest[0], rest[1:]
        with self.lock:
            rows = self.collections.setdefault(collection, {})
            if request.method == "GET":
                if rest:
                    if rest[0] not in rows:
                        return _json(
                            {"messages": [{"type": "ERROR", "text": "Could not find object."}]}, 404
                        )
                    return _json(rows[rest[0]])
                return _json(self.select(collection, request))
            if request.method == "DELETE":
                if rest:
                    rows.pop(rest[0], None)
                else:
                    for doc in self.select(collection, request):
                        rows.pop(doc["_key"], None)
                return Response(status=200)
            body = json.loads(request.get_data(as_text=True) or "null")
            if rest == ["batch_save"]:
                return _json([self.save(collection, d) for d in body])
            if rest and rest[0] not in rows:
                return _json(
                    {"messages": [{"type": "ERROR", "text": "Could not find object."}]}, 404
                )
            return _json(
                {"_key": self.save(collection, body, rest[0] if rest else "")}, 200 if rest else 201
            )
