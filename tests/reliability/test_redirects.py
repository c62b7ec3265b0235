"""No redirects on sign-in or API calls: a 307 from the token endpoint would make msal post the client secret
again to wherever it points, and a redirected API call would hand the run another host's answers."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest

from mde_indicators.errors import MdeIndicatorsError
from tests.conftest import CANARY_SECRET, make_client
from tests.reliability.hostile import Figures, HostileServer, answer, authority, redirect_to

FIGURES = Figures("redirects")
_figures = FIGURES.fixture()


def trusting(emulator_env: Dict[str, str], tmp: Path, *servers: HostileServer) -> Dict[str, str]:
    bundle = tmp / "trusted.pem"
    bundle.write_bytes(
        Path(emulator_env["MDE_CA_BUNDLE"]).read_bytes()
        + b"".join(s.ca.cert_pem.bytes() for s in servers)
    )
    return dict(emulator_env, MDE_CA_BUNDLE=str(bundle))


def test_a_redirect_from_the_token_endpoint_never_carries_the_secret_elsewhere(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    thief = HostileServer(lambda s, r, c: answer(c, 400, {"error": "invalid_client"}))
    with thief, HostileServer(authority(redirect_to(thief.url))) as login:
        env = trusting(emulator_env, tmp_path, thief, login)
        env.update(MDE_AUTHORITY_URL=login.url, MDE_CLIENT_SECRET=CANARY_SECRET)
        with pytest.raises(MdeIndicatorsError) as caught:
            make_client(env, max_attempts=1).list_page()
        assert thief.received == [] and not thief.saw(CANARY_SECRET)
        assert "redirect" in str(caught.value) and CANARY_SECRET not in str(caught.value)
        assert login.saw(CANARY_SECRET)  # the real endpoint got it, as it should
    FIGURES.add("307 from the token endpoint", attacks=1, secret_leaked=False)


def test_a_redirected_api_call_is_refused_not_followed(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    other = HostileServer(lambda s, r, c: answer(c, 200, {"value": [{"id": "1"}]}))
    with other, HostileServer(redirect_to(other.url)) as api:
        env = trusting(emulator_env, tmp_path, other, api)
        env["MDE_API_URL"] = api.url
        client = make_client(env, max_attempts=1)
        with pytest.raises(MdeIndicatorsError) as caught:
            client.list_page()
        assert other.received == []
        assert caught.value.status == 307 and str(other.port) in str(caught.value)
        assert len(api.received) == 1 and other.received == []
    FIGURES.add("307 from the API", attacks=1, followed=0)
