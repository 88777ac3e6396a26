"""Figures an inspection reads, through the screens that make them: the digitised share of
dossiers saved by the intake screen (every kind of checklist item), read on the Reports
screen, in its XLSX and in its PDF; and Home's "overdue now" against the Reports screen at
one moment."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from kiosk import clock
from kiosk.reports.export import COLUMNS, TOTAL_LINES
from tests.reports.history import BS, Clock, build, t
from tests.ui.conftest import wait_idle
from tests.ui.qml_items import blur, click, item_value, qml, type_into

CCCD = "001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|Thôn Đông, xã Mẫu|20042021"
BIRTH = "1.001193"  # TK, GCS (handed in), GTTT (shown only), UQ (optional)


def _receive(qtbot: Any, win: Any, ticks: list[int]) -> dict[str, Any]:
    """One birth registration through the intake screen: the CCCD read (so the ID card is
    ticked as shown only), ``ticks`` ticked and each of them scanned on the SANE test
    backend, then the save button. Returns the stored record."""
    intake = win.intake
    intake.start()
    win.app.go("intake")
    intake.chooseProcedure(BIRTH)
    intake.applyCccd(CCCD)
    intake.setField("phone", "0912345678")
    intake.next()
    for i in ticks:
        intake.setChecked(i, True)
    intake.next()
    for comp in ticks:
        intake.selectComponent(comp)
        intake.scan()
        wait_idle(qtbot, win)
        qtbot.waitUntil(lambda: not intake.scanner.active, timeout=60_000)
    intake.next()
    wait_idle(qtbot, win)
    assert intake.stepName == "review", intake.problems
    blur(win)
    messages: list[str] = []
    win.app.message.connect(lambda text, kind: messages.append(f"{kind}: {text}"))
    click(qtbot, win, "saveButton")
    qtbot.waitUntil(lambda: bool(intake.saved.get("code")) or any(
        m.startswith("error") for m in messages), timeout=60_000)
    assert intake.saved.get("code"), messages
    return dict(win.services.store.get_dossier(intake.saved["code"]))


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_digitised_share_counts_what_is_handed_in(qtbot: Any, window: Any,
                                                  tmp_path: Path) -> None:
    win = window
    assert win.app.signIn("1234")
    win.root().setProperty("width", 1366)
    win.root().setProperty("height", 768)
    # A: three papers handed in, all scanned (TK, GCS and the optional UQ), the ID card
    # shown. B: the optional UQ absent. Both are fully digitised.
    a = _receive(qtbot, win, [0, 1, 3])
    b = _receive(qtbot, win, [0, 1])
    kinds = {c["code"]: (c["checked"], c["presented"], bool(c["pages"]))
             for c in a["components"]}
    assert kinds == {"TK": (True, False, True), "GCS": (True, False, True),
                     "GTTT": (True, True, False), "UQ": (True, False, True)}
    assert [c["checked"] for c in b["components"] if c["code"] == "UQ"] == [False]

    win.app.go("home")
    wait_idle(qtbot, win)
    click(qtbot, win, "reportsButton")
    assert win.app.screen == "reports"
    reports = win.engine.rootContext().contextProperty("reports")
    qtbot.waitUntil(lambda: bool(reports.report) and not reports.loading, timeout=10_000)
    report = reports.report
    assert report["received"]["new"] == 2
    assert report["digitised"] == 2
    assert report["digitisation"] == {"dossiers": 2, "documents": 5, "scanned": 5,
                                      "reused": 0}
    assert report["digitised_share"] == 1.0
    shares = item_value(qtbot, win, "repShares", "text")
    assert "số hoá đủ 100,00 %: 2/2 hồ sơ" in shares, shares

    out = tmp_path / "exports"
    type_into(qtbot, win, "reportFolder", str(out))
    click(qtbot, win, "exportXlsx")
    click(qtbot, win, "exportPdf")
    qtbot.waitUntil(lambda: out.exists() and len(list(out.iterdir())) == 2, timeout=10_000)
    xlsx = next(out.glob("*.xlsx"))
    pdf = next(out.glob("*.pdf"))

    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    headings = next(r for r in rows if r[0] == "STT")
    digitised_col = list(headings).index("Đã số hoá đủ")
    total = next(r for r in rows if r[2] == "Tổng cộng")
    assert total[digitised_col] == 2
    lines = {r[2]: r[3] for r in rows if len(r) > 3 and r[2] in dict(TOTAL_LINES).values()}
    labels = dict(TOTAL_LINES)
    assert lines[labels["digitised_share"]] == 1.0
    assert lines[labels["digitisation.documents"]] == 5

    text = _pdf_text(pdf)
    total_line = next(ln for ln in text.splitlines() if "Tổng cộng" in ln)
    numbers = [int(tok) for tok in total_line.split() if tok.isdigit()]
    assert numbers[[k for k, _h in COLUMNS].index("digitised")] == 2
    flat = " ".join(text.split())
    assert ("Tỷ lệ hồ sơ được số hoá đủ (trên số hồ sơ có giấy tờ phải số hoá): 100,00 %"
            in flat)
    assert "Giấy tờ phải số hoá (đã nộp, không tính giấy tờ chỉ xuất trình): 5" in flat


def test_home_and_reports_count_overdue_the_same_at_one_moment(qtbot: Any, window: Any
                                                               ) -> None:
    win = window
    c = Clock()
    clock.set_source(c)
    try:
        store = win.services.store
        codes = build(store, c)
        assert win.app.signIn("1234")
        win.root().setProperty("width", 1366)
        win.root().setProperty("height", 768)
        # Tuesday Dec 1, 10:00. E: received now, same-day procedure, due 17:00 today — not
        # overdue yet (a report judged at the end of the day would call it overdue). C,
        # overdue since Oct 30, is asked for a supplement now: its clock stopped after its
        # due, so it stays overdue (Home used to drop it, the report kept it).
        c.at = t("2026-12-01T10:00")
        from kiosk.storage import ApplicantInput, DossierInput

        e = store.save_dossier(DossierInput(BS, ApplicantInput("Người nộp E")), "canbo1")
        assert e.due_at == t("2026-12-01T17:00")
        store.change_status(codes["C"], 5, "canbo2", "Thiếu bản chính")

        win.app.go("home")
        win.home.refresh()
        wait_idle(qtbot, win)
        assert win.home.stats["overdue"] == 1
        assert item_value(qtbot, win, "statOverdue", "value") == "1"
        assert "Quá hạn đến giờ này" in item_value(qtbot, win, "statOverdue", "label")
        assert [r["code"] for r in store.overdue()] == [codes["C"]]

        # The Reports screen, this month (Dec 1 – Dec 1) at the same moment: the same 1.
        click(qtbot, win, "reportsButton")
        click(qtbot, win, "presetMonth")
        reports = win.engine.rootContext().contextProperty("reports")
        qtbot.waitUntil(lambda: reports.dateTo == "2026-12-01" and not reports.loading,
                        timeout=10_000)
        assert reports.dateFrom == "2026-12-01"
        report = reports.report
        assert report["judged_at"] == "2026-12-01T10:00:00+07:00"
        assert report["pending"]["overdue"] == 1
        label = item_value(qtbot, win, "repPending", "label")
        assert "1 quá hạn tính đến giờ này (10:00 01/12/2026)" in label, label

        # November, judged at its end: the label says so.
        type_into(qtbot, win, "reportFrom", "2026-11-01")
        type_into(qtbot, win, "reportTo", "2026-11-30")
        click(qtbot, win, "reportShow")
        qtbot.waitUntil(lambda: reports.dateTo == "2026-11-30" and not reports.loading,
                        timeout=10_000)
        assert reports.report["judged_at"] == "2026-12-01T00:00:00+07:00"
        label = item_value(qtbot, win, "repPending", "label")
        assert "quá hạn tính đến cuối kỳ (hết ngày 30/11/2026)" in label, label
        assert qml(win, "repPending", "value") == str(reports.report["pending"]["total"])
    finally:
        clock.set_source(None)
