"""MDE's documented wire shapes, pinned as literals: the error envelope and codes, and the documented
examples' requests and responses, through the client (against the replay server) and the emulator."""

from __future__ import annotations

import uuid
from typing import Dict

import pytest
import requests

from mde_emulator import EmulatorServer
from mde_indicators import odata
from mde_indicators.client import IndicatorsClient
from mde_indicators.errors import ApiError, BadRequest, NotFound, RateLimited
from mde_indicators.model import Model
from tests.contract import facts, stack, wire
from tests.contract.replay import Replay, decoded_filter
from tests.integration.emulator.conftest import msal_token

# -- the error envelope and codes -----------------------------------------------------------------


@pytest.mark.parametrize("code", list(wire.TRIGGERS))
def test_the_emulator_answers_each_error_in_the_documented_envelope(
    emulator: EmulatorServer, code: str
) -> None:
    wire.check_emulator_error(code, emulator)


def test_a_valid_token_without_a_role_is_forbidden(emulator: EmulatorServer) -> None:
    app = emulator.admin("POST", "apps", {"name": "no-role", "secret": "no-role-secret-1"})
    token = msal_token(emulator.env(), app["clientId"], "no-role-secret-1")
    response = requests.get(
        emulator.base_url + "/api/indicators",
        headers={"Authorization": f"Bearer {token}"},
        verify=emulator.ca_file,
        timeout=30,
    )
    assert wire.error_of(response)["code"] == "Forbidden"


def test_throttling_and_server_errors_use_the_documented_codes(emulator: EmulatorServer) -> None:
    session = stack.api(emulator)
    emulator.admin("POST", "faults", {"spec": ["list:500", "submit:429"]})
    assert (
        wire.error_of(session.get(emulator.base_url + "/api/indicators"))["code"]
        == "InternalServerError"
    )
    assert wire.error_of(session.post(emulator.base_url + "/api/indicators", json=stack.body()))["code"] == "TooManyRequests"  # fmt: skip


@pytest.mark.parametrize(("status", "document"), facts.ERROR_EXAMPLES, ids=["404", "400"])
def test_the_client_reads_the_documented_error_examples(
    replay: Replay, replayed: IndicatorsClient, status: int, document: Dict[str, Dict[str, str]]
) -> None:
    replay.queue(status, document)
    with pytest.raises(ApiError) as caught:
        replayed.get("123123123")
    error = document["error"]
    assert type(caught.value) is {400: BadRequest, 404: NotFound}[status]
    assert (
        caught.value.status,
        caught.value.code,
        caught.value.message,
        caught.value.request_id,
    ) == (
        status,
        error["code"],
        error["message"],
        error["target"],
    )


def test_the_client_gives_up_on_429_with_the_code_and_retry_after(
    replay: Replay, replayed: IndicatorsClient
) -> None:
    throttled = {
        "error": {"code": "TooManyRequests", "message": "quota", "target": str(uuid.uuid4())}
    }
    for _ in range(2):  # max_attempts=2
        replay.queue(429, throttled, Retry_After="1")
    with pytest.raises(RateLimited) as caught:
        replayed.list_page()
    assert (caught.value.status, caught.value.code, caught.value.retry_after) == (
        429,
        "TooManyRequests",
        1.0,
    )
    assert len(replay.sent) == 2


# -- the documented examples ----------------------------------------------------------------------


def test_the_client_sends_the_documented_import_and_reads_its_response(
    replay: Replay, replayed: IndicatorsClient
) -> None:
    replay.queue(200, facts.IMPORT_RESPONSE)
    results = replayed.import_batch(facts.IMPORT_REQUEST[facts.IMPORT_BODY_KEY])
    (sent,) = replay.sent
    assert (sent.method, sent.path, sent.body) == (
        "POST",
        "/api/indicators/import",
        facts.IMPORT_REQUEST,
    )
    assert sent.headers["authorization"].startswith("Bearer ")
    assert sent.headers["content-type"] == "application/json"
    assert results == facts.IMPORT_RESPONSE["value"]


def test_the_emulator_answers_the_documented_import_in_the_documented_shape(
    emulator: EmulatorServer, model: Model
) -> None:
    wire.check_emulator_import_shape(emulator, model)


