"""The citizen's store of digitised papers (issue 24 §3) over the real central server on
loopback: a paper scanned at a counter of one unit is found by the citizen's ID number at a
counter of another unit of the same province, reused for the matching checklist item with
no copy of the bytes on the server, flagged reused (DuocTaiSuDung, the report's reused
documents); another citizen's paper, an expired one, one of the wrong kind are refused with
nothing written; every look-up is logged on both ends."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from central import results as central_results
from central import service
from central.portal import export_dossier
from kiosk import reuse
from kiosk.clock import now
from kiosk.config import Config
from kiosk.errors import InvalidInput, NotFound
from kiosk.reports.summary import summary
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store
from kiosk.sync.papers_client import RemotePapers
from kiosk.sync.transport import make_client
from tests.signing.helpers import scan_pdf
from tests.sync.conftest import Central, engine_for

OWNER = "001158024485"
OTHER = "079203001234"
UNIT_B = "000.00.07.H40"


def _dossier(store: Store, id_number: str, comps: list[ComponentInput]) -> Any:
    return store.save_dossier(DossierInput(
        "1.001193", ApplicantInput("Đinh Thị Huyền", id_number=id_number), components=comps),
        actor="clerk1")


@pytest.fixture
def counter_b(tmp_path: Path) -> Any:
    root = tmp_path / "counter-b"
    config = Config(root / "config.toml", {"unit": {"code": UNIT_B}})
    store = Store(root / "kiosk.sqlite3", root / "files", config, orphan_grace_seconds=None)
    yield store
    store.close()


def test_a_paper_scanned_in_one_unit_is_reused_in_another(store: Store, central: Central,
                                                           counter_b: Store) -> None:
    # Counter A (unit 000.00.04.H40): the marital-status paper is scanned and sent.
    paper_pdf = scan_pdf("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN")
    sha = store.put_file(paper_pdf)
    first = _dossier(store, OWNER, [
        ComponentInput("Tờ khai", code="TK", pages=[PageInput(store.put_file(scan_pdf("TK")))]),
        ComponentInput("Giấy xác nhận tình trạng hôn nhân", code="XNHN", pages=[PageInput(sha)])])
    assert engine_for(store, central.url, central.token).run_once()["ok"]
    # Counter B, another unit of the province: finds it by the CCCD number.
    token_b = service.add_device(central.db, UNIT_B, "quầy 1")["token"]
    remote = RemotePapers(counter_b, make_client(central.url), lambda: token_b)
    found = reuse.lookup(counter_b, OWNER, actor="clerk2", remote=remote)
    paper_id = f"{first.id}:XNHN"
    assert {(p["id"], p["source"], p["kind"], p["dossier"]) for p in found} >= {
        (paper_id, "central", "XNHN", first.code)}
    # Offered for the matching item only; the filled-in form is never offered.
    assert [p["id"] for p in reuse.offers(found, "XNHN", counter_b.config)] == [paper_id]
    assert reuse.offers(found, "TK", counter_b.config) == []
    # One tap: the item links the existing file.
    comps = [ComponentInput("Tờ khai", code="TK",
                            pages=[PageInput(counter_b.put_file(scan_pdf("TK mới")))]),
             ComponentInput("Giấy xác nhận tình trạng hôn nhân", code="XNHN", pages=[])]
    done = reuse.apply_reuse(counter_b, comps, OWNER, {"XNHN": paper_id}, actor="clerk2",
                             remote=remote)
    assert done == [{"component": "XNHN", "paper": paper_id, "sha256": [sha]}]
    assert comps[1].from_national_db and comps[1].checked
    second = _dossier(counter_b, OWNER, comps)
    engine_b = engine_for(counter_b, central.url, token_b)
    out = engine_b.run_once()
    assert out["ok"] and out["waiting"] == 0, out
    # No bytes of the paper went up again, and the server holds it once.
    assert engine_b.bytes_sent == os.path.getsize(counter_b.files.path_for(
        comps[0].pages[0].sha256))
    with central.db.transaction(write=False) as tx:
        assert tx.one("SELECT count(*) AS n FROM blobs WHERE sha256 = ?", (sha,))["n"] == 1
        owners = {r["unit_code"]: r["how"] for r in tx.all(
            "SELECT unit_code, how FROM blob_owners WHERE sha256 = ?", (sha,))}
        lookups = [(r["unit_code"], r["action"], r["id_number"]) for r in tx.all(
            "SELECT unit_code, action, id_number FROM paper_lookups ORDER BY at")]
    assert owners[UNIT_B] == "reuse" and "000.00.04.H40" in owners
    assert (UNIT_B, "list", OWNER) in lookups and (UNIT_B, "claim", OWNER) in lookups
    # The export says it: DuocTaiSuDung 1 for the reused paper, 0 for the new scan.
    row = service.find_dossier(central.db, code=second.code)
    assert row is not None
    files = {f["MaThanhPhanHoSo"]: f for f in export_dossier(service.dossier_state(row))[
        "TaiLieuNop"]}
    assert files["XNHN"]["DuocTaiSuDung"] == 1 and files["XNHN"]["MaHash"] == sha
    assert files["TK"]["DuocTaiSuDung"] == 0
    # The counter's report counts it as reused, and the dossier as digitised.
    today = now().date()
    report = summary(counter_b.report_records(), today - timedelta(days=1), today,
                     unit=UNIT_B, as_of=now())
    assert report["digitisation"]["reused"] == 1 and report["digitisation"]["scanned"] == 1
    assert report["digitised"] == 1
    # The look-up is in B's audit log.
    actions = [e["action"] for e in counter_b.audit_log()]
    assert "papers.lookup" in actions


def test_refusals_leave_nothing_written(store: Store, central: Central,
                                        counter_b: Store) -> None:
    sha = store.put_file(scan_pdf("XNHN"))
    first = _dossier(store, OWNER, [ComponentInput("XNHN", code="XNHN", pages=[PageInput(sha)])])
    other = _dossier(store, OTHER, [ComponentInput("XNHN", code="XNHN",
                                                   pages=[PageInput(store.put_file(scan_pdf("B")))])])
    store.change_status(first.code, 4, actor="c")
    store.change_status(first.code, 9, actor="c")
    assert engine_for(store, central.url, central.token).run_once()["ok"]
    # An expired result of the owner, on the server.
    expired = central_results.attach(
        central.db, central.blobs, first.code, scan_pdf("XNHN cũ"), kind="KQ.XNTTHN",
        number="1", issued=date(2020, 1, 1), valid_until=date(2020, 7, 1))
    token_b = service.add_device(central.db, UNIT_B, "quầy 1")["token"]
    remote = RemotePapers(counter_b, make_client(central.url), lambda: token_b)
    found = reuse.lookup(counter_b, OWNER, actor="clerk2", remote=remote)
    assert next(p for p in found if p["id"] == expired["id"])["expired"] is True
    assert all(p["id"] != expired["id"] for p in reuse.offers(found, "XNHN", counter_b.config))

    def comps() -> list[ComponentInput]:
        return [ComponentInput("XNHN", code="XNHN", pages=[]),
                ComponentInput("TK", code="TK", pages=[])]

    # Another citizen's paper, asked for under this citizen's number.
    with pytest.raises(NotFound):
        reuse.apply_reuse(counter_b, comps(), OWNER, {"XNHN": f"{other.id}:XNHN"},
                          actor="clerk2", remote=remote)
    with pytest.raises(InvalidInput):  # expired
        reuse.apply_reuse(counter_b, comps(), OWNER, {"XNHN": expired["id"]}, actor="clerk2",
                          remote=remote)
    with pytest.raises(InvalidInput):  # a paper of another kind for this item
        reuse.apply_reuse(counter_b, comps(), OWNER, {"TK": f"{first.id}:XNHN"},
                          actor="clerk2", remote=remote)
    # The server refuses a claim for the wrong citizen, and logs it.
    import httpx

    from kiosk.sync import machine

    auth = {"Authorization": f"Bearer {token_b}", machine.HEADER: machine.machine_id()}
    r = httpx.post(central.url + "/v1/papers/claim", headers=auth, json={
        "id_number": OTHER, "paper_id": f"{first.id}:XNHN", "consent": True}, timeout=30)
    assert r.status_code == 404 and r.json()["error"] == "paper_not_found"
    r = httpx.post(central.url + "/v1/papers/claim", headers=auth, json={
        "id_number": OWNER, "paper_id": f"{first.id}:XNHN", "consent": False}, timeout=30)
    assert r.status_code == 422
    with central.db.transaction(write=False) as tx:
        owners = tx.all("SELECT unit_code FROM blob_owners WHERE unit_code = ?", (UNIT_B,))
        refused = tx.all("SELECT detail FROM paper_lookups WHERE action = 'refused'")
    assert owners == []  # nothing claimed
    assert [json.loads(r["detail"])["reason"] for r in refused] == ["not_this_citizen"]
    assert counter_b.read(lambda db: db.execute("SELECT count(*) FROM dossiers").fetchone()[0]) \
        == 0


def test_cli_store_list_and_reuse_at_the_same_counter(kiosk_home: Path, tmp_path: Path) -> None:
    """``kiosk store list --id-number N`` and ``kiosk dossier new ... --reuse``: the proof of
    residence scanned for the permanent-residence dossier is reused for the temporary one."""
    import subprocess
    import sys

    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                              text=True, timeout=120)

    proof = tmp_path / "cho-o.pdf"
    proof.write_bytes(scan_pdf("HỢP ĐỒNG THUÊ NHÀ"))
    first = kiosk("dossier", "new", "--procedure", "1.004222", "--name", "Đinh Thị Huyền",
                  "--id-number", OWNER, "--attach", f"CO={proof}")
    assert first.returncode == 0, first.stderr
    first_code = json.loads(first.stdout)["code"]
    listed = kiosk("store", "list", "--id-number", OWNER)
    assert listed.returncode == 0, listed.stderr
    papers = json.loads(listed.stdout)
    assert [set(p) >= {"id", "kind", "dossier", "component", "sha256", "number", "issued",
                       "valid_until", "source"} for p in papers] == [True]
    assert (papers[0]["kind"], papers[0]["dossier"], papers[0]["source"]) == (
        "CO", first_code, "local")
    second = kiosk("dossier", "new", "--procedure", "1.004194", "--name", "Đinh Thị Huyền",
                   "--id-number", OWNER, "--reuse", f"CO={papers[0]['id']}")
    assert second.returncode == 0, second.stderr
    saved = json.loads(second.stdout)
    assert saved["reused"] == [{"component": "CO", "paper": papers[0]["id"],
                                "sha256": [papers[0]["sha256"]]}]
    shown = json.loads(kiosk("dossier", "show", saved["code"]).stdout)
    comp = next(c for c in shown["components"] if c["code"] == "CO")
    assert comp["from_national_db"] and comp["pages"][0]["sha256"] == papers[0]["sha256"]
    # Another citizen cannot take it: a clear refusal, nothing saved.
    before = kiosk("dossier", "list").stdout.count("\n")
    other = kiosk("dossier", "new", "--procedure", "1.004194", "--name", "Lê Văn Được",
                  "--id-number", OTHER, "--reuse", f"CO={papers[0]['id']}")
    assert other.returncode != 0 and "Traceback" not in other.stderr
    assert "Không có giấy tờ" in other.stderr, other.stderr
    assert kiosk("dossier", "list").stdout.count("\n") == before
    # A bad number is refused too.
    bad = kiosk("store", "list", "--id-number", "12ab")
    assert bad.returncode != 0 and "không hợp lệ" in bad.stderr
