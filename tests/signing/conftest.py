"""One SoftHSM2 token for the signing tests, with the clerk's key and two bad certificates.

python-pkcs11 loads the module once per process and SoftHSM2 reads ``SOFTHSM2_CONF`` when
it is loaded, so the token directory is made once per run and the variable set for the
whole process (subprocesses inherit it). Tests that need another token state (a pulled
token) run in a subprocess.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.signing.settings import SigningSettings
from tests.signing.pki import (
    KEY_LABEL,
    SOFTHSM_MODULE,
    TOKEN_LABEL,
    Issued,
    SoftToken,
    Tsa,
    issue,
    make_ca,
    make_token,
)


@dataclass
class Pki:
    ca: Issued
    clerk: Issued
    other_ca: Issued
    token: SoftToken
    root: Path

    @property
    def ca_pem(self) -> Path:
        path = self.root / "ca.pem"
        path.write_bytes(self.ca.cert_pem)
        return path

    @property
    def other_ca_pem(self) -> Path:
        path = self.root / "other-ca.pem"
        path.write_bytes(self.other_ca.cert_pem)
        return path

    def trust(self) -> list[object]:
        from asn1crypto import x509

        return [x509.Certificate.load(self.ca.cert_der)]

    def settings(self, **kw: object) -> SigningSettings:
        base: dict[str, object] = {"module": SOFTHSM_MODULE, "token_label": TOKEN_LABEL,
                                   "key_label": KEY_LABEL, "reason": "Tiếp nhận hồ sơ",
                                   "location": "UBND xã Mẫu"}
        base.update(kw)
        return SigningSettings(**base)  # type: ignore[arg-type]


def _need_softhsm() -> None:
    for tool in ("softhsm2-util", "pkcs11-tool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (scripts/system-packages.txt)")
    if not Path(SOFTHSM_MODULE).exists():
        pytest.skip(f"{SOFTHSM_MODULE} is missing (Debian package softhsm2)")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    _need_softhsm()
    root = tmp_path_factory.mktemp("pki")
    ca = make_ca()
    clerk = issue(ca, "Nguyễn Thị Cán Bộ")
    now = datetime.now(UTC)
    expired = issue(ca, "Trần Văn Hết Hạn", not_before=now - timedelta(days=400),
                    not_after=now - timedelta(days=30))
    future = issue(ca, "Lê Văn Chưa Hiệu Lực", not_before=now + timedelta(days=30),
                   not_after=now + timedelta(days=400))
    token = make_token(root / "hsm")
    token.load(clerk, KEY_LABEL, "01")
    token.load(expired, "expired", "02")
    token.load(future, "future", "03")
    other_ca = make_ca("Some Other CA")
    token.load(issue(other_ca, "Người Lạ"), "stranger", "04")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(token.conf)
    yield Pki(ca, clerk, other_ca, token, root)
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old


@pytest.fixture(scope="session")
def tsa(pki: Pki) -> Iterator[Tsa]:
    server = Tsa(pki.ca)
    yield server
    server.close()
