"""``kiosk report summary`` carries the citizen screen's figures: satisfaction per clerk and
per procedure, and the queue's median wait — from a real SQLite file, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from kiosk.citizen.ratings_report import period_blocks
from kiosk.clock import now
from kiosk.storage import Store
from kiosk.storage.citizen import CitizenStore
from kiosk.storage.model import ApplicantInput, DossierInput

ROOT = Path(__file__).resolve().parents[2]


def _kiosk(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_summary_has_satisfaction_and_queue_waits(kiosk_home: Path) -> None:
    day = now().date()
    with Store() as store:
        a = store.save_dossier(DossierInput("2.000815", ApplicantInput("Phạm Quốc Việt")),
                               actor="clerk1")
        b = store.save_dossier(DossierInput("1.001193", ApplicantInput("Lê Thị Hoa")),
                               actor="clerk2")
        citizen = CitizenStore(store)
        for dossier, occasion, level, reason, clerk in (
                (a, "intake", 3, "", "clerk1"), (a, "return", 1, "attitude", "clerk1"),
                (b, "intake", 2, "", "clerk2")):
            citizen.add_rating(rating_id=str(uuid.uuid4()), dossier_id=dossier.id,
                               occasion=occasion, level=level, reason=reason, clerk=clerk,
                               counter=1)
        # Two tickets: waited 4 and 10 minutes (median 7), one still waiting.
        base = f"{day.isoformat()}T08:00:00+07:00"
        for n, called in ((1, "08:04"), (2, "08:10"), (3, None)):
            citizen.record_ticket({
                "id": str(uuid.uuid4()), "day": day.isoformat(), "service": "A", "number": n,
                "label": f"A1-{n:02d}", "origin": "local", "issued_counter": 1,
                "taken_at": base,
                "called_at": f"{day.isoformat()}T{called}:00+07:00" if called else None,
                "state": "called" if called else "waiting"})
        expected = period_blocks(store, day, day)
    report = _kiosk("report", "summary", "--from", day.isoformat(), "--to", day.isoformat())
    sat, queue = report["satisfaction"], report["queue"]
    assert (sat["ratings"], sat["very_satisfied"], sat["satisfied"], sat["unsatisfied"]) == (
        3, 1, 1, 1)
    assert sat["reasons"]["attitude"] == 1
    assert {c["clerk"]: c["ratings"] for c in sat["by_clerk"]} == {"clerk1": 2, "clerk2": 1}
    assert {p["procedure_code"]: p["ratings"] for p in sat["by_procedure"]} == {
        "2.000815": 2, "1.001193": 1}
    assert (queue["tickets"], queue["called"], queue["waiting"]) == (3, 2, 1)
    assert queue["median_wait_minutes"] == 7.0
    assert sat == json.loads(json.dumps(expected["satisfaction"]))
    # With --procedure, satisfaction per procedure keeps only that procedure.
    one = _kiosk("report", "summary", "--from", day.isoformat(), "--to", day.isoformat(),
                 "--procedure", "1.001193")
    assert [p["procedure_code"] for p in one["satisfaction"]["by_procedure"]] == ["1.001193"]


def test_pdf_and_xlsx_carry_satisfaction_and_queue(kiosk_home: Path, tmp_path: Path) -> None:
    """The same figures as the JSON, as tables a person reads: in the PDF (pdftotext) and in
    the workbook (cell by cell), with Vietnamese headings only."""
    from openpyxl import load_workbook

    day = now().date()
    with Store() as store:
        a = store.save_dossier(DossierInput("2.000815", ApplicantInput("Phạm Quốc Việt")),
                               actor="clerk1")
        b = store.save_dossier(DossierInput("2.000815", ApplicantInput("Lê Thị Hoa")),
                               actor="clerk1")
        citizen = CitizenStore(store)
        for dossier, occasion, level, reason in ((a, "intake", 3, ""), (a, "return", 1, "time"),
                                                 (b, "intake", 2, "")):
            citizen.add_rating(rating_id=str(uuid.uuid4()), dossier_id=dossier.id,
                               occasion=occasion, level=level, reason=reason, clerk="clerk1",
                               counter=1)
        base = f"{day.isoformat()}T08:00:00+07:00"
        for n, called in ((1, "08:04"), (2, "08:10"), (3, None)):
            citizen.record_ticket({
                "id": str(uuid.uuid4()), "day": day.isoformat(), "service": "A", "number": n,
                "label": f"A1-{n:02d}", "origin": "local", "issued_counter": 1,
                "taken_at": base,
                "called_at": f"{day.isoformat()}T{called}:00+07:00" if called else None,
                "state": "called" if called else "waiting"})
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    for fmt, path in (("pdf", pdf), ("xlsx", xlsx)):
        _kiosk("report", "summary", "--from", day.isoformat(), "--to", day.isoformat(),
               "--format", fmt, "--out", str(path))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    lines = [" ".join(ln.split()) for ln in text.splitlines()]
    assert "MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN, TỔ CHỨC" in lines
    # 3 ratings: 1 very satisfied, 1 satisfied, 1 not: 66,7 % satisfied.
    assert "Toàn đơn vị 3 1 1 1 66,7" in lines  # under "Tỷ lệ hài lòng (%)"
    assert "Khi tiếp nhận hồ sơ 2 1 1 0 100,0" in lines
    assert "Khi trả kết quả 1 0 0 1 0,0" in lines
    assert "Thời gian 1" in lines  # the reason given for "không hài lòng"
    assert "XẾP HÀNG LẤY SỐ THỨ TỰ" in lines
    # tickets, called, of them priority, no-shows, median wait (min), median service
    assert any(ln.startswith("A — Tiếp nhận hồ sơ 3 2 0 0 7,0") for ln in lines), lines
    assert "Phiếu còn chờ, chưa được gọi: 1" in lines

    wb = load_workbook(xlsx)
    rows = [r for r in wb.active.iter_rows(values_only=True)]
    by_label = {r[2]: r[3:] for r in rows if len(r) > 3 and isinstance(r[2], str)}
    assert by_label["Toàn đơn vị"][:5] == (3, 1, 1, 1, 66.7)
    assert by_label["A — Tiếp nhận hồ sơ"][:5] == (3, 2, 0, 0, 7.0)
    assert by_label["Phiếu còn chờ, chưa được gọi"][0] == 1
    assert "Đối tượng đánh giá" in by_label  # the headings row, in Vietnamese