def test_the_client_reads_the_documented_import_results_failed_ones_included(
    replay: Replay, replayed: IndicatorsClient
) -> None:
    wire.check_client_import_results(replay, replayed)


def test_the_client_sends_the_documented_submit_and_returns_the_entity(
    replay: Replay, replayed: IndicatorsClient
) -> None:
    entity = {"@odata.context": "https://api.securitycenter.microsoft.com" + facts.ENTITY_CONTEXT, **facts.SEED_ENTITY}  # fmt: skip
    replay.queue(200, entity)
    assert replayed.submit(dict(facts.SUBMIT_REQUEST)) == entity
    (sent,) = replay.sent
    assert (sent.method, sent.path, sent.body) == ("POST", "/api/indicators", facts.SUBMIT_REQUEST)


def test_the_emulator_answers_the_documented_submit_with_the_entity_in_the_services_key_order(
    emulator: EmulatorServer, model: Model
) -> None:
    wire.check_emulator_entity(emulator, model)


def test_the_client_sends_the_documented_list_filter_and_yields_the_entities(
    replay: Replay, replayed: IndicatorsClient
) -> None:
    page = {"@odata.context": "https://api.securitycenter.microsoft.com" + facts.COLLECTION_CONTEXT, "value": [facts.SEED_ENTITY]}  # fmt: skip
    replay.queue(200, page)
    rows = list(replayed.iter_indicators(odata.eq("action", "AlertAndBlock")))
    (sent,) = replay.sent
    assert (sent.method, sent.path) == ("GET", "/api/indicators")
    assert (
        decoded_filter(sent.query) == decoded_filter(facts.LIST_FILTER_QUERY) == facts.LIST_FILTER
    )
    assert int(sent.params()["$top"]) <= facts.MAX_TOP
    assert rows == [facts.SEED_ENTITY]


def test_the_emulator_answers_the_documented_list_filter(emulator: EmulatorServer) -> None:
    session = stack.api(emulator)
    session.post(emulator.base_url + "/api/indicators", json=stack.body(action="AlertAndBlock"))
    session.post(emulator.base_url + "/api/indicators", json=stack.body())
    response = session.get(f"{emulator.base_url}/api/indicators?{facts.LIST_FILTER_QUERY}")
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"] == emulator.base_url + facts.COLLECTION_CONTEXT
    assert [r["action"] for r in body["value"]] == ["AlertAndBlock"]


def test_the_client_sends_the_documented_batch_delete_and_delete(
    replay: Replay, replayed: IndicatorsClient
) -> None:
    replay.queue(204)
    replay.queue(204)
    replayed.batch_delete(facts.BATCH_DELETE_REQUEST[facts.BATCH_DELETE_BODY_KEY])
    replayed.delete(facts.DELETE_PATH.rsplit("/", 1)[1])
    batch, single = replay.sent
    assert (batch.method, batch.path, batch.body) == ("POST", "/api/indicators/BatchDelete", facts.BATCH_DELETE_REQUEST)  # fmt: skip
    assert (single.method, single.path, single.body) == ("DELETE", facts.DELETE_PATH, None)


def test_the_emulator_answers_the_documented_deletes(emulator: EmulatorServer) -> None:
    session = stack.api(emulator)
    url = emulator.base_url
    assert wire.error_of(session.post(url + "/api/indicators/BatchDelete", json=facts.BATCH_DELETE_REQUEST))["code"] == "ResourceNotFound"  # fmt: skip
    assert wire.error_of(session.delete(url + facts.DELETE_PATH))["code"] == "ResourceNotFound"
    ids = [session.post(url + "/api/indicators", json=stack.body(v)).json()["id"] for v in stack.hashes(3, "del")]  # fmt: skip
    deleted = session.post(
        url + "/api/indicators/BatchDelete", json={facts.BATCH_DELETE_BODY_KEY: ids}
    )
    assert (deleted.status_code, deleted.content) == (204, b""), "§2.6: 204 without content"
    assert wire.error_of(session.post(url + "/api/indicators/BatchDelete", json={facts.BATCH_DELETE_BODY_KEY: []}))["code"] in ("BadRequest", "InvalidInput")  # fmt: skip
