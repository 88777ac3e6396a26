"""The period report's fee sections: collected per procedure, clerk and method, and the list
of fee-bearing dossiers with neither a receipt nor an exemption (JSON, PDF/A page, XLSX sheet)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from kiosk.pdfa import pdfa_problems

from .helpers import configure, kiosk_json


def test_fees_in_the_period_report(kiosk_home: Path, tmp_path: Path) -> None:
    configure(kiosk_home)
    signature = kiosk_json("certify", "--kind", "signature", "--copies", "2", home=kiosk_home,
                           actor="lan")
    copy = kiosk_json("certify", "--kind", "copy", "--pages", "3", "--copies", "1",
                      "--method", "transfer", home=kiosk_home, actor="minh")
    exempt = kiosk_json("dossier", "new", "--procedure", "2.000884", "--name", "Bùi Văn A",
                        home=kiosk_home)["code"]
    kiosk_json("fee", "collect", exempt, "--method", "exempt", "--reason",
               "Người thuộc hộ nghèo", home=kiosk_home, actor="lan")
    unpaid = kiosk_json("dossier", "new", "--procedure", "2.000884", "--name", "Bùi Văn B",
                        home=kiosk_home)["code"]
    voided = kiosk_json("dossier", "new", "--procedure", "2.000635", "--name", "Bùi Văn C",
                        home=kiosk_home)["code"]
    ref = kiosk_json("fee", "collect", voided, "--method", "cash", home=kiosk_home,
                     actor="lan")["receipt"]["ref"]
    kiosk_json("fee", "void", ref, "--reason", "Nhầm", home=kiosk_home, actor="lan")
    free = kiosk_json("dossier", "new", "--procedure", "1.000894", "--name", "Bùi Văn D",
                      home=kiosk_home)["code"]  # marriage: no fee, never "missing"
    kiosk_json("fee", "refund", signature["receipt"]["ref"], "--amount", "10000", "--reason",
               "Một bản không chứng thực được", home=kiosk_home, actor="lan")
    day = signature["receipt"]["at"][:10]
    report = kiosk_json("report", "summary", "--from", day, "--to", day, home=kiosk_home)
    fees = report["fees"]
    assert (fees["collected"], fees["cash"], fees["transfer"]) == (25_000, 20_000, 5_000)
    assert (fees["receipts"], fees["exempt"], fees["voided"], fees["refunded"], fees["net"]) == (
        2, 1, 1, 10_000, 15_000)
    by_code = {p["code"]: p for p in fees["by_procedure"]}
    assert by_code["2.000884"]["collected"] == 20_000 and by_code["2.000884"]["exempt"] == 1
    assert by_code["2.000815"]["transfer"] == 5_000 and by_code["2.000635"]["voided"] == 1
    by_clerk = {c["clerk"]: c for c in fees["by_clerk"]}
    assert by_clerk["lan"]["net"] == 10_000 and by_clerk["minh"]["collected"] == 5_000
    missing = [m["code"] for m in fees["missing_receipts"]]
    assert missing == [unpaid, voided]  # the voided receipt does not count as paid
    assert free not in missing and copy["dossier"] not in missing
    # The same numbers in the PDF (a page of its own, PDF/A) and the workbook (a sheet).
    pdf, xlsx = tmp_path / "bc.pdf", tmp_path / "bc.xlsx"
    kiosk_json("report", "summary", "--from", day, "--to", day, "--format", "pdf", "--out",
               str(pdf), home=kiosk_home)
    assert pdfa_problems(pdf.read_bytes()) == []
    import subprocess

    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "PHÍ, LỆ PHÍ ĐÃ THU" in text and unpaid in text and voided in text
    kiosk_json("report", "summary", "--from", day, "--to", day, "--format", "xlsx", "--out",
               str(xlsx), home=kiosk_home)
    sheet = openpyxl.load_workbook(xlsx)["Phi le phi"]
    values = [row for row in sheet.iter_rows(values_only=True)]
    total = next(r for r in values if r[0] == "Tổng cộng")
    assert total[1:] == (2, 25_000, 20_000, 5_000, 1, 1, 10_000, 15_000)
    assert any(r[0] == unpaid for r in values)
