"""What the walk-through of issue 11 found, each checked on the real window (offscreen):
messages a clerk can read, the hand-over, the apology dialog, the token check, the timeline,
the scan's visible stop, thumbnails in a clerk's words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kiosk.demo import seed
from kiosk.intake import IntakePage
from tests.ui.conftest import wait_idle


def messages(window: Any) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    window.app.message.connect(lambda text, kind: seen.append((text, kind)))
    return seen


def test_no_printer_at_all_reads_as_two_clear_sentences(qtbot: Any, window: Any,
                                                        tmp_path: Path) -> None:
    from kiosk.devices.printer.cups import CupsPrinter

    codes = seed(window.services.store)
    assert window.app.signIn("9999")  # the admin also gets the details
    seen = messages(window)
    window.services.printer.printer = CupsPrinter(str(tmp_path / "no-cupsd.sock"))
    window.services.printer.print_form(codes[0])
    wait_idle(qtbot, window)
    text, kind = seen[-1]
    assert kind == "error"
    assert not re.search(r"Errno|Error|refused|\.sock|Traceback", text), text
    assert text.startswith("Chưa in được phiếu hẹn. Không kết nối được dịch vụ in. Kiểm tra")
    assert "Hồ sơ đã lưu" in text
    # Every sentence ends before the next begins.
    assert not re.search(r"[^.!?…:]\s+[A-ZĐÂÊÔƠƯ][a-zàáạảãâầấậẩẫăằắặẳẵđèéẹẻẽêềếệểễ]", text), text
    detail = window.app.errorDetail
    assert "no-cupsd.sock" in detail and "no_cups" in detail  # the admin's details view


def test_home_device_panel_says_it_in_words(qtbot: Any, window: Any, tmp_path: Path) -> None:
    from kiosk.devices.printer.cups import CupsPrinter
    from kiosk.ui.home_model import device_states

    window.services.printer.printer = CupsPrinter(str(tmp_path / "none.sock"))
    rows = {r["kind"]: r for r in device_states(window.services)}
    assert rows["printer"]["state"] == "Không kết nối được dịch vụ in." and not rows["printer"]["ok"]


def test_hand_over_then_the_screen_says_so_in_green(qtbot: Any, window: Any) -> None:
    codes = seed(window.services.store, progress=True)
    assert window.app.signIn("1234")
    window.returns.clear()
    wait_idle(qtbot, window)
    # The Return screen lists what is waiting to be collected (the demo's finished one).
    assert window.returns.matches.count == 1 and "chờ trả" in window.returns.matchesTitle
    window.app.go("return")
    window.returns.find(codes[3])
    wait_idle(qtbot, window)
    window.returns.setUnscannedReason("Máy quét đang hỏng")  # no result digitised (issue 24)
    window.returns.handOver(False, "", "")
    wait_idle(qtbot, window)
    view = window.returns.dossier
    assert view["justReturned"] and view["advice"].startswith("Đã trả kết quả cho Phạm Quốc Việt")
    assert "trước đó" not in view["advice"]


def test_apology_keeps_the_dialog_when_the_reason_is_missing(qtbot: Any, window: Any) -> None:
    codes = seed(window.services.store)
    assert window.app.signIn("1234")
    window.detail.load(codes[4])
    wait_idle(qtbot, window)
    assert window.detail.printApology("  ", 3) is False
    assert window.detail.printApology("Chờ xác minh của cơ quan công an", 3) is True


def test_timeline_shows_names_not_logins(qtbot: Any, window: Any) -> None:
    codes = seed(window.services.store, progress=True)
    assert window.app.signIn("1234")
    window.detail.load(codes[3])
    wait_idle(qtbot, window)
    actors = [window.detail.events.get(i)["actor"] for i in range(window.detail.events.count)]
    assert actors[0] == "Nguyễn Thị Demo" and "Trung tâm (máy chủ tỉnh)" in actors
    assert "canbo" not in actors


def test_an_empty_token_is_refused_with_the_right_words(qtbot: Any, window: Any) -> None:
    assert window.app.signIn("9999")
    seen = messages(window)
    window.settings.setDeviceToken("   ")
    assert seen[-1] == ("Chưa nhập mã thiết bị. Dán mã do máy chủ cấp vào ô rồi bấm Lưu.",
                        "error")


def test_a_wrong_token_is_checked_with_the_server_before_saving(qtbot: Any, window: Any,
                                                                 tmp_path: Path) -> None:
    from central.blobstore import BlobStore
    from central.db import Database
    from central.runner import ServerThread
    from kiosk.sync import credentials

    db = Database(str(tmp_path / "central.sqlite3"))
    with ServerThread(db, BlobStore(tmp_path / "blobs")) as server:
        window.services.config.set("sync.server_url", server.url)
        assert window.app.signIn("9999")
        seen = messages(window)
        window.settings.setDeviceToken("not-a-token")
        wait_idle(qtbot, window)
        assert seen[-1] == ("Chưa lưu mã thiết bị. Máy chủ không nhận mã thiết bị này. Kiểm tra "
                            "lại mã, hoặc xin máy chủ cấp mã mới.", "error")
        assert credentials.load_token(server.url) is None


def test_stop_during_a_scan_shows_at_once(qtbot: Any, window: Any) -> None:
    intake = window.intake
    assert window.app.signIn("1234")
    intake.start()
    intake.chooseProcedure("2.000815")
    intake.setField("name", "Phạm Quốc Việt")
    intake.next()
    intake.setChecked(0, True)
    intake.next()
    intake.scan()
    intake.cancelScan()
    assert intake.stopping and "Đang dừng" in intake.scanStatus
    wait_idle(qtbot, window)
    assert not intake.stopping and "dừng" in intake.scanStatus.lower()


@pytest.mark.parametrize(("encoding", "color", "size", "words"), [
    ("jpeg-gray", False, 817 * 1024, "Đen trắng · 817 KB"),
    ("g4", False, 23 * 1024, "Đen trắng · 23 KB"),
    ("mrc", True, 45 * 1024, "Màu · 45 KB"),
    ("jpeg", True, 1_300_000, "Màu · 1,2 MB"),
])
def test_thumbnail_caption_in_a_clerks_words(encoding: str, color: bool, size: int,
                                             words: str) -> None:
    from kiosk.ui.intake_text import page_summary

    assert page_summary(IntakePage("a", "b", encoding=encoding, color=color, size=size)) == words


def test_last_sync_never_says_zero_minutes() -> None:
    from kiosk.ui.sync_link import last_sent_text

    assert last_sent_text(5) == "lần cuối: vừa xong"
    assert last_sent_text(125) == "lần cuối 2 phút trước"
    assert last_sent_text(7300) == "lần cuối 2 giờ trước"


def test_settings_pick_printer_and_scanner_from_what_is_there(qtbot: Any, window: Any,
                                                              cups: Any) -> None:
    from kiosk.devices.printer.cups import CupsPrinter

    window.services.printer.printer = CupsPrinter(cups.socket)
    assert window.app.signIn("9999")
    window.settings.load()
    window.settings.findDevices()
    wait_idle(qtbot, window)
    rows = {window.settings.rows.get(i)["key"]: window.settings.rows.get(i)
            for i in range(window.settings.rows.count)}
    for key in ("unit.name", "unit.code", "counter.number", "locale.language"):
        assert key in rows
    assert rows["printer.name"]["kind"] == "choice"
    assert rows["printer.name"]["choices"] == ["", "KioskPDF"]
    assert rows["scanner.device"]["kind"] == "choice" and len(rows["scanner.device"]["choices"]) > 1
    assert rows["locale.language"]["labels"] == ["Tiếng Việt", "English"]
    assert window.settings.set("printer.name", "KioskPDF")
    assert window.services.config.get("printer.name") == "KioskPDF"
