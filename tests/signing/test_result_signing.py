"""The paper result scanned at hand-over, signed with the clerk's token (issue 24 §2): the
real SoftHSM2 token, the file checked with pyHanko and with poppler's pdfsig, still PDF/A."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk import results
from kiosk.signing import SigningError
from kiosk.signing.verify import verify_pdf
from kiosk.storage import Store
from tests.pdfa_checks import assert_pdfa_2b
from tests.signing.conftest import Pki
from tests.signing.helpers import scan_pdf
from tests.signing.pki import KEY_LABEL, SOFTHSM_MODULE, TOKEN_LABEL, USER_PIN
from tests.sync.conftest import save_dossier


@pytest.fixture
def store(kiosk_home: Path) -> Store:
    s = Store(orphan_grace_seconds=None)
    yield s  # type: ignore[misc]
    s.close()


def _configure(store: Store, *, required: bool = False) -> None:
    for key, value in (("signing.pkcs11_module", SOFTHSM_MODULE),
                       ("signing.token_label", TOKEN_LABEL), ("signing.key_label", KEY_LABEL),
                       ("signing.reason", "Số hoá kết quả"),
                       ("signing.required", "true" if required else "false")):
        store.config.set(key, value)


def _done(store: Store) -> str:
    d = save_dossier(store, pages=1)
    store.change_status(d.code, 9, "tinh")
    return str(d.code)


def _counts(store: Store) -> tuple[int, int]:
    return store.read(lambda db: (
        db.execute("SELECT count(*) FROM results").fetchone()[0],
        db.execute("SELECT count(*) FROM outbox WHERE kind = 'result.add'").fetchone()[0]))


def test_the_scanned_result_is_signed_and_stays_pdfa(store: Store, pki: Pki,
                                                     tmp_path: Path) -> None:
    _configure(store)
    code = _done(store)
    added = results.add_scanned(store, code, pdf=scan_pdf("GIẤY CHỨNG NHẬN KẾT HÔN"),
                                kind="KQ.KH", number="45", actor="clerk1", pin=USER_PIN)
    assert added["signature"]["state"] == "signed"
    assert added["signature"]["signer"] == "Nguyễn Thị Cán Bộ"
    data = store.files.read(added["sha256"])
    # pyHanko: intact, trusted, and the file still PDF/A-2b.
    verdict = verify_pdf(data, pki.trust())
    assert verdict["valid"] and verdict["intact"] and verdict["pdfa"], verdict
    assert_pdfa_2b(data)
    # poppler's own reading of the signature.
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (poppler-utils) is not installed")
    path = tmp_path / "kq.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True,
                          check=False).stdout
    assert "Signer Certificate Common Name: Nguyễn Thị Cán Bộ" in text, text
    assert "Signature Validation: Signature is Valid." in text, text
    assert "Total document signed" in text, text
    # The file queued for the server is the signed one.
    payload = store.read(lambda db: db.execute(
        "SELECT payload FROM outbox WHERE kind = 'result.add'").fetchone()[0])
    assert added["sha256"] in payload
    listed = results.listing(store, code)
    assert listed[0]["signature"]["state"] == "signed"


def test_a_wrong_pin_keeps_the_result_unsigned_with_the_reason(store: Store, pki: Pki) -> None:
    _configure(store)
    code = _done(store)
    added = results.add_scanned(store, code, pdf=scan_pdf("KẾT QUẢ"), kind="KQ",
                                actor="clerk1", pin="000000")
    assert added["signature"]["state"] == "unsigned"
    assert "PIN" in added["signature"]["error"]
    assert verify_pdf(store.files.read(added["sha256"]), pki.trust())["signed"] is False


def test_signing_required_refuses_with_nothing_written(store: Store, pki: Pki) -> None:
    _configure(store, required=True)
    code = _done(store)
    with pytest.raises(SigningError):
        results.add_scanned(store, code, pdf=scan_pdf("KẾT QUẢ"), kind="KQ", actor="clerk1",
                            pin="000000")
    assert _counts(store) == (0, 0)


def test_no_token_configured_stores_it_unsigned_without_a_verdict(store: Store) -> None:
    code = _done(store)
    added = results.add_scanned(store, code, pdf=scan_pdf("KẾT QUẢ"), kind="KQ",
                                actor="clerk1")
    assert added["signature"] is None
