"""The report over a month of history, against numbers worked out by hand."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main
from kiosk.storage import Store
from tests.reports.history import BS, EXPECTED_NOVEMBER, build, controlled_clock


@pytest.fixture
def history(kiosk_home: Path) -> Any:
    with controlled_clock() as c:
        store = Store(orphan_grace_seconds=None)
        try:
            codes = build(store, c)
            yield store, codes, c
        finally:
            store.close()


def expected() -> dict[str, Any]:
    exp = copy.deepcopy(EXPECTED_NOVEMBER)
    from kiosk.catalog import load_catalog

    exp["by_procedure"][1]["name"] = load_catalog().get(BS).name
    return exp


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_summary_json_matches_hand_computed(history: Any, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    code, out, err = run_cli(capsys, "report", "summary", "--from", "2026-11-01",
                             "--to", "2026-11-30")
    assert code == 0, err
    report = json.loads(out)
    # The citizen screen's blocks (tests/reports/test_summary_citizen.py): none this month.
    assert report.pop("satisfaction")["ratings"] == 0
    assert report.pop("queue")["tickets"] == 0
    # Slot use of booked times (issue 27): the default group A's places, none booked.
    (group_a,) = report.pop("booking")["by_service"]
    assert (group_a["service"], group_a["bookings"]) == ("A", 0)
    # 20 working days: 24/11 is Vietnam Cultural Day; 16 slots of 3 places a day.
    assert group_a["free"] == group_a["places"] == 20 * 48 and len(group_a["by_day"]) == 20
    # No fee was collected in this history (issue 23): both procedures bear a fee, so every
    # dossier received in November that was not refused or withdrawn lacks a receipt.
    fees = report.pop("fees")
    assert (fees["receipts"], fees["collected"], fees["exempt"]) == (0, 0, 0)
    store = history[0]
    owing = store.read(lambda db: [r[0] for r in db.execute(
        "SELECT code FROM dossiers WHERE day BETWEEN '2026-11-01' AND '2026-11-30' AND "
        "status NOT IN (3, 7) ORDER BY received_at")])
    assert [m["code"] for m in fees["missing_receipts"]] == owing and owing
    assert report == expected()


def test_summary_for_one_procedure(history: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "report", "summary", "--from", "2026-11-01",
                              "--to", "2026-11-30", "--procedure", "1.004873")
    assert code == 0
    report = json.loads(out)
    tthn = expected()["by_procedure"][0]
    assert report["received"] == tthn["received"]
    assert report["resolved"] == tthn["resolved"]
    assert report["pending"] == tthn["pending"]
    assert [p["code"] for p in report["by_procedure"]] == ["1.004873"]


def test_postponement_and_pause_on_the_record(history: Any,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    store, codes, _c = history
    _code, out, _err = run_cli(capsys, "dossier", "show", codes["D7"])
    record = json.loads(out)
    assert record["original_due"] == "2026-11-27T09:00:00+07:00"
    assert record["due"] == "2026-12-02T10:00:00+07:00"
    assert [p["letter_number"] for p in record["postponements"]] == [
        "002/2026/PXL-Q1", "003/2026/PXL-Q1"]
    assert [p["previous_due_at"] for p in record["postponements"]] == [
        "2026-11-27T09:00:00+07:00", "2026-11-30T10:00:00+07:00"]
    d3 = store.get_dossier(codes["D3"])
    assert d3["original_due"] == "2026-11-09T10:00:00+07:00"  # pushed by the 8 h pause
    assert d3["pauses"] == [{"started_at": "2026-11-04T09:00:00+07:00",
                             "ended_at": "2026-11-05T09:00:00+07:00",
                             "note": "Thiếu giấy xác nhận cư trú",
                             # The clock rule kept with the pause (issue 25; default pause).
                             "rule": "pause"}]
    actions = [a["action"] for a in store.audit_log(record["id"])]
    assert actions.count("dossier.postpone") == 2
    notes = [e["note"] for e in record["events"] if e["from_status"] == e["to_status"]]
    assert len(notes) == 2 and "003/2026/PXL-Q1" in notes[1]


def test_back_entry_keeps_the_paper_time(history: Any) -> None:
    store, codes, _c = history
    d6 = store.get_dossier(codes["D6"])
    assert "-261110-" in d6["code"]
    assert d6["received_at"] == "2026-11-10T08:00:00+07:00"
    assert d6["entered_at"] == "2026-11-12T10:00:00+07:00"
    assert d6["entered_by"] == "canbo1"
    assert d6["original_due"] == "2026-11-13T08:00:00+07:00"


def test_empty_period_and_bad_input(history: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "report", "summary", "--from", "2026-01-01",
                              "--to", "2026-01-31")
    report = json.loads(out)
    assert report["received"]["total"] == 0 and report["online_share"] is None
    code, _out, err = run_cli(capsys, "report", "summary", "--from", "2026-11-30",
                              "--to", "2026-11-01")
    assert code == 2 and "Khoảng ngày" in err
    code, _out, err = run_cli(capsys, "report", "summary", "--from", "2026-11-01",
                              "--to", "2026-11-30", "--format", "pdf")
    assert code == 2 and "--out" in err


def _pdf_text(path: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def _row_numbers(text: str, code: str) -> list[int]:
    line = next(ln for ln in text.splitlines() if code in ln.split())
    after = line.split(code, 1)[1].split()
    return [int(tok) for tok in after if tok.isdigit()]


def test_pdf_and_xlsx_carry_the_json_numbers(history: Any, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess

    from openpyxl import load_workbook

    from kiosk.reports.export import COLUMNS, TOTAL_LINES, value
    from tests.pdfa_checks import assert_pdfa_2b

    exp = expected()
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    for fmt, path in (("pdf", pdf), ("xlsx", xlsx)):
        code, _out, err = run_cli(capsys, "report", "summary", "--from", "2026-11-01",
                                  "--to", "2026-11-30", "--format", fmt, "--out", str(path))
        assert code == 0, err
    text = _pdf_text(pdf)
    for proc in exp["by_procedure"]:
        assert _row_numbers(text, proc["code"]) == [value(proc, k) for k, _h in COLUMNS]
    total_line = next(ln for ln in text.splitlines() if "Tổng cộng" in ln)
    assert [int(t) for t in total_line.split() if t.isdigit()] == [
        value(exp, k) for k, _h in COLUMNS]
    flat = " ".join(text.split())
    assert "Tỷ lệ hồ sơ trực tuyến: 22,22 %" in flat
    assert ("Tỷ lệ hồ sơ được số hoá đủ (trên số hồ sơ có giấy tờ phải số hoá): 66,67 %"
            in flat)
    assert "Giấy tờ phải số hoá (đã nộp, không tính giấy tờ chỉ xuất trình): 18" in flat
    assert "Hồ sơ nhập bù từ sổ giấy: 1" in flat
    assert "tính đến hết ngày 30/11/2026 (cuối kỳ)" in flat
    # Column headings wrap at spaces only: every word of every heading comes out whole
    # (a word cut inside, «chuy ển», would leave neither half as a word of the text).
    words = set(text.split())
    for _key, heading in COLUMNS:
        for word in heading.split():
            assert word in words, (word, heading)
    # PDF/A-2b: the bundled font only, embedded; XMP identification; sRGB output intent.
    assert_pdfa_2b(pdf)
    size = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    assert "841.89 x 595.276" in size  # A4 landscape

    wb = load_workbook(xlsx)
    ws = wb.active
    assert ws.title == "Tổng hợp"
    rows = list(ws.iter_rows(values_only=True))
    # Human headings only: no row names JSON keys, anywhere in the workbook.
    keys = {k for k, _h in COLUMNS} | {k for k, _l in TOTAL_LINES}
    cells = {str(v) for sheet in wb.worksheets for r in sheet.iter_rows(values_only=True)
             for v in r if v is not None}
    assert not (cells & keys), cells & keys
    heading_row = next(r for r in rows if r[0] == "STT")
    assert list(heading_row[3:3 + len(COLUMNS)]) == [h for _k, h in COLUMNS]
    by_code = {r[1]: r for r in rows if r[1] in {p["code"] for p in exp["by_procedure"]}}
    for proc in exp["by_procedure"]:
        numbers = list(by_code[proc["code"]][3:3 + len(COLUMNS)])
        assert numbers == [value(proc, k) for k, _h in COLUMNS]
        assert all(isinstance(v, int) for v in numbers)
    total = next(r for r in rows if r[2] == "Tổng cộng")
    assert list(total[3:3 + len(COLUMNS)]) == [value(exp, k) for k, _h in COLUMNS]
    lines = {r[2]: r[3] for r in rows if r[2] in dict(TOTAL_LINES).values()}
    assert lines == {label: value(exp, key) for key, label in TOTAL_LINES}


def test_reconcile_against_the_paper_book(history: Any, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    paper = tmp_path / "book.csv"
    # The book: Nov 2 had 3 on paper (2 typed in), Nov 10 1 (back-entered), Nov 12 one more.
    paper.write_text("date,count\n2026-11-02,3\n2026-11-10,1\n2026-11-12,1\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "report", "reconcile", "--from", "2026-11-01",
                             "--to", "2026-11-12", "--paper", str(paper))
    assert code == 0, err
    lines = [json.loads(x) for x in out.splitlines()]
    by_day = {x["date"]: x for x in lines}
    assert len(lines) == 13
    # Electronic: Nov 2 D1 D2; Nov 3 D3; Nov 5 D4; Nov 6 D5; Nov 10 D6 (paper day).
    assert by_day["2026-11-02"] == {"date": "2026-11-02", "paper": 3, "electronic": 2,
                                    "difference": -1}
    assert by_day["2026-11-10"]["difference"] == 0
    assert by_day["2026-11-12"] == {"date": "2026-11-12", "paper": 1, "electronic": 0,
                                    "difference": -1}
    assert by_day["2026-11-03"]["difference"] == 1
    assert by_day["total"] == {"date": "total", "paper": 5, "electronic": 6, "difference": 1,
                               "days_differing": 5}
    paper.write_text("date,count\n2026-11-02,abc\n", encoding="utf-8")
    code, _out, err = run_cli(capsys, "report", "reconcile", "--from", "2026-11-01",
                              "--to", "2026-11-12", "--paper", str(paper))
    assert code == 2 and "Dòng 2" in err


def test_postal_hand_over_list(history: Any, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    _store, codes, _c = history
    out_pdf = tmp_path / "bang-ke.pdf"
    code, out, err = run_cli(capsys, "report", "postal-list", "--date", "2026-11-09",
                             "--out", str(out_pdf))
    assert code == 0, err
    assert json.loads(out)["codes"] == [codes["D3"]]  # done Nov 9, to be returned by post
    text = _pdf_text(out_pdf)
    assert codes["D3"] in text and "BẢNG KÊ" in text and "Người nộp D3" in text
    code, out, _err = run_cli(capsys, "report", "postal-list", "--date", "2026-11-06",
                              "--out", str(out_pdf))
    assert json.loads(out)["rows"] == 0


def test_postal_list_is_pdfa_with_the_bundled_font(history: Any, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess

    out_pdf = tmp_path / "bang-ke.pdf"
    assert run_cli(capsys, "report", "postal-list", "--date", "2026-11-09", "--out",
                   str(out_pdf))[0] == 0
    fonts = subprocess.run(["pdffonts", str(out_pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert fonts and all("BeVietnamPro" in f for f in fonts), fonts
    from tests.pdfa_checks import assert_pdfa_2b

    assert_pdfa_2b(out_pdf)


def test_apology_letter_quotes_its_number_and_the_replaced_appointment(history: Any,
                                                                       tmp_path: Path) -> None:
    from kiosk.cli.late_commands import render_letter

    store, codes, _c = history
    record = store.get_dossier(codes["D7"])
    last = record["postponements"][-1]
    letter = {"code": codes["D7"], "letter": {"number": last["letter_number"],
                                              "issued_at": last["issued_at"]}}
    pdf = tmp_path / "mau04.pdf"
    pdf.write_bytes(render_letter(store, letter, last["reason"]).pdf)
    text = " ".join(_pdf_text(pdf).split())
    assert "Số: 003/2026/PXL-Q1" in text
    assert "Chờ cơ quan khác trả lời" in text
    # The appointment it replaces (Nov 30 10:00), then the new one (Dec 2 10:00).
    assert "ngày 30 tháng 11 năm 2026" in text
    assert "10 giờ 00 phút, ngày 02 tháng 12 năm 2026" in text


def test_unknown_procedure_is_an_error_not_zeros(history: Any,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "report", "summary", "--from", "2026-11-01", "--to",
                             "2026-11-30", "--procedure", "9.999999")
    assert code != 0 and out == "" and "9.999999" in err


def test_chart_data_by_month(history: Any) -> None:
    from datetime import date

    from kiosk.ui.reports_model import build_view

    store, _codes, _c = history
    view = build_view(store.report_records(), date(2026, 10, 1), date(2026, 11, 30), "X")
    # October: A, B, C received (all scanned), A resolved early; November as above.
    assert view["months"] == [
        {"month": "2026-10", "on_time": 1, "late": 0, "digitised_share": 1.0, "new": 3},
        {"month": "2026-11", "on_time": 4, "late": 2, "digitised_share": 0.6667, "new": 9}]
    assert [(c["key"], c["value"]) for c in view["channels"]] == [
        ("direct", 8), ("online", 2), ("postal", 1), ("other", 1)]
