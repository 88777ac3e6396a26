"""Results both ways through the real central server on loopback (issue 24): the province
attaches a result, the counter downloads it at its next sync (hash, PDF and signature
checked, the verdict kept) and hands it over; a tampered one is refused and kept out; a paper
result digitised at the counter reaches the server with its code; the national export lists
them in DanhSachGiayToKetQua."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from central import results as central_results
from central import service
from central.app import create_app
from central.common import ApiError
from kiosk import results
from kiosk.errors import InvalidInput, NotFound
from kiosk.storage import Store
from tests.signing.helpers import scan_pdf
from tests.signing.pki import Issued, issue, make_ca
from tests.sync.conftest import Central, assert_sync_properties, engine_for, save_dossier


def _signed(pdf: bytes, who: Issued, ca: Issued, tmp: Path) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    (tmp / "key.der").write_bytes(who.key_der)
    (tmp / "cert.pem").write_bytes(who.cert_pem)
    (tmp / "ca.pem").write_bytes(ca.cert_pem)
    signer = signers.SimpleSigner.load(str(tmp / "key.der"), str(tmp / "cert.pem"),
                                       ca_chain_files=(str(tmp / "ca.pem"),))
    assert signer is not None
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
                     signers.PdfSignatureMetadata(field_name="KetQua"), signer=signer,
                     output=out)
    return out.getvalue()


def _altered_after_signing(signed: bytes) -> bytes:
    """An incremental update after the signature: the bytes still parse, the signature no
    longer covers the file."""
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    info = writer.root
    info[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Any]:
    ca = make_ca()
    (tmp_path / "trust.pem").write_bytes(ca.cert_pem)
    return {"ca": ca, "signer": issue(ca, "UBND xã Mẫu — Chủ tịch"),
            "trust": tmp_path / "trust.pem"}


def _done_on_server(store: Store, central: Central, pages: int = 1) -> Any:
    d = save_dossier(store, pages=pages)
    engine = engine_for(store, central.url, central.token)
    assert engine.run_once()["ok"]
    service.set_status(central.db, d.code, 4, "", "tinh")
    service.set_status(central.db, d.code, 9, "", "tinh")
    return d, engine


def test_a_signed_province_result_reaches_the_counter_and_is_handed_over(
        store: Store, central: Central, pki: dict[str, Any], tmp_path: Path) -> None:
    store.config.set("signing.trust_file", str(pki["trust"]))
    d, engine = _done_on_server(store, central)
    pdf = _signed(scan_pdf("GIẤY KHAI SINH"), pki["signer"], pki["ca"], tmp_path)
    attached = central_results.attach(central.db, central.blobs, d.code, pdf, kind="KQ.KS",
                                      number="123/2026", issued=date(2026, 12, 7),
                                      issuer="UBND xã Mẫu")
    assert attached["code"] == "001158024485.1.001193.KQ.KS.01"
    out = engine.run_once()
    assert out["ok"], out
    listed = results.listing(store, d.code)
    assert [(r["id"], r["kind"], r["number"], r["issued"], r["sha256"], r["handed_over"])
            for r in listed] == [(attached["id"], "KQ.KS", "123/2026", "2026-12-07",
                                  attached["sha256"], None)]
    verdict = listed[0]["signature"]
    assert verdict["signed"] and verdict["intact"] and verdict["valid"], verdict
    assert "Chủ tịch" in verdict["signer"]
    # The bytes are the province's, in the counter's file store.
    assert store.files.read(attached["sha256"]) == pdf
    record = store.get_dossier(d.code)
    assert record["status"] == 9
    assert any("Nhận kết quả điện tử: KQ.KS số 123/2026" in (e["note"] or "")
               for e in record["events"])
    # Hand-over: the electronic file and the paper both given; no reason needed.
    done = results.hand_over(store, d.code, note="Chính chủ", actor="clerk1",
                             given={attached["id"]: "both"})
    assert done["status"] == 10
    assert done["results"][0]["handed_over"] == "both"
    assert done["result_handover"]["unscanned_reason"] is None
    assert engine.run_once()["ok"]
    # A second pass fetches nothing again, and the cursor is at the server's.
    assert engine.run_once()["pulled"] == 0
    assert len(results.listing(store, d.code)) == 1
    assert_sync_properties(store, central)


def test_a_tampered_result_is_refused_and_kept_out(store: Store, central: Central,
                                                   pki: dict[str, Any], tmp_path: Path) -> None:
    store.config.set("signing.trust_file", str(pki["trust"]))
    d, engine = _done_on_server(store, central)
    signed = _signed(scan_pdf("TRÍCH LỤC"), pki["signer"], pki["ca"], tmp_path)
    altered = central_results.attach(central.db, central.blobs, d.code,
                                     _altered_after_signing(signed), kind="KQ.KT", number="7",
                                     issued=date(2026, 12, 7))
    # A second one whose stored bytes are changed on the server after the attach.
    other = central_results.attach(central.db, central.blobs, d.code, scan_pdf("KẾT QUẢ"),
                                   kind="KQ", number="8", issued=date(2026, 12, 7))
    blob = central.blobs.blob_path(other["sha256"])
    data = bytearray(blob.read_bytes())
    data[-20] ^= 0xFF
    blob.write_bytes(bytes(data))
    out = engine.run_once()
    assert out["ok"], out
    assert results.listing(store, d.code) == []
    assert not store.files.exists(altered["sha256"]) and not store.files.exists(other["sha256"])
    notes = [e["note"] for e in store.get_dossier(d.code)["events"] if e["actor"] == "central"]
    assert any("Từ chối kết quả điện tử KQ.KT số 7: chữ ký số không còn nguyên vẹn" in n
               for n in notes), notes
    assert any("Từ chối kết quả điện tử KQ số 8: tệp tải về không khớp mã băm" in n
               for n in notes), notes
    # Once: a later pass (the feed read again from the start) adds no second line.
    store.call(lambda db: db.conn.execute("UPDATE sync_meta SET value = '0' WHERE key = 'cursor'"))
    engine.run_once()
    again = [e for e in store.get_dossier(d.code)["events"] if e["actor"] == "central"]
    assert len(again) == len(notes)
    # The hand-over with nothing on file needs a reason, and records it.
    with pytest.raises(InvalidInput):
        results.hand_over(store, d.code, note="x", actor="clerk1")
    assert store.get_dossier(d.code)["status"] == 9  # nothing half-written
    done = results.hand_over(store, d.code, note="x", actor="clerk1",
                             unscanned_reason="Máy quét hỏng")
    assert done["result_handover"]["unscanned_reason"] == "Máy quét hỏng"


def test_a_paper_result_digitised_at_the_counter_reaches_the_server_with_its_code(
        store: Store, central: Central) -> None:
    d, engine = _done_on_server(store, central)
    assert engine.run_once()["ok"]
    added = results.add_scanned(store, d.code, pdf=scan_pdf("GIẤY CHỨNG NHẬN", pages=2),
                                kind="KQ.KH", number="45", issued=date(2026, 12, 7),
                                issuer="UBND xã Mẫu", actor="clerk1")
    assert added["code"] == "001158024485.1.001193.KQ.KH.01"
    assert added["origin"] == "counter"
    # PDF/A like the counter's other PDFs.
    from kiosk.pdfa import pdfa_problems

    assert pdfa_problems(store.files.read(added["sha256"])) == []
    out = engine.run_once()
    assert out["ok"] and out["waiting"] == 0, out
    with central.db.transaction(write=False) as tx:
        rows = central_results.for_dossier(tx, d.id)
    assert [(r["id"], r["code"], r["sha256"], r["origin"]) for r in rows] == [
        (added["id"], added["code"], added["sha256"], "counter")]
    assert central.blobs.rehash(added["sha256"]) == added["sha256"]
    # Not echoed back as a second result.
    assert len(results.listing(store, d.code)) == 1
    # The national export lists it.
    row = service.find_dossier(central.db, code=d.code)
    assert row is not None
    from central.portal import export_dossier

    exported = export_dossier(service.dossier_state(row), results=central_results.portal_results(
        central.db, d.id, "/v1/blobs/{sha256}"))
    assert exported["DanhSachGiayToKetQua"] == [{
        "TenGiayTo": "KQ.KH", "MaThanhPhanHoSo": "KQ.KH", "GiayToId": added["id"],
        "DuongDanTepTinKetQua": f"/v1/blobs/{added['sha256']}",
        "MaGiayToKetQua": added["code"], "SoKyHieu": "45", "NgayBanHanh": "20261207",
        "NgayHetHieuLuc": "", "CoQuanBanHanh": "UBND xã Mẫu", "MaHash": added["sha256"],
        "DuocSoHoa": 1}]
    # The next result of the same kind gets the next number.
    again = results.add_scanned(store, d.code, pdf=scan_pdf("BẢN 2"), kind="KQ.KH",
                                actor="clerk1")
    assert again["code"].endswith(".KQ.KH.02")


def test_bad_results_are_refused_with_nothing_written(store: Store, central: Central,
                                                      tmp_path: Path) -> None:
    d, _engine = _done_on_server(store, central)
    pdf = scan_pdf("KQ")

    def count() -> int:
        with central.db.transaction(write=False) as tx:
            one = tx.one("SELECT count(*) AS n FROM dossier_results")
            assert one is not None
            return int(one["n"])

    with pytest.raises(ApiError) as unknown:
        central_results.attach(central.db, central.blobs, "000.00.04.H40-261207-9999", pdf,
                               kind="KQ", number="1", issued=date(2026, 12, 7))
    assert unknown.value.status == 404
    with pytest.raises(ApiError) as not_pdf:
        central_results.attach(central.db, central.blobs, d.code, b"GIF89a...", kind="KQ",
                               number="1", issued=date(2026, 12, 7))
    assert not_pdf.value.code == "not_pdf"
    with pytest.raises(ApiError) as huge:
        central_results.attach(central.db, central.blobs, d.code,
                               b"%PDF-1.7\n" + bytes(central_results.MAX_RESULT_BYTES),
                               kind="KQ", number="1", issued=date(2026, 12, 7))
    assert huge.value.status == 413
    with pytest.raises(ApiError):
        central_results.attach(central.db, central.blobs, d.code, pdf, kind="KQ", number="1",
                               issued=date(2026, 12, 7), valid_until=date(2026, 1, 1))
    assert count() == 0
    # On the counter: not a PDF, a dossier not yet done, an unknown dossier.
    with pytest.raises(InvalidInput):
        results.add_scanned(store, d.code, pdf=b"not a pdf", kind="KQ", actor="c")
    pending = save_dossier(store, pages=1)
    with pytest.raises(InvalidInput):
        results.add_scanned(store, pending.code, pdf=pdf, kind="KQ", actor="c")
    with pytest.raises(NotFound):
        results.add_scanned(store, "000.00.04.H40-261207-9999", pdf=pdf, kind="KQ", actor="c")
    assert store.read(lambda db: db.execute("SELECT count(*) FROM results").fetchone()[0]) == 0


def test_cli_on_both_ends(kiosk_home: Path, tmp_path: Path, central: Central,
                          store: Store) -> None:
    d, engine = _done_on_server(store, central)
    pdf_path = tmp_path / "kq.pdf"
    pdf_path.write_bytes(scan_pdf("KQ CLI"))
    run = [sys.executable, "-m", "kiosk", "central", "result", d.code, "--file", str(pdf_path),
           "--kind", "KQ.KS", "--number", "9/2026", "--issued", "2026-12-07",
           "--valid-until", "2031-12-07", "--db", str(central.db.url),
           "--blobs", str(central.blobs.root)]
    ok = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    attached = json.loads(ok.stdout)
    assert attached["valid_until"] == "2031-12-07"
    assert engine.run_once()["ok"]
    store.close()
    listed = subprocess.run([sys.executable, "-m", "kiosk", "dossier", "results", d.code],
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [set(r) >= {"id", "kind", "number", "issued", "valid_until", "sha256", "signature",
                       "handed_over"} for r in rows] == [True]
    assert rows[0]["id"] == attached["id"] and rows[0]["valid_until"] == "2031-12-07"
    # Bad input: a clear Vietnamese refusal, no traceback.
    bad = subprocess.run([*run[:5], "KHONG-CO", *run[6:]], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "Không tìm thấy hồ sơ" in bad.stderr
    not_pdf = tmp_path / "a.txt"
    not_pdf.write_text("xin chào")
    bad = subprocess.run([*run[:7], str(not_pdf), *run[8:]], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode != 0 and "không phải PDF" in bad.stderr, bad.stderr


def test_routes_are_in_the_app(central: Central) -> None:
    paths = {r.path for r in create_app(central.db, central.blobs).routes}  # type: ignore[attr-defined]
    assert "/v1/dossiers/{dossier_id}/results/{result_id}" in paths
