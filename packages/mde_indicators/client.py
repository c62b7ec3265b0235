"""IndicatorsClient: one explicit method per Indicators API operation, over the Transport.

Batch limits, $top and body keys come from the schema; listing is lazy and follows @odata.nextLink.
A success status with a body that is not what the operation returns (an HTML page from a proxy, JSON of
another shape) raises MalformedResponse instead of a traceback.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Sequence

import requests

from .config import ClientConfig
from .errors import ApiError, MalformedResponse, header_request_id
from .model import Model
from .redact import upstream_text
from .transport import Transport


def _malformed(response: requests.Response, operation: str, what: str) -> MalformedResponse:
    kind = upstream_text(response.headers.get("Content-Type") or "no content type", 80)
    start = upstream_text(response.text[:200], 80) if response.content else "an empty body"
    return MalformedResponse(
        f"MDE's answer to {operation} could not be read: {what} (HTTP {response.status_code}, "
        f"{kind}: {start!r}). It may or may not have been applied; sending it again is safe.",
        status=response.status_code,
        code="MalformedResponse",
        request_id=header_request_id(response.headers),
    )


def _object(response: requests.Response, operation: str) -> Dict[str, Any]:
    """The JSON object a response carries, or MalformedResponse."""
    try:
        body = response.json()
    except ValueError:
        raise _malformed(response, operation, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise _malformed(response, operation, "the body is not a JSON object")
    return body


def _rows(
    response: requests.Response, operation: str, body: Optional[Dict[str, Any]] = None
) -> List[Any]:
    """The "value" list a response carries (list pages, import results)."""
    rows = (body if body is not None else _object(response, operation)).get("value")
    if not isinstance(rows, list):
        raise _malformed(response, operation, 'it has no "value" list')
    return rows


class IndicatorsClient:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.model: Model = transport.model

    @classmethod
    def from_config(cls, config: ClientConfig, **kwargs: Any) -> IndicatorsClient:
        return cls(Transport(config, **kwargs))

    def _op(self, name: str) -> Any:
        return self.model.operations[name]

    def list_page(
        self, filter: Optional[str] = None, top: Optional[int] = None, skip: Optional[int] = None
    ) -> Dict[str, Any]:
        """One page of GET /api/indicators as returned ({"value": [...], "@odata.nextLink"?: ...})."""
        params: Dict[str, Any] = {}
        if filter:
            params["$filter"] = filter
        if top is not None:
            params["$top"] = min(top, self._op("ListIndicators").max_top)
        if skip:
            params["$skip"] = skip
        response = self.transport.request("ListIndicators", params=params)
        return self._page(response)

    @staticmethod
    def _page(response: requests.Response) -> Dict[str, Any]:
        page = _object(response, "ListIndicators")
        rows = _rows(response, "ListIndicators", page)
        if not all(isinstance(row, dict) for row in rows):
            raise _malformed(response, "ListIndicators", "an indicator is not a JSON object")
        next_link = page.get("@odata.nextLink")
        if next_link is not None and not isinstance(next_link, str):
            raise _malformed(response, "ListIndicators", "@odata.nextLink is not a URL")
        return page

    def iter_indicators(
        self,
        filter: Optional[str] = None,
        *,
        page_size: Optional[int] = None,
        max_items: Optional[int] = None,
    ) -> Iterator[Dict[str, Any]]:
        """Every matching indicator, page by page; stops after max_items."""
        size = min(
            page_size or self._op("ListIndicators").max_top, self._op("ListIndicators").max_top
        )
        page = self.list_page(filter, top=size)
        skip, yielded = 0, 0
        while True:
            rows: List[Dict[str, Any]] = page.get("value") or []
            for row in rows:
                if max_items is not None and yielded >= max_items:
                    return
                yield row
                yielded += 1
            next_link = page.get("@odata.nextLink")
            if next_link:
                if not self.transport.same_origin(next_link):
                    raise ApiError(
                        "Refusing to follow @odata.nextLink to another host: "
                        + upstream_text(next_link, 200)
                    )
                page = self._page(self.transport.request("ListIndicators", url=next_link))
            elif len(rows) >= size:
                # No nextLink but a full page: MDE does not document nextLink here, so page on with $skip.
                skip += len(rows)
                page = self.list_page(filter, top=size, skip=skip)
            else:
                return

    def get(self, indicator_id: str) -> Dict[str, Any]:
        response = self.transport.request("GetIndicator", path_params={"id": indicator_id})
        return _object(response, "GetIndicator")

    def submit(self, body: Dict[str, Any]) -> Dict[str, Any]:
        """Submit or update one indicator; returns the entity."""
        response = self.transport.request("SubmitIndicator", json_body=body)
        return _object(response, "SubmitIndicator")

    def import_batch(self, bodies: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """One import call (at most the schema's batch size); the per-item results as MDE sent them
        (pair them with the items by value, never by position: see service.py)."""
        op = self._op("ImportIndicators")
        if not bodies or len(bodies) > op.batch_size:
            raise ValueError(
                f"import_batch takes 1 to {op.batch_size} indicators, got {len(bodies)}"
            )
        response = self.transport.request("ImportIndicators", json_body={op.body_key: list(bodies)})
        return [row for row in _rows(response, op.name) if isinstance(row, dict)]

    def delete(self, indicator_id: str) -> None:
        self.transport.request("DeleteIndicator", path_params={"id": indicator_id})

    def batch_delete(self, ids: Sequence[str]) -> None:
        """One BatchDelete call (1 to batch-size IDs); all or nothing on the service side."""
        op = self._op("BatchDeleteIndicators")
        if not ids or len(ids) > op.batch_size:
            raise ValueError(f"batch_delete takes 1 to {op.batch_size} ids, got {len(ids)}")
        self.transport.request("BatchDeleteIndicators", json_body={op.body_key: list(ids)})
