"""The certification screen's model over the real window (offscreen): the fee follows the
kind, copies and pages; a transfer shows the VietQR on the citizen screen, which a phone's
banking app (here zxing, from the window as drawn) reads; an exemption needs a reason; the
certification is one transaction whatever the clerk does next."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from tests.money.helpers import SIGNER
from tests.ui.conftest import configure


@pytest.fixture
def both(qapp: Any, kiosk_home: Any) -> Iterator[tuple[Any, Any, Any]]:
    from kiosk.ui.app import build_services, create_window

    config = configure()
    for key, value in (("ui.citizen_screen", "0"), ("certify.signers", SIGNER),
                       ("fees.bank_bin", "970415"), ("fees.bank_account", "113366668888")):
        config.set_text(key, value)
    config.save()
    win = create_window(build_services(config, demo=True))
    side = next(e for e in win.extras if type(e).__name__ == "CitizenSide")
    certify = next(e for e in win.extras if type(e).__name__ == "CertifyModel")
    assert win.app.signIn("1234")
    yield win, side, certify
    win.close()
    qapp.processEvents()


def idle(qtbot: Any, win: Any, certify: Any) -> None:
    qtbot.waitUntil(lambda: win.tasks.pending == 0 and not certify.scanner.active,
                    timeout=60_000)


def grab(root: Any, tmp: Any) -> Image.Image:
    path = tmp / "citizen.png"
    assert root.grabWindow().save(str(path))
    return Image.open(path)


def test_the_fee_follows_the_choices_and_the_citizen_sees_the_qr(
        qtbot: Any, both: tuple[Any, Any, Any], tmp_path: Any) -> None:
    win, side, certify = both
    certify.start()
    win.app.go("certify")
    certify.setPages(3)
    idle(qtbot, win, certify)
    assert certify.fee["amount"] == 5_000 and certify.ready
    certify.addCopies(2)
    idle(qtbot, win, certify)
    assert certify.fee["amount"] == 15_000 and certify.fee["words"] == "Mười lăm nghìn đồng"
    citizen = side.model
    assert citizen.mode == "payment" and citizen.payment["amountText"] == "15.000 đồng"
    certify.setMethod("transfer")
    idle(qtbot, win, certify)
    payload = citizen.payment["qrRows"] and certify.fee["qr"]
    assert payload and "540515000" in payload  # the amount travels in field 54
    qtbot.waitUntil(lambda: side.root().findChild(object, "paymentQr") is not None)
    found = zxingcpp.read_barcodes(grab(side.root(), tmp_path), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [b.text for b in found] == [payload]
    # An exemption is not possible without a reason; with one, nothing is owed.
    certify.setMethod("exempt")
    idle(qtbot, win, certify)
    assert not certify.ready and "lý do" in certify.fee["error"]
    certify.setReason(certify.reasons[0])
    idle(qtbot, win, certify)
    assert certify.ready and certify.fee["amount"] == 0
    certify.setKind("signature")
    idle(qtbot, win, certify)
    certify.setMethod("cash")
    idle(qtbot, win, certify)
    assert certify.fee["amount"] == 30_000  # 3 documents
    certify.certify()
    qtbot.waitUntil(lambda: bool(certify.result), timeout=60_000)
    result = certify.result
    assert result["register"]["book"].endswith("SCT/CK,ĐC") and result["fee"] == 30_000
    assert citizen.mode != "payment"  # paid: the citizen screen moves on
    record = win.services.store.get_dossier(result["dossier"])
    assert record["status"] == 10 and record["procedure_code"] == "2.000884"
