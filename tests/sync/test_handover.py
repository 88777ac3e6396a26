"""The hand-over (issue 24 §1–2) through the real parts: the electronic result printed on
the spot by a real CUPS with a cups-pdf queue, its QR ([M] content and corner) read back
from the printed page with pdftoppm and zxing-cpp; what was given recorded and sent to the
real central server on loopback exactly once, shown by ``kiosk central handover``; bad
input refused with nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from central import handover as central_handover
from central import results as central_results
from central import service
from kiosk import results
from kiosk.errors import InvalidInput
from kiosk.result_print import stamp_qr
from kiosk.storage import Store
from tests.forms.cups_server import CupsServer
from tests.forms.helpers import decode, rasterize
from tests.signing.helpers import scan_pdf
from tests.sync.conftest import Central, engine_for, save_dossier


def _with_result(store: Store, central: Central) -> tuple[Any, Any, dict[str, Any]]:
    d = save_dossier(store, pages=1)
    engine = engine_for(store, central.url, central.token)
    assert engine.run_once()["ok"]
    service.set_status(central.db, d.code, 4, "", "tinh")
    service.set_status(central.db, d.code, 9, "", "tinh")
    attached = central_results.attach(central.db, central.blobs, d.code,
                                      scan_pdf("GIẤY KHAI SINH"), kind="KQ.KS",
                                      number="123/2026", issued=date(2026, 12, 7),
                                      issuer="UBND xã Mẫu")
    assert engine.run_once()["ok"]
    return d, engine, attached


def _server_rows(central: Central) -> list[dict[str, Any]]:
    with central.db.transaction(write=False) as tx:
        return tx.all("SELECT * FROM dossier_handovers")


def _state(store: Store, code: str) -> tuple[Any, ...]:
    record = store.get_dossier(code)
    queued = store.read(lambda db: db.execute(
        "SELECT count(*) FROM outbox WHERE kind = 'result.handover'").fetchone()[0])
    return (record["status"], record["result_handover"],
            tuple(r["handed_over"] for r in record["results"]), queued)


def test_printed_on_the_spot_with_its_qr_and_sent_to_the_server_once(
        store: Store, central: Central, cups: CupsServer, tmp_path: Path) -> None:
    from kiosk.devices.printer.cups import CupsPrinter

    store.config.set("results.qr_content", "https://dvc.example.vn/tra-cuu?ma={code}")
    store.config.set("results.qr_position", "top-left")
    d, engine, attached = _with_result(store, central)
    stored_before = store.files.read(attached["sha256"])
    printer = CupsPrinter(cups.socket)
    try:
        done = results.hand_over(store, d.code, note="Chính chủ", actor="clerk1",
                                 given={attached["id"]: "both"},
                                 delivered={attached["id"]: "printed"}, printer=printer,
                                 recipient="Đinh Thị Huyền")
        job = done["printed"][0]
        assert printer.wait(job["job"], timeout=60).state == "completed", cups.log_text()
    finally:
        printer.close()
    assert done["status"] == 10
    assert [(r["handed_over"], r["delivered"]) for r in done["results"]] == [("both",
                                                                             "printed")]
    # The printed page carries the QR at the configured corner, with the configured content.
    page = rasterize(cups.printed(job["job"]), 150)[0]
    assert decode(page)["QRCode"] == [f"https://dvc.example.vn/tra-cuu?ma={attached['code']}"]
    from PIL import Image

    image = Image.open(page).convert("L")
    w, h = image.size
    corner = image.crop((0, 0, w // 3, h // 4)).save(tmp_path / "corner.png")
    assert corner is None and "QRCode" in decode(tmp_path / "corner.png")
    # The stored file is untouched (its signature, if any, stays valid).
    assert store.files.read(attached["sha256"]) == stored_before
    # Sent to the server with the status, once.
    out = engine.run_once()
    assert out["ok"] and out["waiting"] == 0, out
    shown = central_handover.for_code(central.db, d.code)
    assert shown["status"] == 10
    assert shown["handover"]["recipient"] == "Đinh Thị Huyền"
    assert shown["handover"]["results"] == [{
        "id": attached["id"], "given": "both", "delivered": "printed", "kind": "KQ.KS",
        "number": "123/2026", "code": attached["code"]}]
    # The counter sends it again (its ack lost): the server answers from its record.
    store.call(lambda db: db.conn.execute(
        "UPDATE outbox SET state = 'pending', response = NULL WHERE kind = 'result.handover'"))
    assert engine.run_once()["ok"]
    assert len(_server_rows(central)) == 1
    item = store.read(lambda db: db.execute(
        "SELECT id, payload FROM outbox WHERE kind = 'result.handover'").fetchone())
    payload = json.loads(item[1])
    r = engine.http.put(f"/v1/dossiers/{payload.pop('dossier_id')}/handover", json=payload,
                        headers={**engine._headers(), "Idempotency-Key": item[0]})
    assert r.status_code == 201 and r.headers.get("Idempotent-Replayed") == "true"
    assert len(_server_rows(central)) == 1


def test_unscanned_hand_over_reaches_the_server_with_its_reason(
        store: Store, central: Central, kiosk_home: Path) -> None:
    d = save_dossier(store, pages=1)
    engine = engine_for(store, central.url, central.token)
    assert engine.run_once()["ok"]
    service.set_status(central.db, d.code, 9, "", "tinh")
    assert engine.run_once()["ok"]
    before = _state(store, d.code)
    with pytest.raises(InvalidInput, match="chưa được số hoá"):
        results.hand_over(store, d.code, note="x", actor="clerk1")
    assert _state(store, d.code) == before  # nothing half-written
    results.hand_over(store, d.code, note="x", actor="clerk1",
                      unscanned_reason="Công dân không chờ quét")
    assert engine.run_once()["ok"]
    store.close()
    cli = subprocess.run([sys.executable, "-m", "kiosk", "central", "handover", d.code,
                          "--db", str(central.db.url)], capture_output=True, text=True,
                         timeout=120)
    assert cli.returncode == 0, cli.stderr
    shown = json.loads(cli.stdout)
    assert shown["handover"]["unscanned_reason"] == "Công dân không chờ quét"
    assert shown["handover"]["results"] == []
    unknown = subprocess.run([sys.executable, "-m", "kiosk", "central", "handover",
                              "000.00.04.H40-261207-9999", "--db", str(central.db.url)],
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode != 0 and "Traceback" not in unknown.stderr
    assert "không có hồ sơ" in unknown.stderr


def test_bad_hand_overs_are_refused_with_nothing_written(
        store: Store, central: Central, cups: CupsServer) -> None:
    from kiosk.devices.printer.cups import CupsPrinter

    d, _engine, attached = _with_result(store, central)
    rid = attached["id"]
    before = _state(store, d.code)
    cases: list[dict[str, Any]] = [
        {"given": {rid: "paper"}, "delivered": {rid: "printed"}},  # no file to print
        {"given": {rid: "electronic"}, "delivered": {rid: "faxed"}},
        {"given": {rid: "electronic"}, "delivered": {"khac": "sent"}},
        {"given": {rid: "electronic"}, "delivered": {rid: "printed"}},  # no printer
    ]
    for case in cases:
        with pytest.raises(InvalidInput):
            results.hand_over(store, d.code, note="x", actor="c", **case)
        assert _state(store, d.code) == before, case
    # A printer the print system does not know: refused before anything is written.
    printer = CupsPrinter(cups.socket)
    store.config.set("printer.name", "KhongCoMayIn")
    try:
        with pytest.raises(Exception) as refused:
            results.hand_over(store, d.code, note="x", actor="c", given={rid: "electronic"},
                              delivered={rid: "printed"}, printer=printer)
        from kiosk.errors import KioskError

        assert isinstance(refused.value, KioskError)
    finally:
        printer.close()
    assert _state(store, d.code) == before
    # A result file too large, for a dossier that is done: refused, nothing stored.
    store.config.set("results.max_mib", "1")
    with pytest.raises(InvalidInput, match="vượt giới hạn"):
        results.add_scanned(store, d.code, pdf=b"%PDF-1.7\n" + bytes(2 << 20), kind="KQ",
                            actor="c")
    assert len(results.listing(store, d.code)) == 1


def test_the_qr_sits_in_each_configured_corner(tmp_path: Path) -> None:
    pdf = scan_pdf("KẾT QUẢ")
    for corner in ("bottom-right", "bottom-left", "top-right", "top-left"):
        path = tmp_path / f"{corner}.pdf"
        path.write_bytes(stamp_qr(pdf, "001158024485.1.001193.KQ.KS.01", caption="x",
                                  position=corner))
        png = rasterize(path, 150)[0]
        from PIL import Image

        image = Image.open(png).convert("L")
        w, h = image.size
        left = 0 if corner.endswith("left") else w * 2 // 3
        top = 0 if corner.startswith("top") else h * 3 // 4
        part = tmp_path / f"{corner}.png"
        image.crop((left, top, left + w // 3, top + h // 4)).save(part)
        assert decode(part).get("QRCode") == ["001158024485.1.001193.KQ.KS.01"], corner
    with pytest.raises(InvalidInput):
        stamp_qr(pdf, "x", caption="x", position="middle")


def test_the_period_report_counts_results_and_reuse_on_both_ends(
        store: Store, central: Central, kiosk_home: Path) -> None:
    """Three dossiers returned today: one with a result issued electronically, one with a
    paper result scanned at hand-over, one handed over unscanned with its reason. The
    counter's report (its fast path and the definition) and the server's say the same."""
    from kiosk.clock import now
    from kiosk.reports.records import local_records
    from kiosk.reports.summary import Period, summary
    from kiosk.reports.tallies import local_summary

    d1, engine, attached = _with_result(store, central)
    results.hand_over(store, d1.code, note="x", actor="c", given={attached["id"]: "electronic"},
                      delivered={attached["id"]: "sent"})
    codes = []
    for _n in range(2):
        d = save_dossier(store, pages=1)
        assert engine.run_once()["ok"]
        service.set_status(central.db, d.code, 9, "", "tinh")
        codes.append(d.code)
    assert engine.run_once()["ok"]
    results.add_scanned(store, codes[0], pdf=scan_pdf("KẾT QUẢ"), kind="KQ", actor="c")
    results.hand_over(store, codes[0], note="x", actor="c")
    results.hand_over(store, codes[1], note="x", actor="c", unscanned_reason="Máy quét hỏng")
    assert engine.run_once()["ok"]
    today = now().date()
    fast = store.read(lambda db: local_summary(db, today, today))
    slow = summary(store.read(lambda db: local_records(db, Period(today, today).end)),
                   today, today)
    expected = {"returned": 3, "electronic": 1, "scanned": 1, "unscanned": 1}
    for report in (fast, slow):
        assert report["results"] == expected
        assert report["results_digitised_share"] == 0.6667
        assert report["reused_share"] == 0.0  # three scanned documents, none reused
    from central import reports as central_reports

    served = central_reports.summary(central.db, today, today)
    assert served["results"] == expected and served["results_digitised_share"] == 0.6667
    assert served["reused_share"] == 0.0
    store.close()
    cli = subprocess.run([sys.executable, "-m", "kiosk", "report", "summary", "--from",
                          today.isoformat(), "--to", today.isoformat()], capture_output=True,
                         text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["results_digitised_share"] == 0.6667
    cli = subprocess.run([sys.executable, "-m", "kiosk", "central", "report", "--from",
                          today.isoformat(), "--to", today.isoformat(), "--db",
                          str(central.db.url)], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["results"] == expected


def test_cli_refusals_are_clear_and_write_nothing(store: Store, central: Central,
                                                  kiosk_home: Path, tmp_path: Path) -> None:
    """The issue's bad input on the counter's command line: a result for an unknown
    dossier, a file that is not a PDF, one too large, a hand-over with nothing scanned and
    no reason, an unknown way of delivery. Each exits non-zero with a Vietnamese message,
    no traceback, and leaves the database as it was."""
    d = save_dossier(store, pages=1)
    store.change_status(d.code, 9, "tinh")
    store.close()
    pdf = tmp_path / "kq.pdf"
    pdf.write_bytes(scan_pdf("KẾT QUẢ"))
    text = tmp_path / "kq.txt"
    text.write_text("không phải PDF")
    huge = tmp_path / "huge.pdf"
    huge.write_bytes(b"%PDF-1.7\n" + bytes(2 << 20))

    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                              text=True, timeout=120)

    def snapshot() -> tuple[Any, ...]:
        import sqlite3

        found = next(kiosk_home.rglob("kiosk.sqlite3"))
        with sqlite3.connect(f"file:{found}?mode=ro", uri=True) as db:
            return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                         for t in ("results", "outbox", "result_handovers", "status_events"))

    assert kiosk("config", "set", "results.max_mib", "1").returncode == 0
    before = snapshot()
    cases = [
        (("dossier", "result-add", "000.00.04.H40-261207-9999", "--file", str(pdf),
          "--kind", "KQ"), "Không tìm thấy hồ sơ"),
        (("dossier", "result-add", d.code, "--file", str(text), "--kind", "KQ"),
         "không phải PDF"),
        (("dossier", "result-add", d.code, "--file", str(huge), "--kind", "KQ"),
         "vượt giới hạn 1 MiB"),
        (("dossier", "hand-over", d.code), "chưa được số hoá"),
        (("dossier", "hand-over", "000.00.04.H40-261207-9999", "--unscanned-reason", "x"),
         "Không tìm thấy hồ sơ"),
        (("dossier", "hand-over", d.code, "--unscanned-reason", "x", "--delivered", "abc"),
         "--delivered"),
    ]
    for args, words in cases:
        run = kiosk(*args)
        assert run.returncode != 0, (args, run.stdout)
        assert "Traceback" not in run.stderr and "Lỗi không mong đợi" not in run.stderr
        assert words in run.stderr, (args, run.stderr)
        assert snapshot() == before, args
    # The same hand-over with its reason goes through.
    ok = kiosk("dossier", "hand-over", d.code, "--unscanned-reason", "Máy quét hỏng")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["result_handover"]["unscanned_reason"] == "Máy quét hỏng"
