"""Returning results and barcode routing on every screen."""

from __future__ import annotations

from typing import Any

from kiosk.demo import seed
from kiosk.dossier import Status
from tests.ui.conftest import wait_idle


def signed_in(window: Any) -> list[str]:
    codes = seed(window.services.store, progress=True)
    assert window.app.signIn("1234")
    return codes


def test_return_done_dossier_by_scanning_its_code(qtbot: Any, window: Any) -> None:
    codes = signed_in(window)
    done_code = codes[3]  # the demo dossier that is done
    window.returns.clear()
    window.app.go("return")
    assert window.services.extras["route_read"](done_code + "\r\n") == "dossier_code"
    wait_idle(qtbot, window)
    view = window.returns.dossier
    assert view["code"] == done_code and view["canReturn"]
    window.returns.setUnscannedReason("Máy quét đang hỏng")  # no result digitised (issue 24)
    window.returns.handOver(True, "", "")  # a proxy must give a name and ID
    wait_idle(qtbot, window)
    assert window.services.store.get_dossier(done_code)["status"] == int(Status.DONE)
    window.returns.handOver(True, "Trần Thị Bưởi", "001190001234")
    wait_idle(qtbot, window)
    record = window.services.store.get_dossier(done_code)
    assert record["status"] == int(Status.RETURNED)
    last = record["events"][-1]
    assert "Trần Thị Bưởi" in last["note"] and "001190001234" in last["note"]
    assert last["actor"] == "canbo"
    assert window.returns.returned


def test_return_of_a_dossier_not_done_says_when(qtbot: Any, window: Any) -> None:
    codes = signed_in(window)
    window.returns.clear()
    window.app.go("return")
    window.returns.find(codes[2])  # processing
    wait_idle(qtbot, window)
    view = window.returns.dossier
    assert not view["canReturn"]
    assert "chưa giải quyết xong" in view["advice"] and view["due"] in view["advice"]


def test_routing_from_home(qtbot: Any, window: Any) -> None:
    codes = signed_in(window)
    messages: list[tuple[str, str]] = []
    window.app.message.connect(lambda text, kind: messages.append((text, kind)))
    route = window.services.extras["route_read"]
    # A dossier code on Home opens it.
    assert route(codes[0]) == "dossier_code"
    wait_idle(qtbot, window)
    assert window.app.screen == "detail"
    assert window.detail.dossier["code"] == codes[0]
    # Another unit's code is refused with a clear message.
    window.app.go("home")
    assert route("000.00.99.H49-261122-1001") == "other"
    assert "đơn vị khác" in messages[-1][0]
    # A CCCD on Home starts an intake with the applicant filled.
    assert route("079203001234||Lê Văn Được|01012003|Nam|Quận 1, TP Hồ Chí Minh|15082021") == "cccd"
    assert window.app.screen == "intake"
    assert window.intake.session.applicant.name == "Lê Văn Được"
    # Anything else: a message, nothing changes.
    assert route("https://example.invalid/xyz") == "other"
    assert messages[-1][1] == "error"
    # A malformed CCCD: a clear message naming the field, the applicant kept.
    window.intake.applyCccd("079203001234||Lê Văn Được|31022003|Nam|x|15082021")
    assert "ngày sinh" in messages[-1][0]
    assert window.intake.session.applicant.name == "Lê Văn Được"


def test_reads_are_ignored_when_locked(qtbot: Any, window: Any) -> None:
    signed_in(window)
    window.app.lock()
    assert window.services.extras["route_read"]("000.00.04.H40-261122-1001") == "ignored"
    assert window.app.screen == "signin"


def test_lookup_and_overdue_lists(qtbot: Any, window: Any) -> None:
    signed_in(window)
    window.lookup.search("duong")  # Đặng Thùy Dương, without diacritics
    wait_idle(qtbot, window)
    assert window.lookup.results.count == 1
    row = window.lookup.results.get(0)
    assert row["name"] == "Đặng Thùy Dương"
    assert row["idNumber"].endswith("9900") and "•" in row["idNumber"]  # masked on screen
    # The demo's dossiers of today are due at 17:00: read the list at 10:00 today, or
    # after five in the afternoon they would all be overdue too.
    from kiosk import clock

    ten = clock.now().replace(hour=10, minute=0, second=0, microsecond=0)
    clock.set_source(lambda: ten)
    try:
        window.lookup.loadOverdue()
        wait_idle(qtbot, window)
    finally:
        clock.set_source(None)
    assert window.lookup.overdue.count == 1
    assert window.lookup.overdue.get(0)["overdue"]
