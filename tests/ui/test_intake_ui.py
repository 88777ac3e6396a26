"""A whole intake through the real SANE test backend into the database."""

from __future__ import annotations

from typing import Any

import pikepdf

from kiosk.dossier import Status
from tests.ui.conftest import wait_idle

CCCD = ("001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|"
        "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")


def test_sign_in_with_pin(qtbot: Any, window: Any) -> None:
    assert window.app.screen == "signin"
    messages: list[tuple[str, str]] = []
    window.app.message.connect(lambda text, kind: messages.append((text, kind)))
    assert not window.app.signIn("0000")
    assert messages[-1][1] == "error" and "PIN" in messages[-1][0]
    assert window.app.signIn("1234")
    assert window.app.screen == "home"
    assert window.app.property("clerkName") == "Nguyễn Thị Demo"
    window.app.go("settings")  # a clerk is not an admin
    assert window.app.screen == "home"
    window.app.lock()
    assert window.app.screen == "signin"


def test_whole_intake_with_real_scanner(qtbot: Any, window: Any) -> None:
    app, intake, store = window.app, window.intake, window.services.store
    assert app.signIn("1234")
    intake.start()
    app.go("intake")
    intake.search("dang ky khai sinh")
    assert intake.procedures.get(0)["code"] == "1.001193"
    intake.chooseProcedure("1.001193")
    assert intake.session.step_name == "applicant"
    # The CCCD arrives through the barcode route, as from a reader.
    window.services.extras["route_read"](CCCD)
    assert intake.session.applicant.name == "Nguyễn Thị Hồng Nhung"
    intake.setField("phone", "0912 345 678")
    intake.next()
    assert intake.session.step_name == "checklist"
    intake.next()  # mandatory documents not ticked: refused with a reason
    assert intake.session.step_name == "checklist"
    assert intake.session.problems()
    for i, comp in enumerate(intake.session.components):
        if comp.mandatory:
            intake.setChecked(i, True)
    intake.next()
    assert intake.session.step_name == "scan"
    scannable = [i for i, c in enumerate(intake.session.components)
                 if c.checked and c.copy_kind != "present"]
    for i in scannable:
        intake.selectComponent(i)
        intake.scan()
        wait_idle(qtbot, window)
        assert intake.session.components[i].pages, intake.scanStatus
    # Rotate, reorder and delete on the first component, as a clerk would.
    intake.selectComponent(scannable[0])
    intake.scan()
    wait_idle(qtbot, window)
    first = intake.session.components[scannable[0]]
    assert len(first.pages) == 2
    intake.rotatePage(1)
    intake.movePage(1, 0)
    assert first.pages[0].rotation == 90
    intake.next()
    assert intake.session.step_name == "review"
    assert intake.problems == []
    intake.save()
    wait_idle(qtbot, window)
    saved = intake.saved
    assert saved["code"].startswith("000.00.04.H40-")
    assert intake.session.step_name == "done"
    record = store.get_dossier(saved["code"])
    assert record["status"] == int(Status.RECEIVED)
    assert record["applicant"]["name"] == "Nguyễn Thị Hồng Nhung"
    assert record["applicant"]["phone"] == "0912345678"
    assert record["applicant"]["cccd_raw"] == CCCD
    docs = [c for c in record["components"] if c["pages"]]
    assert len(docs) == len(scannable)
    pdf_path = store.file_path(docs[0]["pages"][0]["sha256"])
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) == 2
        assert int(pdf.pages[0].obj.get("/Rotate", 0)) == 90
    assert store.load_drafts() == []  # the draft went with the save
    assert store.check()["ok"]
