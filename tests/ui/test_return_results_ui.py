"""The Return screen's results (issue 24), offscreen over the real window: a dossier with no
result on file is handed over only with a reason; a paper result is scanned on the SANE test
backend (the scanner process, the page pipeline helper), digitised with its code and sent to
the real central server on loopback; what was given is recorded; a result the province
attached arrives through sync and shows with its signature verdict."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from central import results as central_results
from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from kiosk.demo import seed
from kiosk.dossier import Status
from kiosk.sync.engine import SyncEngine
from kiosk.sync.transport import make_client
from tests.signing.helpers import scan_pdf
from tests.ui.conftest import wait_idle


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Any, Database, BlobStore, str]]:
    db = Database(str(tmp_path / "central.sqlite3"))
    blobs = BlobStore(tmp_path / "central-blobs")
    token = service.add_device(db, "000.00.04.H40", "quầy 1")["token"]
    srv = ServerThread(db, blobs).start()
    yield srv, db, blobs, token
    srv.stop()


def _fake_printer(window: Any) -> Any:
    """The print system for these offscreen tests (CUPS itself: tests/sync/test_handover.py
    and tests/ui/test_return_handover_x11.py)."""
    from kiosk.devices.printer.fake import FakePrinter

    fake = FakePrinter()
    window.services.printer.printer = fake
    window.services.config.set("printer.name", "Fake-A4")
    return fake


def idle(qtbot: Any, window: Any) -> None:
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: not window.returns.scanning and window.tasks.pending == 0,
                    timeout=120_000)


def test_scan_the_paper_result_then_hand_it_over(qtbot: Any, window: Any,
                                                  server: tuple[Any, Database, BlobStore, str]
                                                  ) -> None:
    srv, db, blobs, token = server
    store = window.services.store
    codes = seed(store, progress=True)
    assert window.app.signIn("1234")
    messages: list[tuple[str, str]] = []
    window.app.message.connect(lambda text, kind: messages.append((text, kind)))
    done_code = codes[3]
    window.returns.clear()
    window.app.go("return")
    window.returns.find(done_code)
    idle(qtbot, window)
    view = window.returns.dossier
    assert view["canReturn"] and view["results"] == []
    # Nothing on file and no reason: refused, nothing written.
    window.returns.handOver(False, "", "")
    idle(qtbot, window)
    assert "chưa được số hoá" in messages[-1][0] and messages[-1][1] == "error"
    assert store.get_dossier(done_code)["status"] == int(Status.DONE)
    # The paper result on the scanner (SANE test backend).
    kinds = window.returns.resultKinds
    kind = next(i for i, k in enumerate(kinds) if "(KQ.KS)" in k)
    window.returns.scanResult(kind, "15/2026", "07/12/2026")
    qtbot.waitUntil(lambda: bool(window.returns.dossier.get("results")), timeout=120_000)
    idle(qtbot, window)
    row = window.returns.dossier["results"][0]
    assert row["kind"] == "KQ.KS" and row["kindName"] == "Giấy khai sinh"
    assert row["number"] == "15/2026" and row["origin"] == "counter"
    owner = store.get_dossier(done_code)["applicant"]["id_number"]
    procedure = store.get_dossier(done_code)["procedure_code"]
    assert row["code"] == f"{owner}.{procedure}.KQ.KS.01"
    assert "Đã số hoá kết quả" in window.returns.scanStatus
    fake = _fake_printer(window)
    window.returns.setGiven(row["id"], "both")
    window.returns.handOver(False, "", "")
    idle(qtbot, window)
    record = store.get_dossier(done_code)
    assert record["status"] == int(Status.RETURNED)
    assert record["results"][0]["handed_over"] == "both"
    # Both: the paper, and the electronic file printed on the spot.
    assert record["results"][0]["delivered"] == "printed" and len(fake.jobs) == 1
    assert record["results"][0]["issued"] == "2026-12-07"
    from kiosk.pdfa import pdfa_problems

    assert pdfa_problems(store.files.read(row_sha := record["results"][0]["sha256"])) == []
    # Sync: the result reaches the server with its code.
    engine = SyncEngine(store, make_client(srv.url), lambda: token)
    out = engine.run_once()
    assert out["ok"], out
    with db.transaction(write=False) as tx:
        rows = central_results.for_dossier(tx, record["id"])
    assert [(r["code"], r["sha256"], r["origin"]) for r in rows] == [
        (row["code"], row_sha, "counter")]
    assert blobs.rehash(row_sha) == row_sha


def test_a_province_result_arrives_and_shows(qtbot: Any, window: Any,
                                             server: tuple[Any, Database, BlobStore, str]
                                             ) -> None:
    srv, db, blobs, token = server
    store = window.services.store
    codes = seed(store, progress=True)
    assert window.app.signIn("1234")
    engine = SyncEngine(store, make_client(srv.url), lambda: token)
    assert engine.run_once()["ok"]
    done_code = codes[3]
    central_results.attach(db, blobs, done_code, scan_pdf("GIẤY KHAI SINH"), kind="KQ.KS",
                           number="88/2026", issued=date(2026, 12, 7), issuer="UBND xã")
    assert engine.run_once()["ok"]
    window.returns.clear()
    window.app.go("return")
    window.returns.find(done_code)
    idle(qtbot, window)
    rows = window.returns.dossier["results"]
    assert len(rows) == 1 and rows[0]["origin"] == "province"
    assert rows[0]["signature"] == "Không có chữ ký số" and rows[0]["given"] == "electronic"
    fake = _fake_printer(window)
    window.returns.handOver(False, "", "")
    idle(qtbot, window)
    record = store.get_dossier(done_code)
    assert record["status"] == int(Status.RETURNED)
    assert record["results"][0]["handed_over"] == "electronic"
    assert record["results"][0]["delivered"] == "printed" and len(fake.jobs) == 1
    # The timeline on the dossier screen says the result came.
    window.detail.load(done_code)
    idle(qtbot, window)
    notes = [window.detail.events.get(i)["note"] for i in range(window.detail.events.count)]
    assert any("Nhận kết quả điện tử: KQ.KS số 88/2026" in n for n in notes), notes
    # And the documents list has it, openable in the viewer.
    docs = [window.detail.documents.get(i) for i in range(window.detail.documents.count)]
    result = next(d for d in docs if d["name"].startswith("Kết quả:"))
    assert result["name"] == "Kết quả: Giấy khai sinh số 88/2026"
    assert Path(result["path"]).read_bytes()[:5] == b"%PDF-"
