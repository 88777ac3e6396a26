"""Signing through the real SoftHSM2 PKCS#11 module; verdicts from pyHanko's validator."""

from __future__ import annotations

import io

import pikepdf
import pytest

from kiosk.pdfa import pdfa_problems
from kiosk.signing import SigningError
from kiosk.signing.token import (
    CKF_USER_PIN_COUNT_LOW,
    CKF_USER_PIN_FINAL_TRY,
    CKF_USER_PIN_LOCKED,
    TokenSession,
    pin_tries_text,
)
from kiosk.signing.verify import verify_pdf
from tests.signing.conftest import Pki
from tests.signing.helpers import scan_pdf
from tests.signing.pki import USER_PIN, Tsa


def _validate(data: bytes, pki: Pki) -> object:
    """pyHanko's own validator, independent of kiosk.signing.verify."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data))
    assert len(reader.embedded_signatures) == 1
    ctx = ValidationContext(trust_roots=pki.trust(), allow_fetching=False)
    return validate_pdf_signature(reader.embedded_signatures[0], ctx)


def test_pades_bb_signature_validates_and_keeps_pdfa(pki: Pki) -> None:
    original = scan_pdf("Tờ khai", pages=2, mrc=True)
    assert pdfa_problems(original) == []
    with TokenSession(pki.settings(), USER_PIN) as session:
        signed = session.sign(original)
    assert signed.data.startswith(original)  # an incremental update: the scan is untouched
    status = _validate(signed.data, pki)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Nguyễn Thị Cán Bộ"
    assert status.timestamp_validity is None
    assert signed.signer == "Nguyễn Thị Cán Bộ" and not signed.timestamped
    # PAdES: the CAdES-detached sub-filter, reason and location from the settings.
    with pikepdf.open(io.BytesIO(signed.data)) as pdf:
        field = pdf.Root.AcroForm.Fields[0]
        assert field.V.SubFilter == "/ETSI.CAdES.detached"
        assert str(field.V.Reason) == "Tiếp nhận hồ sơ"
        assert str(field.V.Location) == "UBND xã Mẫu"
    assert pdfa_problems(signed.data) == []
    verdict = verify_pdf(signed.data, pki.trust())
    assert verdict["signed"] and verdict["valid"] and verdict["intact"] and verdict["pdfa"]


def test_pades_bt_carries_a_timestamp_from_the_tsa(pki: Pki, tsa: Tsa) -> None:
    with TokenSession(pki.settings(tsa_url=tsa.url), USER_PIN) as session:
        signed = session.sign(scan_pdf("CCCD"))
    assert signed.timestamped
    status = _validate(signed.data, pki)
    assert status.bottom_line
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid
    assert status.timestamp_validity.trusted
    assert verify_pdf(signed.data, pki.trust())["timestamped"]


def test_unreachable_tsa_is_a_clear_error(pki: Pki) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with TokenSession(pki.settings(tsa_url=f"http://127.0.0.1:{port}/"), USER_PIN) as s:
        with pytest.raises(SigningError) as err:
            s.sign(scan_pdf("x"))
    assert err.value.reason == "tsa"
    assert "dấu thời gian" in err.value.message


def test_wrong_pin_says_what_the_token_reports_about_tries(pki: Pki) -> None:
    with pytest.raises(SigningError) as err:
        TokenSession(pki.settings(), "000000")
    exc = err.value
    assert exc.reason == "wrong_pin"
    assert exc.message == "Mã PIN của thẻ ký số không đúng."
    # SoftHSM2 raises CKF_USER_PIN_COUNT_LOW after a failure and never locks.
    assert exc.details["pin_flags"] & CKF_USER_PIN_COUNT_LOW
    assert "lần thử" in (exc.hint or "")
    assert "000000" not in str(exc) and "000000" not in repr(exc.details)
    # The right PIN still works afterwards.
    with TokenSession(pki.settings(), USER_PIN):
        pass


def test_pin_tries_text_follows_the_token_flags() -> None:
    assert "khoá" in pin_tries_text(CKF_USER_PIN_LOCKED)
    assert "Chỉ còn 1 lần thử" in pin_tries_text(CKF_USER_PIN_FINAL_TRY)
    assert "thấp" in pin_tries_text(CKF_USER_PIN_COUNT_LOW)
    assert "không cho biết" in pin_tries_text(0)


@pytest.mark.parametrize(("settings", "reason", "words"), [
    ({"token_label": "khong-co"}, "no_token", "Chưa cắm thẻ ký số"),
    ({"module": "/nonexistent/libtoken.so"}, "no_module", "Không nạp được thư viện"),
    ({"key_label": "khong-co"}, "no_key", "Không tìm thấy khoá ký"),
    ({"key_label": "expired"}, "cert_expired", "đã hết hạn"),
    ({"key_label": "future"}, "cert_not_yet_valid", "chưa có hiệu lực"),
    ({"module": ""}, "not_configured", "Chưa cấu hình ký số"),
])
def test_cannot_sign_says_why(pki: Pki, settings: dict[str, str], reason: str,
                              words: str) -> None:
    with pytest.raises(SigningError) as err:
        TokenSession(pki.settings(**settings), USER_PIN)
    assert err.value.reason == reason
    assert words in err.value.message
    assert err.value.hint


def test_no_pin(pki: Pki) -> None:
    with pytest.raises(SigningError) as err:
        TokenSession(pki.settings(), "")
    assert err.value.reason == "no_pin"


def test_tampered_and_foreign_signatures_are_caught(pki: Pki) -> None:
    with TokenSession(pki.settings(), USER_PIN) as session:
        signed = session.sign(scan_pdf("Giấy tờ"))
    # Change one byte inside the signed range (an image stream of the scan).
    data = bytearray(signed.data)
    at = data.find(b"stream", 200) + 40
    data[at] ^= 0x20
    verdict = verify_pdf(bytes(data), pki.trust())
    assert verdict["signed"] and not verdict["intact"] and not verdict["valid"]
    # Appending content after the signature is not "intact" either.
    appended = signed.data + b"\n1 0 obj\n(after)\nendobj\n"
    assert not verify_pdf(appended, pki.trust())["intact"]
    # Signed by a key the trust roots do not vouch for.
    from asn1crypto import x509

    foreign = verify_pdf(signed.data, [x509.Certificate.load(pki.other_ca.cert_der)])
    assert foreign["intact"] and not foreign["valid"]
    assert foreign["signatures"][0]["trusted"] is False


def test_second_signature_keeps_the_first_valid(pki: Pki) -> None:
    with TokenSession(pki.settings(), USER_PIN) as session:
        once = session.sign(scan_pdf("Hai chữ ký")).data
        twice = session.sign(once).data
    verdict = verify_pdf(twice, pki.trust())
    assert verdict["valid"] and len(verdict["signatures"]) == 2
    assert pdfa_problems(twice) == []


def test_two_signing_jobs_take_turns_on_the_token(pki: Pki) -> None:
    """PKCS#11 login is per process: a second session waits instead of failing."""
    import threading

    first = TokenSession(pki.settings(), USER_PIN)
    results: list[object] = []

    def second() -> None:
        try:
            with TokenSession(pki.settings(), USER_PIN) as session:
                results.append(session.sign(scan_pdf("thứ hai")).data)
        except Exception as exc:  # the test reports it
            results.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive() and results == []  # waiting for the first job
    signed = first.sign(scan_pdf("thứ nhất")).data
    first.close()
    thread.join(30)
    assert not thread.is_alive()
    assert isinstance(results[0], bytes)
    for data in (signed, results[0]):
        assert verify_pdf(data, pki.trust())["valid"]
