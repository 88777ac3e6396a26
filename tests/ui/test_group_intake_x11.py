"""Issue 25 §3 on the touch screen: the app on Xvfb, every touch a real X click (xdotool).
The clerk types "lien thong" on the on-screen keyboard, taps the death group (khai tử + xoá
thường trú + trợ cấp mai táng), ticks the merged checklist, scans each paper once through
the SANE test backend and saves: three dossiers, one group, one receipt."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.touch import Finger
from tests.ui.xserver import AppProcess, XServer, missing_tools

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))

CCCD = ("001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|"
        "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")
GROUP = "KT-XTT-MT"


@pytest.fixture
def finger(kiosk_home: Path) -> Iterator[Finger]:
    server = XServer()
    proc = AppProcess(server, kiosk_home, {"KIOSK_TEST_CONFIG": json.dumps(
        {"scanner.source": "flatbed", "scanner.resolution": 150})})
    try:
        window = proc.call("result = int(root.winId())")
        server.xdotool("mousemove", "600", "400")
        server.xdotool("windowfocus", "--sync", str(window))
        yield Finger(server, proc)
    finally:
        proc.stop()
        server.stop()


def _shot(finger: Finger, path: Path) -> None:
    """What the clerk sees, kept beside the test (a finger off the screen)."""
    finger.x.xdotool("mousemove", "0", "0")
    finger.app.call(f"root.grabWindow().save({str(path)!r})")
    assert path.stat().st_size > 10_000


def test_death_group_by_touch(finger: Finger, tmp_path: Path) -> None:
    app = finger.app
    app.call("assert app.signIn('1234')")
    finger.tap("receiveButton")
    finger.tap("procedureSearch")
    finger.type_on_keyboard("lien thong")
    # The keyboard capitalises the first letter of a field, as for a name.
    assert app.wait_for("result = focus_item()['text']", "Lien thong") == "Lien thong"
    finger.tap_key("<hide>")
    assert app.wait_for("result = intake.procedures.get(0)['code']", "KS-TT-BHYT") \
        == "KS-TT-BHYT"
    finger.spot(f"procedure_{GROUP}")
    _shot(finger, tmp_path / "1-picker.png")
    finger.tap(f"procedure_{GROUP}")
    assert app.wait_for("result = intake.session.group_code", GROUP) == GROUP
    assert app.wait_for("result = intake.session.step_name", "applicant") == "applicant"
    # The applicant read once, from the card.
    assert app.call(f"result = route({CCCD!r})") == "cccd"
    app.call("intake.setField('phone', '0912345678')")
    finger.tap("nextButton")
    assert app.wait_for("result = intake.session.step_name", "checklist") == "checklist"
    rows = app.call("result = [[c.code, c.name, c.mandatory, c.checked, c.presented] "
                    "for c in intake.session.components]")
    assert [r[0] for r in rows[:2]] == ["GBT", "GTTT"]
    assert "dùng chung" in rows[0][1] and rows[1][3] is True  # the card read: shown
    for i, (_code, _name, mandatory, checked, _shown) in enumerate(rows):
        if mandatory and not checked:
            finger.tap(f"check_{i}")
            assert app.wait_for(f"result = intake.session.components[{i}].checked", True)
    _shot(finger, tmp_path / "2-checklist.png")
    finger.tap("nextButton")
    assert app.wait_for("result = intake.session.step_name", "scan") == "scan"
    to_scan = app.call("result = [i for i, c in enumerate(intake.session.components) "
                       "if c.checked and not c.presented]")
    for i in to_scan:
        finger.tap(f"scanItem_{i}")
        finger.tap("scanButton")
        finger.wait(f"result = bool(intake.session.components[{i}].pages) and "
                    "not intake.scanner.active", f"the scan of item {i}", timeout=120)
    finger.tap("nextButton")
    assert app.wait_for("result = intake.session.step_name", "review") == "review"
    finger.tap("saveButton")
    saved = finger.wait("s = intake.saved; result = s if s.get('dossiers') else None",
                        "the save", timeout=60)
    finger.spot("savedDossier_2")
    _shot(finger, tmp_path / "3-done.png")
    codes = [d["code"] for d in saved["dossiers"]]
    assert [d["procedure"] for d in saved["dossiers"]] == ["1.000656", "1.004206", "1.001731"]
    records = app.call("result = [services.store.get_dossier(c) for c in "
                       f"{codes!r}]")
    assert {r["group"]["id"] for r in records} == {saved["group_id"]}
    gbt = [[p["sha256"] for c in r["components"] if c["code"] == "GBT" for p in c["pages"]]
           for r in records]
    assert gbt[0] and gbt[0] == gbt[1] == gbt[2]  # one scan, linked to the three
    # The Detail screen of the second shows the group and each dossier's own status.
    app.call(f"app.go('detail', {codes[1]!r})")
    finger.spot("groupLine_2")
    title = app.call("result = win.detail.dossier['group']['title']")
    assert "khai tử" in title and "(3 hồ sơ)" in title
    _shot(finger, tmp_path / "4-detail.png")
