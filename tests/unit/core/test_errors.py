"""Errors built from MDE's envelope carry status, code, message and request id, and pick the right class."""

from __future__ import annotations

import pickle

import pytest

from mde_indicators import errors


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequest),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDenied),
        (404, errors.NotFound),
        (429, errors.RateLimited),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (418, errors.ApiError),
    ],
)
def test_status_picks_the_error_class(status: int, cls: type) -> None:
    body = {
        "error": {"code": "X", "message": "m", "target": "1fa66c0f-18bd-4133-b378-36d76f3a2ba0"}
    }
    err = errors.from_response(status, body, {})
    assert type(err) is cls
    assert (err.status, err.code, err.message, err.request_id) == (
        status,
        "X",
        "m",
        "1fa66c0f-18bd-4133-b378-36d76f3a2ba0",
    )


def test_non_envelope_bodies_still_give_a_message_and_header_request_id() -> None:
    err = errors.from_response(502, "<html>bad gateway</html>", {"request-id": "abc"})
    assert err.message == "HTTP 502 from MDE" and err.request_id == "abc"


def test_rate_limited_keeps_retry_after() -> None:
    err = errors.from_response(
        429, {"error": {"code": "TooManyRequests", "message": "slow"}}, {}, retry_after=12.0
    )
    assert isinstance(err, errors.RateLimited) and err.retry_after == 12.0


def test_str_shows_status_code_message_and_request_id() -> None:
    err = errors.from_response(
        400, {"error": {"code": "InvalidUrl", "message": "URL x is invalid.", "target": "t-1"}}, {}
    )
    assert str(err) == "HTTP 400 [InvalidUrl] URL x is invalid. (request id t-1)"


def test_errors_pickle_round_trip() -> None:
    err = errors.RateLimited(
        "slow", status=429, code="TooManyRequests", request_id="r", retry_after=3.0
    )
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is errors.RateLimited and copy.retry_after == 3.0 and str(copy) == str(err)


def test_exit_statuses_separate_auth_and_configuration_problems() -> None:
    # The documented exit codes (README): 2 usage or configuration, 3 authentication or permission.
    assert errors.AuthenticationError("x").exit_status == 3
    assert errors.PermissionDenied("x").exit_status == 3
    assert errors.ConfigurationError("x").exit_status == 2
    assert errors.ServerError("x").exit_status == 1


@pytest.mark.parametrize(
    ("error", "retryable", "stops_run"),
    [
        (errors.RateLimited("slow", status=429), True, True),
        (errors.ServerError("down", status=503), True, True),
        (errors.ServerError("down", status=504), True, True),
        (errors.ServerError("one batch", status=500), True, False),
        (errors.TransportError("reset"), True, True),
        (errors.AuthenticationError("expired", status=401), True, True),
        (errors.PermissionDenied("no role", status=403), False, True),
        (errors.BadRequest("bad value", status=400), False, False),
        (errors.NotFound("gone", status=404), False, False),
        (errors.ApiError("timeout", status=408), True, False),
        (errors.ConfigurationError("no tenant"), False, False),
    ],
)
def test_each_error_says_whether_to_queue_it_and_whether_to_stop_the_run(
    error: errors.MdeIndicatorsError, retryable: bool, stops_run: bool
) -> None:
    assert (error.retryable, error.stops_run) == (retryable, stops_run)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.retryable, copy.stops_run) == (retryable, stops_run)


def test_from_response_picks_the_class_that_knows_an_outage() -> None:
    outage = errors.from_response(503, {"error": {"code": "ServiceUnavailable"}}, {})
    one_bad = errors.from_response(500, {}, {})
    assert outage.stops_run and not one_bad.stops_run


def test_a_result_round_trips_through_its_dict_with_what_the_error_said() -> None:
    from mde_indicators.exits import ExitStatus
    from mde_indicators.results import ItemResult, Status, failure

    err = errors.AuthenticationError("expired", status=401, code="InvalidToken", request_id="r")
    result = failure(3, "1.2.3.4", err, indicator_type="IpAddress")
    copy = ItemResult.from_dict(result.as_dict())
    assert copy == result
    assert copy.retryable and copy.outcome is ExitStatus.AUTH
    assert ItemResult.from_dict({"status": "submitted", "value": "x", "extra": 1}).outcome == 0
    assert ItemResult.from_dict({"status": "invalid"}).outcome is ExitStatus.ITEMS
    assert ItemResult.from_dict({"status": "queued"}).status is Status.QUEUED
