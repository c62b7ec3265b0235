"""IndicatorsClient: one explicit method per Indicators API operation, over the Transport.

Batch limits, $top and body keys come from the schema; listing is lazy and follows @odata.nextLink.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Sequence

from .config import ClientConfig
from .errors import ApiError
from .model import Model
from .transport import Transport


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
        return dict(self.transport.request("ListIndicators", params=params).json())

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
                        f"Refusing to follow @odata.nextLink to another host: {next_link}"
                    )
                page = dict(self.transport.request("ListIndicators", url=next_link).json())
            elif len(rows) >= size:
                # No nextLink but a full page: MDE does not document nextLink here, so page on with $skip.
                skip += len(rows)
                page = self.list_page(filter, top=size, skip=skip)
            else:
                return

    def get(self, indicator_id: str) -> Dict[str, Any]:
        response = self.transport.request("GetIndicator", path_params={"id": indicator_id})
        return dict(response.json())

    def submit(self, body: Dict[str, Any]) -> Dict[str, Any]:
        """Submit or update one indicator; returns the entity."""
        return dict(self.transport.request("SubmitIndicator", json_body=body).json())

    def import_batch(self, bodies: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """One import call (at most the schema's batch size); per-item results in input order."""
        op = self._op("ImportIndicators")
        if not bodies or len(bodies) > op.batch_size:
            raise ValueError(
                f"import_batch takes 1 to {op.batch_size} indicators, got {len(bodies)}"
            )
        response = self.transport.request("ImportIndicators", json_body={op.body_key: list(bodies)})
        return list(response.json().get("value") or [])

    def delete(self, indicator_id: str) -> None:
        self.transport.request("DeleteIndicator", path_params={"id": indicator_id})

    def batch_delete(self, ids: Sequence[str]) -> None:
        """One BatchDelete call (1 to batch-size IDs); all or nothing on the service side."""
        op = self._op("BatchDeleteIndicators")
        if not ids or len(ids) > op.batch_size:
            raise ValueError(f"batch_delete takes 1 to {op.batch_size} ids, got {len(ids)}")
        self.transport.request("BatchDeleteIndicators", json_body={op.body_key: list(ids)})
