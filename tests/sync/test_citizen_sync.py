"""The citizen screen's data over the real central server: the confirmation rides in the
dossier body, a rating is its own idempotent operation, queue numbers are allocated by the
server for the whole unit and fall back to counter-prefixed numbers when it is gone."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import httpx

from central import service
from kiosk.citizen.queue import QueueService
from kiosk.citizen.ratings_report import period_blocks
from kiosk.clock import now
from kiosk.config import Config
from kiosk.storage import ApplicantInput, DossierInput, Store
from kiosk.storage.citizen import CitizenStore
from kiosk.sync import machine
from tests.sync.conftest import UNIT, Central, engine_for


def _confirmed_dossier(store: Store) -> Any:
    inp = DossierInput("2.000815", ApplicantInput("Phạm Quốc Việt", id_number="036085007788"),
                       citizen_confirmation={"confirmed_at": "2026-12-01T09:00:00+07:00",
                                             "digest": "ab" * 32, "corrections": 1,
                                             "shown": {"idNumber": "••••••••7788"}})
    return store.save_dossier(inp, actor="clerk1")


def test_confirmation_and_rating_reach_the_server_once(store: Store, central: Central) -> None:
    saved = _confirmed_dossier(store)
    record = store.get_dossier(saved.code)
    assert record["citizen_confirmation"]["corrections"] == 1
    citizen = CitizenStore(store)
    rating_id = str(uuid.uuid4())
    citizen.add_rating(rating_id=rating_id, dossier_id=saved.id, occasion="intake", level=1,
                       reason="time", clerk="clerk1", counter=1)
    engine = engine_for(store, central.url, central.token)
    result = engine.run_once(pull=False)
    assert result["needs_attention"] == 0, store.read(lambda db: db.execute(
        "SELECT kind, last_error FROM outbox").fetchall())
    assert store.outbox_counts()["pending"] == 0
    with central.db.transaction() as tx:
        body = json.loads(tx.one("SELECT body FROM dossiers WHERE id = ?", (saved.id,))["body"])
        ratings = tx.all("SELECT * FROM ratings")
    assert body["extra"]["citizen_confirmation"]["digest"] == "ab" * 32
    assert [(r["id"], r["level"], r["reason"], r["clerk"], r["procedure_code"])
            for r in ratings] == [(rating_id, 1, "time", "clerk1", "2.000815")]
    # Sent again (a lost ack): stored once, answered as a replay.
    # As the counter itself: its token is bound to this machine (kiosk.sync.machine).
    http = httpx.Client(base_url=central.url,
                        headers={"Authorization": f"Bearer {central.token}",
                                 machine.HEADER: machine.machine_id()})
    item = store.read(lambda db: db.execute(
        "SELECT payload FROM outbox WHERE kind = 'citizen.rating'").fetchone())
    payload = json.loads(item[0])
    from kiosk.sync.citizen_push import rating_body

    again = http.put(f"/v1/ratings/{rating_id}", json=rating_body(payload))
    assert again.status_code == 200 and again.json()["replayed"] is True
    changed = {**rating_body(payload), "level": 3, "reason": ""}
    assert http.put(f"/v1/ratings/{rating_id}", json=changed).status_code == 409
    with central.db.transaction() as tx:
        assert tx.one("SELECT count(*) AS n FROM ratings")["n"] == 1


def _queue(store: Store, central: Central | None, counter: int) -> QueueService:
    config = Config.load()
    config.set("counter.number", counter)

    def client() -> httpx.Client | None:
        if central is None:
            return None
        return httpx.Client(base_url=central.url, timeout=2.0,
                            headers={"Authorization": f"Bearer {central.token}",
                                     machine.HEADER: machine.machine_id()})

    return QueueService(store, config, client=client)


def test_queue_numbers_are_shared_by_the_units_counters(store: Store, central: Central,
                                                        tmp_path: Any) -> None:
    # A second counter of the same unit: its own database and device token.
    other = Store(tmp_path / "counter2.sqlite3", tmp_path / "files2", orphan_grace_seconds=None)
    token2 = service.add_device(central.db, UNIT, "quầy 2")["token"]
    try:
        q1 = _queue(store, central, 1)
        q2 = _queue(other, central, 2)
        q2._client_factory = lambda: httpx.Client(
            base_url=central.url, headers={"Authorization": f"Bearer {token2}"})
        labels = [q1.take("A")["label"], q2.take("A")["label"], q1.take("A")["label"],
                  q2.take("B")["label"]]
        assert labels == ["A001", "A002", "A003", "B001"]
        ahead = q2.take("A")
        assert ahead["label"] == "A004" and ahead["ahead"] == 3
        # Counter 2 calls: the oldest waiting ticket of the unit, taken at counter 1.
        called = q2.call_next("clerk2", ["A"])
        assert called is not None and called["label"] == "A001"
        assert q1.call_next("clerk1", ["A"])["label"] == "A002"
        status = q1.status()
        assert status["mode"] == "central"
        assert {s["service"]: s["waiting"] for s in status["services"]} == {"A": 2, "B": 1}
        assert [c["label"] for c in status["calls"]][:2] == ["A002", "A001"]
        # The next call at counter 2 finishes A001: its service time goes into the report.
        assert q2.call_next("clerk2", ["A"])["label"] == "A003"
        today = now().date()
        blocks = period_blocks(other, today, today)
        assert blocks["queue"]["called"] == 2
        assert blocks["queue"]["median_wait_minutes"] is not None
        assert blocks["queue"]["median_service_minutes"] is not None
    finally:
        other.close()


def test_offline_numbers_carry_the_counter_and_never_collide(store: Store, central: Central,
                                                             tmp_path: Any) -> None:
    online = _queue(store, central, 1)
    assert online.take("A")["label"] == "A001"
    central.server.stop()  # the link is gone
    offline = _queue(store, central, 1)
    first = offline.take("A")
    second = offline.take("A")
    assert (first["label"], second["label"]) == ("A1-01", "A1-02")
    assert first["origin"] == "local" and second["ahead"] == 1
    other = Store(tmp_path / "c3.sqlite3", tmp_path / "f3", orphan_grace_seconds=None)
    try:
        assert _queue(other, None, 3).take("A")["label"] == "A3-01"
    finally:
        other.close()
    # The counter calls its own offline tickets in order.
    assert offline.call_next("clerk1")["label"] == "A1-01"
    assert offline.status()["mode"] == "local"


def test_satisfaction_per_clerk_and_procedure(store: Store) -> None:
    citizen = CitizenStore(store)
    a = _confirmed_dossier(store)
    b = store.save_dossier(DossierInput("1.001193", ApplicantInput("Lê Thị Hoa")), actor="clerk2")
    for dossier, occasion, level, reason, clerk in (
            (a, "intake", 3, "", "clerk1"), (a, "return", 1, "attitude", "clerk1"),
            (b, "intake", 2, "time", "clerk2")):
        citizen.add_rating(rating_id=str(uuid.uuid4()), dossier_id=dossier.id,
                           occasion=occasion, level=level, reason=reason, clerk=clerk, counter=1)
    today = now().date()
    sat = period_blocks(store, today, today, {"clerk1": "Nguyễn Văn An"})["satisfaction"]
    assert (sat["ratings"], sat["very_satisfied"], sat["satisfied"], sat["unsatisfied"]) == (
        3, 1, 1, 1)
    assert sat["reasons"]["attitude"] == 1 and sat["reasons"]["time"] == 0  # only for level 1
    assert sat["satisfied_percent"] == 66.7
    clerk1 = next(c for c in sat["by_clerk"] if c["clerk"] == "clerk1")
    assert (clerk1["name"], clerk1["ratings"], clerk1["unsatisfied"]) == ("Nguyễn Văn An", 2, 1)
    assert {p["procedure_code"]: p["ratings"] for p in sat["by_procedure"]} == {
        "2.000815": 2, "1.001193": 1}
    assert period_blocks(store, date(2020, 1, 1), date(2020, 1, 2))["satisfaction"][
        "ratings"] == 0


def test_offline_tickets_reach_the_server_later(store: Store, central: Central) -> None:
    """Tickets numbered while the server was out of reach (issue 22 §2) are sent by the sync
    worker once it is back, each with its latest state; sending twice stores them once."""
    offline = _queue(store, None, 2)
    first, second = offline.take("A"), offline.take("B")
    assert (first["label"], second["label"]) == ("A2-01", "B2-01")
    assert offline.call_next("clerk1")["label"] == "A2-01"
    assert offline.call_next("clerk1")["label"] == "B2-01"  # finishes A2-01
    engine = engine_for(store, central.url, central.token)
    result = engine.run_once()
    assert result["ok"] and result["waiting"] == 0 and result["needs_attention"] == 0, result
    with central.db.transaction(write=False) as tx:
        rows = tx.all("SELECT id, unit_code, label, counter, state, called_by, finished_at "
                      "FROM queue_offline_tickets ORDER BY label")
    assert [(r["label"], r["unit_code"], r["counter"], r["state"], r["called_by"])
            for r in rows] == [("A2-01", UNIT, 2, "done", "clerk1"),
                               ("B2-01", UNIT, 2, "called", "clerk1")]
    assert rows[0]["id"] == first["id"] and rows[0]["finished_at"]
    # An older state sent again (a replayed operation) never moves a ticket back.
    http = httpx.Client(base_url=central.url,
                        headers={"Authorization": f"Bearer {central.token}",
                                 machine.HEADER: machine.machine_id()})
    old = store.read(lambda db: db.execute(
        "SELECT payload FROM outbox WHERE kind = 'queue.ticket' ORDER BY id").fetchone())
    from kiosk.sync.citizen_push import TICKET_FIELDS

    payload = json.loads(old[0])
    again = http.put(f"/v1/queue/tickets/{payload['id']}",
                     json={k: payload.get(k) for k in TICKET_FIELDS})
    assert again.status_code == 200 and again.json()["state"] == "done"
    # A server ticket is never sent back up.
    online = _queue(store, central, 2)
    assert online.take("A")["origin"] == "central"
    assert engine.run_once()["sent"] == 0
