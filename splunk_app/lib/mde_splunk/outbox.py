"""The durable outbox: indicators MDE could not take now, kept in a KV Store collection until delivered.

KV Store replicates across a search head cluster, unlike local files. One entry per (account, type, value),
so queuing the same indicator again replaces its entry; delivery is an import, which MDE treats as an
upsert, so delivering an entry twice never creates two indicators. Entries back off exponentially
(never sooner than Retry-After) and are marked given_up, with their reason, after max_attempts.

Several handlers share the collection (the members of a search head cluster, overlapping runs), so every
write gives the entry a new `version`. A delivery run claims its entries under one version and, after
delivering, deletes an entry only if it still holds that version: the KV Store deletes by query on the
server (`_key` and `version` both match), so an entry queued again meanwhile (with new content) is never
deleted unsent. The KV Store has no conditional update: a failed attempt is recorded only on entries that
still hold the claim, read just before writing, and a claim keeps only the entries that hold it after
writing; each leaves a window of one read and one write in which newer content could be overwritten,
never one in which an entry is deleted unsent.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple

from mde_indicators.identity import key_of
from mde_indicators.model import Model
from mde_indicators.results import ItemResult, Status

from .splunkd import Splunkd

COLLECTION = "mde_indicators_outbox"
# KV Store batch_save takes at most max_documents_per_batch_save (1,000 by default) documents a call.
KV_BATCH_SAVE = 500
PENDING, GIVEN_UP = "pending", Status.GIVEN_UP.value
DEFAULTS = {"max_attempts": 12.0, "base_delay": 300.0, "max_delay": 21600.0, "lease": 600.0}


def retryable(result: ItemResult) -> bool:
    """Whether a failed result may succeed later (the error said so: throttling, 5xx, network, sign-in)."""
    return result.status is Status.FAILED and result.retryable


def new_version() -> str:
    return uuid.uuid4().hex


def entry_key(model: Model, account: str, body: Mapping[str, Any]) -> str:
    """One entry per account and indicator identity: queueing the same indicator again replaces it."""
    key = key_of(model, body["indicatorType"], body["indicatorValue"])
    text = f"{account}|{key.indicator_type}|{key.value}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


class Outbox:
    def __init__(
        self, system: Splunkd, model: Model, settings: Optional[Mapping[str, Any]] = None
    ) -> None:
        self.system = system
        self.model = model
        self.settings = {k: float((settings or {}).get(k) or v) for k, v in DEFAULTS.items()}
        self.path = f"storage/collections/data/{COLLECTION}"
        self.claim_version = new_version()

    def delay(self, attempts: int, retry_after: Optional[float]) -> float:
        backoff = self.settings["base_delay"] * (2 ** max(0, attempts - 1))
        return max(min(backoff, self.settings["max_delay"]), float(retry_after or 0))

    def save(self, entries: List[Dict[str, Any]]) -> None:
        for start in range(0, len(entries), KV_BATCH_SAVE):
            self.system.post_json(f"{self.path}/batch_save", entries[start : start + KV_BATCH_SAVE])

    def queue(
        self,
        account: str,
        pairs: List[Tuple[Mapping[str, Any], ItemResult]],
        context: Mapping[str, Any],
        now: float,
    ) -> List[Dict[str, Any]]:
        """Keep each (body, failed result) for a later attempt; returns the entries written."""
        entries = []
        for body, result in pairs:
            entries.append(
                {
                    "_key": entry_key(self.model, account, body),
                    "account": account,
                    "indicator": json.dumps(body, sort_keys=True),
                    "value": body["indicatorValue"],
                    "indicator_type": body["indicatorType"],
                    "action": body.get("action"),
                    "state": PENDING,
                    "version": new_version(),
                    "attempts": 1,
                    "last_error": result.reason or "",
                    "last_status": result.http_status,
                    "next_attempt": now + self.delay(1, result.retry_after),
                    "created": now,
                    "updated": now,
                    **{k: context.get(k) for k in ("source", "search_name", "sid", "user")},
                }
            )
        self.save(entries)
        return entries

    def due(self, now: float, limit: int, account: Optional[str] = None) -> List[Dict[str, Any]]:
        query: Dict[str, Any] = {"state": PENDING, "next_attempt": {"$lte": now}}
        if account:
            query["account"] = account
        rows = self.system.get(self.path, query=json.dumps(query), sort="next_attempt", limit=limit)
        return list(rows or [])

    def claim(self, entries: List[Dict[str, Any]], now: float) -> List[Dict[str, Any]]:
        """Push the entries' next attempt past the lease (so that an overlapping run skips them) under
        this run's version; returns those this run holds (another run may have claimed or re-queued
        some in between)."""
        if not entries:
            return []
        for entry in entries:
            entry["next_attempt"] = now + self.settings["lease"]
            entry["version"] = self.claim_version
        self.save(entries)
        held = {e["_key"] for e in self.held()}
        return [e for e in entries if e["_key"] in held]

    def held(self) -> List[Dict[str, Any]]:
        """The entries still as this run claimed them."""
        query = json.dumps({"version": self.claim_version})
        return list(self.system.get(self.path, query=query, fields="_key") or [])

    def delivered(self, entry: Dict[str, Any]) -> None:
        """Delete the entry if it still holds this run's claim; an entry queued again stays."""
        key, version = entry.get("_key"), entry.get("version")
        if not key or not version:  # an empty query would delete the whole collection
            raise ValueError("an outbox entry without _key or version cannot be deleted safely")
        self.system.delete(self.path, query=json.dumps({"_key": key, "version": version}))

    def failed(self, entry: Dict[str, Any], result: ItemResult, now: float) -> Dict[str, Any]:
        """Record a failed attempt: back off, or give up after max_attempts or on a permanent error."""
        entry["attempts"] = int(entry.get("attempts") or 0) + 1
        entry["last_error"] = result.reason or ""
        entry["last_status"] = result.http_status
        entry["updated"] = now
        if not retryable(result) or entry["attempts"] >= self.settings["max_attempts"]:
            entry["state"] = GIVEN_UP
        else:
            entry["next_attempt"] = now + self.delay(entry["attempts"], result.retry_after)
        return entry

    def release(self, entries: List[Dict[str, Any]]) -> None:
        """Save entries this run changed, unless someone changed them since the claim."""
        mine = {e["_key"] for e in self.held()}
        kept = [e for e in entries if e["_key"] in mine]
        for entry in kept:
            entry["version"] = new_version()
        self.save(kept)

    def pending_count(self) -> int:
        return len(
            self.system.get(self.path, query=json.dumps({"state": PENDING}), fields="_key") or []
        )
