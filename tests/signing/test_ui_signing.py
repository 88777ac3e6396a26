"""Signing at the counter: the PIN pad on screen, "chưa ký số" on Home, signing later.

The real window (offscreen), the real SANE test backend, the real SoftHSM2 token; the PIN
is typed on the pad's buttons with synthesized mouse clicks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from kiosk.signing.verify import verify_pdf
from tests.signing.conftest import Pki
from tests.signing.pki import KEY_LABEL, SOFTHSM_MODULE, TOKEN_LABEL, USER_PIN
from tests.ui.conftest import configure, wait_idle

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CCCD = ("001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|"
        "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")


@pytest.fixture
def window(qapp: Any, kiosk_home: Path, pki: Pki) -> Any:
    from kiosk.ui.app import build_services, create_window

    config = configure()
    config.set("signing.pkcs11_module", SOFTHSM_MODULE)
    config.set("signing.token_label", TOKEN_LABEL)
    config.set("signing.key_label", KEY_LABEL)
    config.save()
    win = create_window(build_services(config, demo=True))
    yield win
    win.close()
    qapp.processEvents()


def _root(win: Any) -> Any:
    # One wrapper for the whole test: items found through a dropped wrapper of the root
    # window were seen to report "already deleted".
    if "_root" not in win.__dict__:
        win.__dict__["_root"] = win.root()
    return win.__dict__["_root"]


def _find(win: Any, name: str) -> Any:
    """The visible item named ``name`` (a replaced screen's items may linger until deleted).

    Repeater delegates are not QObject children of the window, so the visual tree is walked
    as well.
    """
    from PySide6.QtQuick import QQuickItem

    root = _root(win)
    todo = list(root.findChildren(QQuickItem))
    seen: dict[int, Any] = {}  # keeps the wrappers alive, so no id() is reused
    while todo:
        item = todo.pop()
        try:
            if id(item) in seen:
                continue
            seen[id(item)] = item
            if item.objectName() == name and item.isVisible():
                return item
            todo.extend(item.childItems())
        except RuntimeError:  # already deleted
            continue
    return None


def _item(win: Any, name: str) -> Any:
    found = _find(win, name)
    assert found is not None, name
    return found


def _click(qtbot: Any, win: Any, name: str, at_y: float = 0.5) -> None:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtTest import QTest

    qtbot.waitUntil(lambda: _find(win, name) is not None, timeout=5000)
    item = _item(win, name)
    centre = item.mapToScene(QPointF(item.width() / 2, item.height() * at_y))
    QTest.mouseClick(_root(win), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(int(centre.x()), int(centre.y())))


def _type_pin(qtbot: Any, win: Any, pin: str) -> None:
    qtbot.waitUntil(lambda: win.services.extras["signing"].asking, timeout=5000)
    qtbot.waitUntil(lambda: _find(win, "signPinKey_OK") is not None, timeout=5000)
    for digit in pin:
        _click(qtbot, win, f"signPinKey_{digit}")
    assert _item(win, "signingPinDots").property("text") == "●" * len(pin)
    _click(qtbot, win, "signPinKey_OK")


def _intake(qtbot: Any, win: Any) -> None:
    intake = win.intake
    intake.start()
    win.app.go("intake")
    intake.chooseProcedure("1.001193")
    intake.applyCccd(CCCD)
    intake.next()
    for i, comp in enumerate(intake.session.components):
        intake.setChecked(i, comp.mandatory)
    intake.next()
    for i, comp in enumerate(intake.session.components):
        if comp.checked and comp.copy_kind != "present":
            intake.selectComponent(i)
            intake.scan()
            wait_idle(qtbot, win)
    intake.next()
    assert intake.problems == []
    intake.save()


def test_pin_pad_signs_at_intake_and_later(qtbot: Any, window: Any, pki: Pki,
                                           tmp_path: Path) -> None:
    win = window
    messages: list[tuple[str, str]] = []
    # No printer in this test: the receipt's "not printed" notices are left out.
    win.app.message.connect(lambda text, kind: None if text.startswith("Chưa in")
                            else messages.append((text, kind)))
    assert win.app.signIn("1234")
    store = win.services.store
    # 1. The right PIN on the pad: the stored component files are signed.
    _intake(qtbot, win)
    _type_pin(qtbot, win, USER_PIN)
    wait_idle(qtbot, win)
    code = win.intake.saved["code"]
    assert messages[-1] == (f"Đã ký số và lưu hồ sơ {code}.", "ok")
    record = store.get_dossier(code)
    docs = [c for c in record["components"] if c["pages"]]
    assert docs and all(c["signature"]["state"] == "signed" for c in docs)
    assert verify_pdf(store.files.read(docs[0]["pages"][0]["sha256"]), pki.trust())["valid"]
    # 2. A wrong PIN: saved anyway, flagged, listed on Home with the reason.
    _intake(qtbot, win)
    _type_pin(qtbot, win, "999999")
    wait_idle(qtbot, win)
    code2 = win.intake.saved["code"]
    text, kind = messages[-1]
    assert kind == "error" and text.startswith(f"Đã lưu hồ sơ {code2} nhưng chưa ký số")
    assert "Mã PIN của thẻ ký số không đúng." in text and "lần thử" in text
    win.app.go("home")
    wait_idle(qtbot, win)
    signing = win.services.extras["signing"]
    assert signing.unsignedCodes == [code2]
    qtbot.waitUntil(lambda: _find(win, "unsignedCard") is not None, timeout=5000)
    _root(win).grabWindow().save(str(tmp_path / "home-unsigned.png"))
    # 3. Signed later from Home: the pad again, then the list empties.
    _click(qtbot, win, f"signUnsigned_{code2}")
    _type_pin(qtbot, win, USER_PIN)
    wait_idle(qtbot, win)
    assert messages[-1][1] == "ok" and code2 in messages[-1][0]
    assert signing.unsignedCodes == []
    record = store.get_dossier(code2)
    assert all(c["signature"]["state"] == "signed" for c in record["components"] if c["pages"])
    # 4. Skipping on the pad saves unsigned, flagged, without a token login.
    _intake(qtbot, win)
    _click(qtbot, win, "signPinSkip")
    wait_idle(qtbot, win)
    code3 = win.intake.saved["code"]
    assert signing.unsignedCodes == [code3]
    assert "PIN" in store.read(lambda db: db.execute(
        "SELECT error FROM component_signatures WHERE state = 'unsigned'").fetchone()[0])
    # 5. Signed later from the dossier screen, which then shows each document signed.
    win.app.go("detail", code3)
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: win.detail.dossier.get("code") == code3, timeout=5000)
    assert _item(win, "document_0").property("text").startswith("chưa ký số")
    _click(qtbot, win, "signDossierButton", at_y=0.9)  # below the toast still showing
    _type_pin(qtbot, win, USER_PIN)
    wait_idle(qtbot, win)
    assert signing.unsignedCodes == []
    qtbot.waitUntil(lambda: _find(win, "signDossierButton") is None, timeout=5000)
    qtbot.waitUntil(lambda: str(_item(win, "document_0").property("text")).startswith(
        "đã ký số"), timeout=5000)
    _root(win).grabWindow().save(str(tmp_path / "detail-signed.png"))


def test_a_paper_result_scanned_at_hand_over_is_signed_after_the_pin(
        qtbot: Any, window: Any, pki: Pki) -> None:
    """Issue 24 §2 on the Return screen: the scan ends, the pad asks for the PIN, the result
    is stored signed and the row says so."""
    from kiosk.demo import seed
    from kiosk.dossier import Status

    store = window.services.store
    codes = seed(store, progress=True)
    done_code = next(c for c in codes if store.get_dossier(c)["status"] == int(Status.DONE))
    assert window.app.signIn("1234")
    window.returns.clear()
    window.app.go("return")
    window.returns.find(done_code)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.returns.dossier.get("code") == done_code, timeout=30_000)
    signing = window.services.extras["signing"]
    kind = next(i for i, k in enumerate(window.returns.resultKinds) if "(KQ.KS)" in k)
    window.returns.scanResult(kind, "15/2026", "07/12/2026")
    qtbot.waitUntil(lambda: signing.asking, timeout=120_000)
    assert signing.purpose == "Ký số kết quả giấy vừa quét"
    signing.submitPin(USER_PIN)
    qtbot.waitUntil(lambda: bool(window.returns.dossier.get("results")), timeout=120_000)
    row = window.returns.dossier["results"][0]
    assert row["signed"] and row["tone"] == "ok", row
    assert row["signature"] == "Quét tại quầy, đã ký số: Nguyễn Thị Cán Bộ"
    stored = store.get_dossier(done_code)["results"][0]
    verdict = verify_pdf(store.files.read(stored["sha256"]), pki.trust())
    assert verdict["valid"] and verdict["pdfa"], verdict
