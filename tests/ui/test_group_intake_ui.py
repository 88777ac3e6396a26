"""Issue 25 §3 in the touch intake: the birth group (khai sinh + thường trú + thẻ BHYT)
chosen on the procedure picker, its merged checklist, papers scanned once through the real
SANE test backend, one save making three dossiers, one receipt printed through a real CUPS
(cups-pdf) with the three codes as barcodes, and the group on each dossier's screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.dossier import Status
from tests.forms.helpers import decode, rasterize
from tests.ui.conftest import configure, wait_idle

CCCD = ("001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|"
        "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")


@pytest.fixture
def counter(qapp: Any, kiosk_home: Path, cups: Any, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[Any]:
    from kiosk.ui.app import build_services, create_window

    monkeypatch.setenv("CUPS_SERVER", cups.socket)
    config = configure()
    config.set("printer.name", "KioskPDF")
    config.set("printer.paper", "a4")
    config.save()
    win = create_window(build_services(config, demo=True))
    yield win
    win.close()
    qapp.processEvents()


def _item(win: Any, name: str) -> Any:
    """The visible item called ``name`` (list delegates included), or None."""
    def walk(item: Any) -> Any:
        for child in item.childItems():
            if not child.isVisible():
                continue
            if child.objectName() == name:
                return child
            found = walk(child)
            if found is not None:
                return found
        return None

    return walk(win.root().contentItem())


def test_birth_group_through_the_intake(qtbot: Any, counter: Any, cups: Any) -> None:
    win = counter
    app, intake, store = win.app, win.intake, win.services.store
    assert app.signIn("1234")
    intake.start()
    app.go("intake")
    # The procedure typed by its name stays on top; its group right after it.
    intake.search("dang ky khai sinh")
    assert [intake.procedures.get(i)["code"] for i in (0, 1)] == ["1.001193", "KS-TT-BHYT"]
    # Searching for the birth registration offers the group first, marked as liên thông.
    intake.search("khai sinh")
    first = intake.procedures.get(0)
    assert first["code"] == "KS-TT-BHYT" and first["group"] is True
    assert "Đăng ký thường trú" in first["field"]
    assert intake.procedures.get(1)["group"] is False
    qtbot.waitUntil(lambda: _item(win, "procedure_KS-TT-BHYT") is not None)
    intake.chooseProcedure("KS-TT-BHYT")
    assert intake.session.step_name == "applicant"
    assert intake.session.group_code == "KS-TT-BHYT"
    assert _item(win, "chosenProcedure").property("text").startswith("Liên thông đăng ký khai")
    # One applicant read for the three dossiers.
    win.services.extras["route_read"](CCCD)
    intake.setField("phone", "0912 345 678")
    intake.next()
    assert intake.session.step_name == "checklist"
    comps = intake.session.components
    keys = [c.code for c in comps]
    # Shared papers once, each procedure's own items after them.
    assert keys[:2] == ["GTTT", "GCS"]
    assert "dùng chung" in comps[1].name and "Cấp thẻ bảo hiểm y tế" in comps[1].name
    assert "1.001193:GCS" not in keys and "1.013131:GCS" not in keys
    assert comps[0].checked  # the card read is the identity paper shown
    for i, comp in enumerate(comps):
        if comp.mandatory and not comp.checked:
            intake.setChecked(i, True)
    intake.next()
    assert intake.session.step_name == "scan", intake.session.problems()
    scannable = [i for i, c in enumerate(comps) if c.checked and c.copy_kind != "present"]
    for i in scannable:
        intake.selectComponent(i)
        intake.scan()
        wait_idle(qtbot, win)
        assert comps[i].pages, intake.scanStatus
    intake.next()
    assert intake.session.step_name == "review" and intake.problems == []
    # No citizen screen here: the clerk records the citizen's yes to SMS notices.
    consent = win.services.extras["notice_consent"]
    assert not consent.citizenScreen and consent.channels() == []
    consent.toggle("sms", True)
    intake.save()
    wait_idle(qtbot, win)
    saved = intake.saved
    assert intake.session.step_name == "done"
    codes = [d["code"] for d in saved["dossiers"]]
    assert [d["procedure"] for d in saved["dossiers"]] == ["1.001193", "1.004222", "1.013131"]
    assert [int(c[-4:]) for c in codes] == [1001, 1002, 1003]
    qtbot.waitUntil(lambda: _item(win, "savedDossier_2") is not None)
    assert _item(win, "savedGroup").property("text").startswith("Liên thông")
    assert store.load_drafts() == []  # the draft went with the save
    # The consent went on each of the three dossiers, in the group's save.
    agreed = store.read(lambda db: [dict(r) for r in db.query(
        "SELECT d.code, c.channels, c.phone, c.source FROM notice_consents c"
        " JOIN dossiers d ON d.id = c.dossier_id ORDER BY d.code")])
    assert [(a["code"], a["channels"], a["source"]) for a in agreed] == \
        [(c, '["sms"]', "counter") for c in codes]

    # Three dossiers, one group; the birth certificate scanned once is one file.
    records = [store.get_dossier(c) for c in codes]
    assert {r["group"]["id"] for r in records} == {saved["group_id"]}
    assert all(r["status"] == int(Status.RECEIVED) for r in records)
    gcs = [[p["sha256"] for c in r["components"] if c["code"] == "GCS" for p in c["pages"]]
           for r in records]
    assert gcs[0] and gcs[0] == gcs[2] and gcs[1] == []
    assert records[0]["applicant"]["cccd_raw"] == CCCD == records[1]["applicant"]["cccd_raw"]

    # ONE receipt printed by itself: the three codes as barcodes on it.
    qtbot.waitUntil(lambda: win.services.printer.last_job is not None, timeout=60_000)
    job = win.services.printer.last_job
    assert job["code"] == codes[0] and job["form"] == "01"
    found: list[str] = []
    for png in rasterize(cups.printed(job["job"]), 200):
        found.extend(decode(png).get("Code128", []))
    assert sorted(found) == codes

    # Each moves on its own; the Detail screen of any shows the group and their statuses.
    store.change_status(codes[1], int(Status.PROCESSING), "central")
    app.go("detail", codes[2])
    qtbot.waitUntil(lambda: (win.detail.dossier or {}).get("code") == codes[2])
    group = win.detail.dossier["group"]
    assert "Liên thông đăng ký khai sinh" in group["title"] and "(3 hồ sơ)" in group["title"]
    lines = group["lines"]
    assert [line["code"] for line in lines] == codes
    assert [line["current"] for line in lines] == [False, False, True]
    assert "Công an xã" in lines[1]["text"] and Status.PROCESSING.label in lines[1]["text"]
    assert Status.RECEIVED.label in lines[0]["text"]
    qtbot.waitUntil(lambda: _item(win, "groupLine_2") is not None)
    assert "Liên thông" in _item(win, "detailGroup").property("text")
