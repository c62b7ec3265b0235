"""The app's REST endpoint (restmap.conf: persistent, system auth): the only code that reads account secrets.

splunkd checks the caller's capability (restmap.conf) and the handler checks it again. The handler resolves
the account with the system session key and makes the MDE call itself, so neither the client secret nor an
access token is ever handed to the caller. splunkd builds a new handler object per request: clients (and
their msal token caches) live in clients.py, for the life of the process. Errors answer in splunkd's own
shape, {"messages": [{"type": "ERROR", "text": ...}]}.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from mde_indicators.client import IndicatorsClient
from mde_indicators.errors import ConfigurationError, MdeIndicatorsError
from mde_indicators.model import Model, load_model
from mde_indicators.ownership import Ownership
from mde_indicators.results import ItemResult, Status, failure
from mde_indicators.service import IndicatorService
from mde_indicators.validate import parse_bool

from . import accounts, audit, clients, history, logs
from .caps import ENDPOINT, ROUTES
from .outbox import PENDING, Outbox, retryable
from .protect import load_guard
from .splunkd import Splunkd, SplunkdError

MAX_ITEMS = 5000
_SCALAR = (str, int, float)


class HandlerError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra


# Every parameter is checked for its type before use: a caller's JSON object must never reach a KV Store
# query (it would be an operator such as {"$ne": ""}), and a wrong type is a 400, never a 500.
def text_param(source: Mapping[str, Any], name: str) -> Optional[str]:
    """An optional text parameter (None when absent or empty)."""
    value = source.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise HandlerError(400, f"'{name}' must be text.")
    return value


def int_param(source: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    """An optional whole number, clamped to [low, high]."""
    value = source.get(name)
    if value is None or value == "":
        return default
    try:
        number = (
            int(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        )
    except ValueError:
        number = None
    if number is None:
        raise HandlerError(400, f"'{name}' must be a whole number.")
    return max(low, min(number, high))


def flag_param(source: Mapping[str, Any], name: str) -> bool:
    value = source.get(name, False)
    parsed = parse_bool(value) if isinstance(value, (str, bool, int)) else None
    if parsed is None:
        raise HandlerError(400, f"'{name}' must be true or false.")
    return parsed


def object_param(source: Mapping[str, Any], name: str) -> Dict[str, Any]:
    value = source.get(name) or {}
    if not isinstance(value, dict):
        raise HandlerError(400, f"'{name}' must be an object.")
    return value


def list_param(source: Mapping[str, Any], name: str) -> List[Any]:
    value = source.get(name)
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise HandlerError(400, f"'{name}' must be a list of at most {MAX_ITEMS} entries.")
    return value


class Request:
    def __init__(self, raw: Any) -> None:
        data = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        self.method = str(data.get("method") or "GET").upper()
        self.parts = [p for p in str(data.get("rest_path") or "").strip("/").split("/") if p]
        self.query = {k: v for k, v in data.get("query") or []}
        self.user = (data.get("session") or {}).get("user")
        self.user_token = (data.get("session") or {}).get("authtoken") or ""
        self.system_token = data.get("system_authtoken") or ""
        self.server_uri = (data.get("server") or {}).get("rest_uri") or "https://127.0.0.1:8089"
        body: Any = None
        if data.get("payload"):
            try:
                body = json.loads(data["payload"])
            except ValueError:
                body = None
        self.body: Dict[str, Any] = body if isinstance(body, dict) else dict(data.get("form") or [])

    def as_user(self) -> Splunkd:
        return Splunkd(self.server_uri, self.user_token)

    def as_system(self) -> Splunkd:
        if not self.system_token:
            raise HandlerError(
                500, "The handler was not given system credentials (passSystemAuth)."
            )
        return Splunkd(self.server_uri, self.system_token)


def match(method: str, parts: List[str]) -> Optional[Tuple[str, str]]:
    if not parts or parts[0] != ENDPOINT:
        return None
    rest = parts[1:]
    for verb, pattern, capability, name in ROUTES:
        if verb == method and len(pattern) == len(rest):
            if all(p in ("*", r) for p, r in zip(pattern, rest)):
                return capability, name
    return None


def _seconds(value: Any) -> Optional[float]:
    try:
        return None if value in (None, "") else max(0.0, float(value))
    except (TypeError, ValueError):
        raise HandlerError(400, "'deadline' must be a number of seconds.") from None


class Api:
    def __init__(self, model: Optional[Model] = None) -> None:
        self.model = model or load_model()
        self.log = logs.get_logger("rest")

    def handle(self, raw: Any) -> Dict[str, Any]:
        """splunkd's persistent-handler entry: request JSON in, {"payload", "status"} out."""
        try:
            request = Request(raw)
            found = match(request.method, request.parts)
            if found is None:
                raise HandlerError(404, "No such endpoint.")
            capability, name = found
            self.authorize(request, capability)
            payload = getattr(self, name)(request)
            return {"payload": payload, "status": 200}
        except HandlerError as exc:
            return self.error(exc.status, str(exc), **exc.extra)
        except ConfigurationError as exc:
            return self.error(400, exc.message)
        except MdeIndicatorsError as exc:
            retry = getattr(exc, "retry_after", None)
            return self.error(
                502, str(exc), code=exc.code, http_status=exc.status, retry_after=retry
            )
        except SplunkdError as exc:
            return self.error(502, f"splunkd: {exc.message}")
        except Exception:
            self.log.exception("unexpected error")
            return self.error(500, "Internal error; see ta_mde_indicators_rest.log.")

    def error(self, status: int, message: str, **extra: Any) -> Dict[str, Any]:
        message = logs.mask(message)
        self.log.warning("HTTP %s: %s", status, message)
        payload = {"messages": [{"type": "ERROR", "text": message}], **extra}
        return {"payload": payload, "status": status}

    def authorize(self, request: Request, capability: str) -> None:
        context = request.as_user().capabilities()
        if capability not in context["capabilities"]:
            raise HandlerError(403, f"This needs the {capability} capability.")
        request.user = context["user"] or request.user

    def client(self, request: Request, account: Optional[str]) -> Tuple[str, IndicatorsClient]:
        name, config, digest = accounts.load(request.as_system(), account)
        return name, clients.client_for(name, config, digest)

    def audit(
        self, request: Request, operation: str, results: List[ItemResult], context: Any
    ) -> None:
        """The audit log line of every result, and its copy in the history the dashboard reads."""
        audit.record(operation, results, context)
        try:
            history.store(request.as_system(), operation, results, context)
        except SplunkdError as exc:
            self.log.warning("history not kept for %d results: %s", len(results), exc.message)

    def context(self, request: Request, account: str) -> Dict[str, Any]:
        given = object_param(request.body, "context")
        return {
            **{k: text_param(given, k) for k in ("source", "search_name", "sid", "orig_sid")},
            "user": request.user,
            "account": account,
        }

    def owner(self, request: Request) -> Tuple[Ownership, bool]:
        """What marks the app's indicators ([settings] owner_tag, application; ownership.Ownership) and
        remove_any_application: whether removals by value may delete others' indicators too."""
        values = accounts.settings(request.as_system())
        ownership = Ownership(
            tag=str(values.get("owner_tag") or "").strip(),
            application=str(values.get("application") or "").strip(),
        )
        return ownership, bool(parse_bool(values.get("remove_any_application") or False))

    # -- indicators ---------------------------------------------------------------------------------
    def list_indicators(self, request: Request) -> Dict[str, Any]:
        _, client = self.client(request, text_param(request.query, "account"))
        max_top = self.model.operations["ListIndicators"].max_top or 1
        top = int_param(request.query, "top", max_top, 1, max_top)
        skip = int_param(request.query, "skip", 0, 0, 2**31)
        page = client.list_page(text_param(request.query, "filter"), top=top, skip=skip)
        rows = list(page.get("value") or [])
        return {"value": rows, "more": bool(page.get("@odata.nextLink")) or len(rows) >= top}

    def _scalars(self, request: Request, key: str) -> List[Any]:
        items = list_param(request.body, key)
        if not all(isinstance(i, _SCALAR) and not isinstance(i, bool) for i in items):
            raise HandlerError(400, f"Each entry of '{key}' must be text or a number.")
        return items

    def import_indicators(self, request: Request) -> Dict[str, Any]:
        items = list_param(request.body, "indicators")
        if not all(isinstance(i, dict) for i in items):
            raise HandlerError(400, "Each indicator must be an object of MDE field names.")
        dry_run = flag_param(request.body, "dry_run")
        queue = flag_param(request.body, "queue")
        deadline = _seconds(request.body.get("deadline"))
        self.context(request, "")  # checks the context's shape before anything is sent
        name, client = self.client(request, text_param(request.body, "account"))
        service = IndicatorService(None if dry_run else client, self.model)
        guard = load_guard(request.as_system())
        owner = self.owner(request)[0]
        # A caller with a time limit of its own (the alert action) hands it down: no MDE call starts or
        # waits past it, and with queue=true what is left goes to the outbox.
        with client.transport.until(None if deadline is None else time.monotonic() + deadline):
            results = service.import_indicators(items, guard=guard, dry_run=dry_run, owner=owner)
        context = self.context(request, name)
        extra: Dict[int, Dict[str, Any]] = {}
        if queue and not dry_run:
            extra = self.queue(request, name, items, results, context)
        self.audit(request, "import", results, context)
        return {"results": [{**r.as_dict(), **extra.get(i, {})} for i, r in enumerate(results)]}

    def record_results(self, request: Request) -> Dict[str, Any]:
        """Audit results a command or the alert action settled itself (invalid, duplicate rows)."""
        operation = str(request.body.get("operation") or "import")
        if operation not in ("import", "delete"):
            raise HandlerError(400, "'operation' must be import or delete.")
        given = list_param(request.body, "results")
        if not all(isinstance(r, dict) for r in given):
            raise HandlerError(400, "Each result must be an object.")
        results = [ItemResult.from_dict(r) for r in given]
        self.audit(
            request,
            operation,
            results,
            self.context(request, text_param(request.body, "account") or ""),
        )
        return {"recorded": len(results)}

    # -- outbox -------------------------------------------------------------------------------------
    def outbox(self, request: Request) -> Outbox:
        system = request.as_system()
        return Outbox(system, self.model, accounts.conf_stanza(system, "outbox"))

    def queue(
        self,
        request: Request,
        account: str,
        items: List[Any],
        results: List[ItemResult],
        context: Any,
    ) -> Dict[int, Dict[str, Any]]:
        """Keep what MDE could not take now in the outbox; those results become queued.

        Returns, by result position, what the answer adds for the queued ones (the next attempt)."""
        pairs = [(item, r) for item, r in zip(items, results) if retryable(r)]
        if not pairs:
            return {}
        entries = self.outbox(request).queue(account, pairs, context, time.time())
        extra = {}
        for entry, (_, result) in zip(entries, pairs):
            result.status = Status.QUEUED
            result.reason = f"Queued for retry; the first attempt failed: {result.reason}"
            extra[result.index] = {"next_attempt": entry["next_attempt"]}
        return extra

    def retry_outbox(self, request: Request) -> Dict[str, Any]:
        """Deliver due entries in import batches; remove the delivered, back off or give up the rest."""
        outbox, now = self.outbox(request), time.time()
        limit = int_param(request.body, "max", MAX_ITEMS, 1, MAX_ITEMS)
        account = text_param(request.body, "account")
        entries = outbox.claim(
            outbox.due(now, limit, accounts.check_name(account) if account else None), now
        )
        groups: Dict[str, List[Dict[str, Any]]] = {}
        for entry in entries:
            groups.setdefault(entry["account"], []).append(entry)
        report: List[Dict[str, Any]] = []
        for account, group in groups.items():
            report += self.deliver(request, outbox, account, group)
        context = {"source": "mderetry", "user": request.user, "account": ",".join(groups)}
        self.audit(request, "retry", [ItemResult.from_dict(r) for r in report], context)
        self.prune_history(request)
        return {"results": report, "pending": outbox.pending_count()}

    def prune_history(self, request: Request) -> None:
        """The scheduled delivery also keeps the history to [audit] retention_days."""
        system = request.as_system()
        try:
            days = accounts.conf_stanza(system, "audit").get("retention_days")
            history.prune(system, float(days or history.DEFAULT_RETENTION_DAYS))
        except (SplunkdError, ValueError) as exc:
            self.log.warning("history not pruned: %s", exc)

    def deliver(
        self, request: Request, outbox: Outbox, account: str, group: List[Dict[str, Any]]
    ) -> List[Dict[str, Any]]:
        bodies = [json.loads(e["indicator"]) for e in group]
        try:
            _, client = self.client(request, account)
            service = IndicatorService(client, self.model)
            results = service.import_indicators(
                bodies,
                owner=self.owner(request)[0],
                guard=load_guard(request.as_system()),
            )
        except MdeIndicatorsError as exc:
            # An account that no longer resolves: count the attempt, keep the entries until max_attempts.
            results = [failure(i, str(b.get("indicatorValue")), exc) for i, b in enumerate(bodies)]
        now, report, changed = time.time(), [], []
        for entry, result in zip(group, results):
            if result.status in (Status.SUBMITTED, Status.UPDATED):
                outbox.delivered(entry)
            else:
                changed.append(outbox.failed(entry, result, now))
                result.status = Status.QUEUED if entry["state"] == PENDING else Status.GIVEN_UP
            outcome = {k: entry.get(k) for k in ("attempts", "next_attempt")}
            report.append({**result.as_dict(), **outcome})
        outbox.release(changed)
        return report

    def delete_indicators(self, request: Request) -> Dict[str, Any]:
        """Delete by ID, or by value; owned_only (the remove action) spares other applications'
        indicators unless [settings] remove_any_application, detected_type matches a value's type only."""
        dry_run = flag_param(request.body, "dry_run")
        itype = text_param(request.body, "type")
        if itype is not None and itype not in self.model.indicator_types:
            raise HandlerError(
                400, f"'type' must be one of {', '.join(self.model.indicator_types)}."
            )
        deadline = _seconds(request.body.get("deadline"))
        self.context(request, "")  # checks the context's shape before anything is deleted
        name, client = self.client(request, text_param(request.body, "account"))
        service = IndicatorService(client, self.model)
        run: Callable[[], List[Any]]
        if request.body.get("ids"):
            ids = [str(i) for i in self._scalars(request, "ids")]
            run = lambda: service.delete_ids(ids, dry_run=dry_run)  # noqa: E731
        else:
            values = [str(v) for v in self._scalars(request, "values")]
            owner: Optional[Ownership] = None
            if flag_param(request.body, "owned_only"):
                ownership, anyone = self.owner(request)
                # An app that marks nothing as its own could remove nothing; the admin must choose.
                owner = None if anyone else ownership
            typed = flag_param(request.body, "detected_type")
            run = lambda: service.delete_values(  # noqa: E731
                values, indicator_type=itype, dry_run=dry_run, detected_type=typed, owner=owner
            )
        with client.transport.until(None if deadline is None else time.monotonic() + deadline):
            results = run()
        self.audit(request, "delete", results, self.context(request, name))
        return {"results": [r.as_dict() for r in results]}

    # -- accounts (admins) --------------------------------------------------------------------------
    def list_accounts(self, request: Request) -> Dict[str, Any]:
        system = request.as_system()
        default = accounts.settings(system).get("default_account")
        return {"accounts": accounts.describe(system), "default_account": default}

    def save_account(self, request: Request) -> Dict[str, Any]:
        for key, value in request.body.items():
            if value is not None and not isinstance(value, (*_SCALAR, bool)):
                raise HandlerError(400, f"'{key}' must be text, a number or true/false.")
        saved = accounts.save(request.as_user(), self.model, request.body)
        self.log.info("account %s saved by %s", saved["name"], request.user)
        # The admin's own session wrote the account; marking the app configured is the app's doing.
        return {**saved, **accounts.mark_configured(request.as_system())}

    def delete_account(self, request: Request) -> Dict[str, Any]:
        removed = accounts.remove(request.as_user(), request.parts[-1])
        clients.forget(removed["name"])
        self.log.info("account %s deleted by %s", removed["name"], request.user)
        return removed

    def test_account(self, request: Request) -> Dict[str, Any]:
        name, config, _ = accounts.load(request.as_system(), request.parts[-2])
        client = IndicatorsClient.from_config(config.merged(max_attempts=2, max_retry_seconds=20.0))
        rows = client.list_page(None, top=1).get("value") or []
        return {
            "name": name,
            "ok": True,
            "api_url": client.transport.endpoints.api_url,
            "sample": len(rows),
        }
