"""Receipts, voids, refunds and register entries through the real central server on
loopback: each stored once, the receipt answered with the e-receipt provider's look-up code
(which a reprint then carries), every counter's entries held centrally, and the portal
export's DanhSachLePhi made of the amounts actually collected."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from kiosk.money.cashier import Cashier
from kiosk.money.certify import Certifier, CertifyRequest
from kiosk.storage import ApplicantInput, DossierInput, Store
from kiosk.sync.engine import SyncEngine
from kiosk.sync.transport import make_client

from .helpers import configure, kiosk_json, pdf_of

UNIT = "000.00.04.H40"


class Server:
    def __init__(self, tmp: Path) -> None:
        self.db = Database(str(tmp / "central.sqlite3"))
        self.tokens = [service.add_device(self.db, UNIT, f"quầy {n}")["token"] for n in (1, 2)]
        self.admin = service.add_device(self.db, "ADMIN", role="admin")["token"]
        self.thread = ServerThread(self.db, BlobStore(tmp / "blobs")).start()

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.db.transaction(write=False) as tx:
            return tx.all(sql, params)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path)
    yield s
    s.thread.stop()


def sync(store: Store, server: Server, token: str) -> dict[str, Any]:
    engine = SyncEngine(store, make_client(server.thread.url), lambda: token)
    result = engine.run_once(ignore_backoff=True)
    assert result["ok"], result
    counts = store.outbox_counts()
    assert counts["pending"] == counts["needs_attention"] == counts["in_flight"] == 0, counts
    return result


def test_receipts_round_trip_with_their_look_up_code(kiosk_home: Path, server: Server,
                                                      tmp_path: Path) -> None:
    configure(kiosk_home)
    with Store(orphan_grace_seconds=None) as store:
        cashier, certifier = Cashier(store), Certifier(store)
        scan = store.put_file(pdf_of(3))
        certified = certifier.certify(CertifyRequest("copy", copies=2, files=[scan],
                                                     requester="Vũ Thị Lan"), "canbo")
        codes = [store.save_dossier(DossierInput("2.000884", ApplicantInput(f"Người {i}")),
                                    "canbo").code for i in range(3)]
        paid = cashier.collect(codes[0], "transfer", clerk="canbo")
        exempt = cashier.collect(codes[1], "exempt", reason="Người khuyết tật", clerk="canbo")
        wrong = cashier.collect(codes[2], "cash", clerk="canbo")
        cashier.void(wrong["ref"], "Thu nhầm hình thức", "canbo")
        right = cashier.collect(codes[2], "cash", clerk="canbo")
        refund = cashier.refund(certified["receipt"]["ref"], 2_000, "Thu thừa một trang",
                                "canbo")
        sync(store, server, server.tokens[0])
        local = {r["id"]: r for r in store.read(lambda db: list(db.query(
            "SELECT * FROM receipts")))}

    remote = {r["id"]: r for r in server.rows("SELECT * FROM receipts")}
    assert set(remote) == set(local) and len(remote) == 5
    for rid, row in local.items():
        assert row["series"] == remote[rid]["series"] and row["number"] == remote[rid]["number"]
        if row["kind"] == "receipt":
            # The provider's look-up code came back and is kept on the counter.
            assert row["lookup_code"] and row["lookup_code"] == remote[rid]["lookup_code"]
            assert row["provider"] == "standin"
        else:
            assert row["lookup_code"] is None and remote[rid]["method"] == "exempt"
    assert remote[wrong["id"]]["voided_at"] and remote[wrong["id"]]["void_reason"] == \
        "Thu nhầm hình thức"
    assert remote[wrong["id"]]["number"] == wrong["number"]  # voided, number kept
    assert [r["id"] for r in server.rows("SELECT id FROM receipt_refunds")] == [refund["id"]]
    entries = server.rows("SELECT * FROM register_entries")
    assert [(e["book"], e["number"], e["copies"], e["pages"]) for e in entries] == [
        (certified["register"]["book"], 1, 2, 3)]
    assert exempt["number"] is None and paid["number"] and right["number"]

    # A reprint carries the look-up code and a QR to look the receipt up.
    out = tmp_path / "in-lai.pdf"
    shown = kiosk_json("fee", "receipt", paid["ref"], "--pdf", str(out), home=kiosk_home)
    code = shown["receipt"]["lookup_code"]
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert code in text and "Mã tra cứu" in text

    # The portal export carries what was actually collected: refunds off, voids and
    # exemptions out.
    admin = {"Authorization": f"Bearer {server.admin}"}
    with httpx.Client(base_url=server.thread.url) as client:
        export = client.get(f"/v1/admin/dossiers/{certified['dossier']}/export",
                            headers=admin).json()
        assert export["DanhSachLePhi"] == [{
            "TenPhiLePhi": "Phí chứng thực bản sao từ bản chính",
            "MaPhiLePhi": certified["receipt"]["ref"], "HinhThucThu": "1",
            "Gia": str(certified["fee"] - 2_000), "LoaiPhiLePhi": "1"}]
        assert client.get(f"/v1/admin/dossiers/{codes[1]}/export",
                          headers=admin).json()["DanhSachLePhi"] == []
        day = paid["day"]
        listed = client.get("/v1/receipts", params={"start": day, "end": day},
                            headers={"Authorization": f"Bearer {server.tokens[1]}"}).json()
        assert {r["id"] for r in listed} == set(local)  # another counter of the unit sees them


def test_a_resent_receipt_is_stored_once_with_the_same_code(kiosk_home: Path,
                                                            server: Server) -> None:
    configure(kiosk_home)
    with Store(orphan_grace_seconds=None) as store:
        code = store.save_dossier(DossierInput("2.000884", ApplicantInput("Đỗ Văn Nam")),
                                  "canbo").code
        receipt = Cashier(store).collect(code, "cash", clerk="canbo")
        sync(store, server, server.tokens[0])
        first = store.read(lambda db: db.execute(
            "SELECT lookup_code FROM receipts WHERE id = ?", (receipt["id"],)).fetchone()[0])
        op = store.read(lambda db: db.execute(
            "SELECT id FROM outbox WHERE kind = 'receipt.issue'").fetchone()[0])
        # The answer "was lost": the same operation goes again, with the same key.
        store.call(lambda db: db.conn.execute(
            "UPDATE outbox SET state = 'pending' WHERE id = ?", (op,)))
        sync(store, server, server.tokens[0])
        assert store.get_outbox(op)["response"]["lookup_code"] == first
    assert len(server.rows("SELECT id FROM receipts")) == 1
    assert server.rows("SELECT lookup_code FROM receipts")[0]["lookup_code"] == first


def test_two_counters_entries_all_reach_the_server(tmp_path: Path, server: Server,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    stores = []
    for n in (1, 2):
        home = tmp_path / f"quay-{n}"
        home.mkdir()
        configure(home, counter=n)
        monkeypatch.setenv("KIOSK_HOME", str(home))
        store = Store(orphan_grace_seconds=None)
        stores.append(store)
        for i in range(3):
            Certifier(store).certify(CertifyRequest("signature", copies=1,
                                                    requester=f"Q{n} {i}"), f"canbo{n}")
    try:
        for store, token in zip(stores, server.tokens, strict=True):
            sync(store, server, token)
    finally:
        for store in stores:
            store.close()
    receipts = server.rows("SELECT series, number FROM receipts ORDER BY series, number")
    assert len(receipts) == 6 and len({(r["series"], r["number"]) for r in receipts}) == 6
    entries = server.rows("SELECT book, number FROM register_entries ORDER BY book, number")
    assert [e["number"] for e in entries] == [1, 2, 3, 1, 2, 3]
    assert len({e["book"] for e in entries}) == 2


def test_a_number_taken_by_another_receipt_is_refused(kiosk_home: Path, server: Server) -> None:
    configure(kiosk_home)
    with Store(orphan_grace_seconds=None) as store:
        code = store.save_dossier(DossierInput("2.000884", ApplicantInput("Mai Văn Hải")),
                                  "canbo").code
        receipt = Cashier(store).collect(code, "cash", clerk="canbo")
        sync(store, server, server.tokens[0])
        body = json.loads(store.read(lambda db: db.execute(
            "SELECT payload FROM outbox WHERE kind = 'receipt.issue'").fetchone()[0]))
    body.pop("id")
    headers = {"Authorization": f"Bearer {server.tokens[1]}", "Idempotency-Key": "other"}
    with httpx.Client(base_url=server.thread.url) as client:
        # Another counter configured with the same counter number sends the same number.
        r = client.put(f"/v1/receipts/{uuid.uuid4()}", json=body, headers=headers)
        assert r.status_code == 409 and r.json()["error"] == "number_taken"
        # The same receipt under its own id but different content is refused too.
        r = client.put(f"/v1/receipts/{receipt['id']}", json={**body, "amount": 1},
                       headers={**headers, "Idempotency-Key": "third"})
        assert r.status_code == 409 and r.json()["error"] == "receipt_mismatch"
        r = client.put(f"/v1/receipts/{uuid.uuid4()}", json={**body, "number": None},
                       headers={**headers, "Idempotency-Key": "fourth"})
        assert r.status_code == 422
    assert len(server.rows("SELECT id FROM receipts")) == 1
