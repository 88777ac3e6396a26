"""A scanned document's confirmed number and dates reach the province (issue 24 §3), over
the real central server on loopback with two counters of two units of the same province:
unit A confirms an expired validity on one scan and a current one on another, syncs once;
unit B's look-up on the province's store then marks the first expired and no longer offers
it (nor can it be claimed), and offers the second with its dates. The server refuses facts
for a paper it does not hold as described, or of another unit, with nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import service
from kiosk import reuse
from kiosk.clock import now
from kiosk.config import Config
from kiosk.errors import InvalidInput
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store, paper_facts
from kiosk.sync import machine
from kiosk.sync.papers_client import RemotePapers
from kiosk.sync.transport import make_client
from tests.signing.helpers import scan_pdf
from tests.sync.conftest import Central, engine_for

OWNER = "001158024485"
OTHER = "079203001234"
UNIT_B = "000.00.07.H40"


@pytest.fixture
def counter_b(tmp_path: Path) -> Any:
    root = tmp_path / "counter-b"
    config = Config(root / "config.toml", {"unit": {"code": UNIT_B}})
    store = Store(root / "kiosk.sqlite3", root / "files", config, orphan_grace_seconds=None)
    yield store
    store.close()


def _scan(store: Store, text: str, id_number: str = OWNER) -> tuple[Any, str]:
    sha = store.put_file(scan_pdf(text))
    saved = store.save_dossier(DossierInput(
        "1.001193", ApplicantInput("Đinh Thị Huyền", id_number=id_number),
        components=[ComponentInput("Giấy xác nhận tình trạng hôn nhân", code="XNHN",
                                   pages=[PageInput(sha)])]), actor="clerk1")
    return saved, sha


def _confirm(store: Store, paper_id: str, issued: date, until: date | None,
             number: str = "", issuer: str = "") -> dict[str, Any]:
    return store.call(lambda db: paper_facts.confirm(
        db, paper_id, number=number, issued=issued, valid_until=until, issuer=issuer,
        actor="clerk1"))


def _facts_ops(store: Store) -> list[tuple[str, str]]:
    return store.read(lambda db: db.execute(
        "SELECT state, payload FROM outbox WHERE kind = ? ORDER BY id",
        (paper_facts.FACTS_KIND,)).fetchall())


def _server_facts(central: Central) -> list[dict[str, Any]]:
    with central.db.transaction(write=False) as tx:
        return tx.all("SELECT * FROM paper_facts ORDER BY paper_id")


def test_confirmed_dates_reach_another_unit(store: Store, central: Central,
                                            counter_b: Store) -> None:
    today = now().date()
    old, _old_sha = _scan(store, "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN 2023")
    new, _new_sha = _scan(store, "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN mới")
    assert engine_for(store, central.url, central.token).run_once()["ok"]
    old_id, new_id = f"{old.id}:XNHN", f"{new.id}:XNHN"
    token_b = service.add_device(central.db, UNIT_B, "quầy 1")["token"]
    remote = RemotePapers(counter_b, make_client(central.url), lambda: token_b)
    # Before any confirmation both scans are offered at B, without dates.
    found = reuse.lookup(counter_b, OWNER, actor="clerk2", remote=remote)
    assert {p["id"] for p in reuse.offers(found, "XNHN", counter_b.config)} == {old_id, new_id}
    assert all(p["valid_until"] is None for p in found)

    # Unit A's clerk confirms the dates read off the papers.
    _confirm(store, old_id, date(2023, 1, 5), date(2023, 7, 5), number="15/XN")
    issued, until = today - timedelta(days=20), today + timedelta(days=160)
    _confirm(store, new_id, issued, until, number="231/2026/XN", issuer="UBND xã Yên Hòa")
    assert [s for s, _p in _facts_ops(store)] == ["pending", "pending"]
    engine_a = engine_for(store, central.url, central.token)
    assert engine_a.run_once()["ok"]
    assert [s for s, _p in _facts_ops(store)] == ["done", "done"]
    stored = _server_facts(central)
    assert [(r["paper_id"], r["unit_code"], r["id_number"], r["valid_until"]) for r in stored] \
        == sorted([(old_id, "000.00.04.H40", OWNER, "2023-07-05"),
                   (new_id, "000.00.04.H40", OWNER, until.isoformat())])
    # Exactly once: another pass sends nothing, a replay of the same operation stores nothing.
    received = [r["received_at"] for r in stored]
    assert engine_a.run_once()["ok"]
    assert [r["received_at"] for r in _server_facts(central)] == received
    op_id, payload = store.read(lambda db: db.execute(
        "SELECT id, payload FROM outbox WHERE kind = ? ORDER BY id LIMIT 1",
        (paper_facts.FACTS_KIND,)).fetchone())
    import json

    body = json.loads(payload)
    auth_a = {"Authorization": f"Bearer {central.token}", machine.HEADER: machine.machine_id()}
    r = httpx.put(f"{central.url}/v1/dossiers/{body.pop('dossier_id')}/paper-facts",
                  json=body, headers={**auth_a, "Idempotency-Key": op_id}, timeout=30)
    assert r.status_code == 201 and r.headers.get("Idempotent-Replayed") == "true"
    assert [r["received_at"] for r in _server_facts(central)] == received

    # Unit B: the expired scan is marked and not offered; the current one with its dates.
    found = {p["id"]: p for p in reuse.lookup(counter_b, OWNER, actor="clerk2",
                                                remote=remote)}
    assert found[old_id]["source"] == "central" and found[old_id]["expired"] is True
    assert found[old_id]["valid_until"] == "2023-07-05"
    offered = reuse.offers(list(found.values()), "XNHN", counter_b.config)
    assert [p["id"] for p in offered] == [new_id]
    assert {k: offered[0][k] for k in ("number", "issued", "valid_until", "issuer")} == {
        "number": "231/2026/XN", "issued": issued.isoformat(),
        "valid_until": until.isoformat(), "issuer": "UBND xã Yên Hòa"}
    assert offered[0]["expired"] is False
    comps = [ComponentInput("Giấy xác nhận tình trạng hôn nhân", code="XNHN", pages=[])]
    with pytest.raises(InvalidInput):
        reuse.apply_reuse(counter_b, comps, OWNER, {"XNHN": old_id}, actor="clerk2",
                          remote=remote)
    # Nor does the server let it be claimed by a counter that skips the check.
    auth_b = {"Authorization": f"Bearer {token_b}", machine.HEADER: machine.machine_id()}
    r = httpx.post(central.url + "/v1/papers/claim", headers=auth_b, json={
        "id_number": OWNER, "paper_id": old_id, "consent": True}, timeout=30)
    assert r.status_code == 422 and r.json()["error"] == "paper_expired"

    # A correction at A (no expiry after all) replaces it at the province too.
    _confirm(store, old_id, date(2023, 1, 5), None, number="15/XN")
    assert engine_a.run_once()["ok"]
    found = reuse.lookup(counter_b, OWNER, actor="clerk2", remote=remote)
    assert {p["id"] for p in reuse.offers(found, "XNHN", counter_b.config)} == {old_id, new_id}


def test_facts_for_a_paper_the_server_does_not_hold_are_refused(
        store: Store, central: Central, counter_b: Store) -> None:
    saved, sha = _scan(store, "GIẤY XÁC NHẬN")
    other, _sha = _scan(store, "GIẤY KHÁC", id_number=OTHER)
    assert engine_for(store, central.url, central.token).run_once()["ok"]
    token_b = service.add_device(central.db, UNIT_B, "quầy 1")["token"]
    good = {"dossier_code": saved.code, "component": "XNHN", "sha256": sha,
            "id_number": OWNER, "number": "1", "issued": "2024-01-02",
            "valid_until": "2024-06-30", "issuer": "", "confirmed_by": "clerk1",
            "confirmed_at": "2026-01-01T00:00:00+07:00"}

    def put(token: str, dossier_id: str, key: str, **change: Any) -> httpx.Response:
        return httpx.put(f"{central.url}/v1/dossiers/{dossier_id}/paper-facts",
                         json={**good, **change}, timeout=30, headers={
                             "Authorization": f"Bearer {token}", "Idempotency-Key": key,
                             machine.HEADER: machine.machine_id()})

    cases = [
        (put(token_b, saved.id, "b1"), 403, "wrong_unit"),  # another unit's scan
        (put(central.token, saved.id, "a1", component="TK"), 404, "paper_not_found"),
        (put(central.token, saved.id, "a2", id_number=OTHER), 404, "paper_not_found"),
        (put(central.token, other.id, "a3"), 404, "paper_not_found"),  # not this owner's
        (put(central.token, saved.id, "a4", sha256="0" * 64), 409, "paper_changed"),
        (put(central.token, "0190f5c1-0000-7000-8000-000000000000", "a5"), 409, "conflict"),
        (put(central.token, saved.id, "a6", valid_until="2023-01-01"), 422, "invalid_dates"),
    ]
    for r, status, error in cases:
        assert (r.status_code, r.json().get("error")) == (status, error), r.text
        assert r.json().get("message"), r.text  # said in words, not only a code
    assert _server_facts(central) == []
    # The counter's own confirmation, under the same paper, goes through.
    _confirm(store, f"{saved.id}:XNHN", date(2024, 1, 2), date(2024, 6, 30))
    assert engine_for(store, central.url, central.token).run_once()["ok"]
    assert [r["paper_id"] for r in _server_facts(central)] == [f"{saved.id}:XNHN"]


def test_facts_confirmed_before_the_upgrade_are_sent_once(kiosk_home: Path,
                                                          central: Central) -> None:
    """A counter that confirmed dates before this version (migration 0033 queues them)."""
    from kiosk.storage.sqlite import MIGRATIONS_TABLE

    store = Store(orphan_grace_seconds=None)
    saved, sha = _scan(store, "GIẤY XÁC NHẬN cũ")
    _confirm(store, f"{saved.id}:XNHN", date(2023, 1, 5), date(2023, 7, 5), number="15/XN")

    def as_before(db: Any) -> None:  # what the older version left: facts, nothing queued
        with db.atomic():
            db.execute("DELETE FROM outbox WHERE kind = ?", (paper_facts.FACTS_KIND,))
            db.execute(f"DELETE FROM {MIGRATIONS_TABLE} WHERE name = '0033_paper_facts_sync'")

    store.call(as_before)
    store.close()
    store = Store(orphan_grace_seconds=None)
    try:
        assert "0033_paper_facts_sync" in store.migrations_applied
        assert [s for s, _p in _facts_ops(store)] == ["pending"]
        engine = engine_for(store, central.url, central.token)
        assert engine.run_once()["ok"] and engine.run_once()["ok"]
        assert [s for s, _p in _facts_ops(store)] == ["done"]
        assert [(r["paper_id"], r["sha256"], r["number"], r["issued"], r["valid_until"])
                for r in _server_facts(central)] == [
            (f"{saved.id}:XNHN", sha, "15/XN", "2023-01-05", "2023-07-05")]
    finally:
        store.close()
