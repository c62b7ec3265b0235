"""The trust store cannot be planted: another local user who writes a CA bundle where the pack used to cache
"public bundle + MDE_CA_BUNDLE" (a predictable name in the shared temp folder) must not make it trust the
attacker's certificate, so the client secret never reaches the attacker's sign-in endpoint."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Dict

import certifi
import pytest
import trustme

from mde_indicators.errors import ConfigurationError, MdeIndicatorsError
from tests.conftest import CANARY_SECRET, make_client
from tests.reliability.hostile import Figures, HostileServer, answer, authority

FIGURES = Figures("trust-store")
_figures = FIGURES.fixture()


def public_bundle() -> str:
    return (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    )


def predictable_path(extra_ca: str) -> str:
    """Where the pack cached the combined bundle before: the shared temp folder, a guessable name."""
    with open(public_bundle(), "rb") as fh:
        combined = fh.read() + b"\n" + Path(extra_ca).read_bytes()
    digest = hashlib.sha256(combined).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"mde-indicators-ca-{os.getuid()}-{digest}.pem")


def test_a_bundle_planted_at_the_old_cache_path_is_not_trusted(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    attacker = trustme.CA()
    stolen = HostileServer(authority(lambda s, r, c: answer(c, 400, {"error": "x"})), attacker)
    planted = predictable_path(emulator_env["MDE_CA_BUNDLE"])
    # The second user: the public CAs, the CA the victim trusts, and the attacker's CA, planted first.
    with open(public_bundle(), "rb") as fh:
        public = fh.read()
    Path(planted).write_bytes(
        public
        + b"\n"
        + Path(emulator_env["MDE_CA_BUNDLE"]).read_bytes()
        + attacker.cert_pem.bytes()
    )
    try:
        with stolen:
            env = dict(emulator_env, MDE_AUTHORITY_URL=stolen.url, MDE_CLIENT_SECRET=CANARY_SECRET)
            client = make_client(env, max_attempts=1, max_retry_seconds=10)
            with pytest.raises(MdeIndicatorsError, match=r"(?i)TLS|certificate"):
                client.list_page()
            assert stolen.received == [] and not stolen.saw(CANARY_SECRET)
    finally:
        os.unlink(planted)
    FIGURES.add("planted bundle at the old predictable path", attacks=1, secret_leaked=False)


def test_no_trust_file_is_written_anywhere(
    emulator_env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(name, str(shared))
    assert make_client(emulator_env).list_page()["value"] == []
    assert list(shared.iterdir()) == []
    FIGURES.add("files written to the shared temp folder", attacks=1, files=0)


def test_a_ca_bundle_other_users_can_change_is_refused(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    copy = tmp_path / "ca.pem"
    copy.write_bytes(Path(emulator_env["MDE_CA_BUNDLE"]).read_bytes())
    for mode in (0o664, 0o646):
        copy.chmod(mode)
        with pytest.raises(ConfigurationError, match="changed by other users"):
            make_client(dict(emulator_env, MDE_CA_BUNDLE=str(copy))).list_page()
    copy.chmod(0o644)
    assert make_client(dict(emulator_env, MDE_CA_BUNDLE=str(copy))).list_page()["value"] == []
    FIGURES.add("group- or world-writable MDE_CA_BUNDLE", attacks=2, refused=2)


def test_the_extra_ca_does_not_weaken_host_name_checks(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    ca = trustme.CA()
    impostor = HostileServer(lambda s, r, c: answer(c, 200, {"value": []}), ca)
    # The CA is trusted (MDE_CA_BUNDLE), but its certificate names another host than the API URL's.
    impostor.context.load_cert_chain(*_cert_for(ca, "other.example", tmp_path))
    bundle = tmp_path / "both.pem"
    bundle.write_bytes(Path(emulator_env["MDE_CA_BUNDLE"]).read_bytes() + ca.cert_pem.bytes())
    with impostor:
        env = dict(emulator_env, MDE_API_URL=impostor.url, MDE_CA_BUNDLE=str(bundle))
        with pytest.raises(MdeIndicatorsError, match=r"(?i)TLS|certificate"):
            make_client(env, max_attempts=1).list_page()
        assert impostor.received == []
    FIGURES.add("trusted CA, wrong host name", attacks=1, refused=1)


def _cert_for(ca: trustme.CA, name: str, folder: Path) -> tuple:
    leaf = ca.issue_cert(name)
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    return str(cert), str(key)
