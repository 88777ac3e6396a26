"""Issue 24 "Done when", the hand-over part, with real X input: a result the province
attaches on the real central server, signed, reaches the counter through the app's own
sync, the Return screen shows it with its signature's verdict, the clerk taps «Cả hai»
and hands it over with xdotool taps on Xvfb; the electronic file comes out of a real CUPS
(cups-pdf) with its QR, and the hand-over record reaches the server through the app's sync."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from central import handover as central_handover
from central import results as central_results
from central import service
from kiosk.storage import Store
from tests.forms.helpers import decode, rasterize
from tests.signing.helpers import scan_pdf
from tests.signing.pki import issue, make_ca
from tests.sync.conftest import central, rig, save_dossier  # noqa: F401 - the fixtures
from tests.sync.hostile import ROOT, Rig
from tests.sync.test_results import _signed
from tests.ui.xcounter import Counter, start_xvfb

SHOTS = os.environ.get("KIOSK_TEST_SHOTS", "")


@pytest.fixture
def counter_x(rig: Rig, cups: Any, tmp_path: Path  # noqa: F811
              ) -> Iterator[tuple[Counter, Rig, dict[str, Any]]]:
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    code, _out, err = rig.kiosk("sync", "enroll", "--server", rig.central.url,
                                "--token", rig.central.token)
    assert code == 0, err
    ca = make_ca()
    trust = tmp_path / "trust.pem"
    trust.write_bytes(ca.cert_pem)
    store = Store(orphan_grace_seconds=None)
    try:
        dossier = save_dossier(store, pages=1)
    finally:
        store.close()
    xvfb, display = start_xvfb()
    env = {**rig.env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT),
           "CUPS_SERVER": cups.socket,
           "KIOSK_X_CONFIG": f'{{"signing.trust_file": "{trust}", "printer.name": "KioskPDF"}}'}
    app = Counter(display, env, tmp_path / "app.log")
    try:
        app.wait("the sign-in screen", lambda: app.ask("where", name="pinDots"))
        yield app, rig, {"ca": ca, "code": dossier.code, "id": dossier.id, "cups": cups}
    finally:
        app.close()
        xvfb.terminate()
        xvfb.wait(10)
        print((tmp_path / "app.log").read_text(errors="replace")[-3000:])


def _shot(app: Counter, tmp_path: Path, name: str) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    assert app.ask("grab", path=str(folder / f"{name}.png"))


def test_signed_result_handed_over_with_real_taps(counter_x: Any, tmp_path: Path) -> None:
    app, the_rig, facts = counter_x
    db, blobs, code = the_rig.central.db, the_rig.central.blobs, facts["code"]
    assert app.ask("signin", pin="1234")

    def on_server() -> Any:
        return service.find_dossier(db, code=code)

    app.wait("the dossier pushed by the app's sync", on_server, timeout=90)
    service.set_status(db, code, 4, "", "tinh")
    service.set_status(db, code, 9, "", "tinh")
    signer = issue(facts["ca"], "UBND xã Mẫu — Chủ tịch")
    attached = central_results.attach(db, blobs, code,
                                      _signed(scan_pdf("GIẤY KHAI SINH"), signer, facts["ca"],
                                              tmp_path),
                                      kind="KQ.KS", number="123/2026", issued=date(2026, 12, 7),
                                      issuer="UBND xã Mẫu")
    app.tap("returnButton")
    out = facts["cups"].out
    before = set(out.glob("*.pdf"))

    def shown() -> Any:
        app.ask("read", text=code)  # the receipt's barcode, read again until it is there
        app.idle()
        return app.ask("where", name="given_both_0")

    app.wait("the province's result on the Return screen", shown, timeout=120)
    verdict = app.ask("text", name="resultSignature0")
    assert attached["code"] in verdict and "Chữ ký số hợp lệ: UBND xã Mẫu — Chủ tịch" in verdict
    app.tap("given_both_0")
    _shot(app, tmp_path, "return-result-both")
    app.tap("handOverButton")
    state = app.wait("the hand-over said", lambda: (lambda s: s if any(
        "Đã trả kết quả hồ sơ" in m for m in s["messages"]) else None)(app.ask("state")),
        timeout=60)
    assert any("bản điện tử ra máy in" in m for m in state["messages"]), state
    app.wait("what was given", lambda: app.ask("where", name="handedOver0"))
    assert app.ask("text", name="handedOver0") == "Đã trao cả hai (in tại chỗ)"
    _shot(app, tmp_path, "return-result-handed-over")
    assert app.touches == ["returnButton", "given_both_0", "handOverButton"]
    # The electronic copy out of CUPS, with its QR holding the digitisation code.
    printed = app.wait("the printed copy", lambda: [
        p for p in set(out.glob("*.pdf")) - before
        if p.read_bytes().rstrip().endswith(b"%%EOF")], timeout=60)
    assert decode(rasterize(printed[0], 150)[0]).get("QRCode") == [attached["code"]]

    def handed_over() -> Any:
        shown = central_handover.for_code(db, code)
        return shown if shown["handover"] else None

    record = app.wait("the hand-over on the server, sent by the app's sync", handed_over,
                      timeout=90)
    assert record["status"] == 10
    assert record["handover"]["results"] == [{
        "id": attached["id"], "given": "both", "delivered": "printed", "kind": "KQ.KS",
        "number": "123/2026", "code": attached["code"]}]
