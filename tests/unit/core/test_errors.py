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


def test_exit_codes_separate_auth_and_configuration_problems() -> None:
    assert errors.AuthenticationError("x").exit_code == 3
    assert errors.PermissionDenied("x").exit_code == 3
    assert errors.ConfigurationError("x").exit_code == 2
    assert errors.ServerError("x").exit_code == 1
