"""The province page's queue and satisfaction figures per unit, on both server engines: the
same blocks as a counter's own report, split by priority, transfer and booking."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import Response

from central import citizen, province_figures, queue_facts, queue_ops, service
from central.db import Database
from central.queue_facts import TICKET_TABLES
from central.service import Device
from kiosk import clock
from tests.central.helpers import OTHER_UNIT, UNIT
from tests.pg_cluster import fresh_pg_db


def test_the_queue_block_splits_by_priority_transfer_and_booking(any_db: Database) -> None:
    dev = Device(service.add_device(any_db, UNIT, "quầy 1")["device_id"], UNIT, "counter")
    other = Device(service.add_device(any_db, OTHER_UNIT, "xã khác")["device_id"],
                   OTHER_UNIT, "counter")
    take = citizen.TicketIn
    later = clock.iso(clock.now().replace(hour=23, minute=59))
    citizen.take_ticket(any_db, dev, take(service="A", counter=0))
    citizen.take_ticket(any_db, dev, take(service="A", counter=0, priority="elderly"))
    citizen.take_ticket(any_db, dev, take(service="A", counter=0, booked_until=later))
    citizen.take_ticket(any_db, other, take(service="A", counter=0))
    called = citizen.call_next(any_db, dev, citizen.CallIn(counter=1, services=["A"]))
    queue_ops.act(any_db, dev, queue_ops.ActIn(action="transfer", label=called["called"][
        "label"], counter=1, service="B"))
    today = clock.now().date()
    figures = province_figures.citizen(any_db, today, today)
    assert set(figures) == {UNIT, OTHER_UNIT}  # each unit its own block
    mine = figures[UNIT]["queue"]
    assert mine["tickets"] == 3 and mine["transferred"] == 1
    assert {p["key"]: p["tickets"] for p in mine["by_priority"]} == {"": 2, "elderly": 1}
    assert {b["booked"]: b["tickets"] for b in mine["by_booking"]} == {True: 1, False: 2}
    assert {s["service"] for s in mine["by_service"]} == {"A", "B"}
    assert figures[OTHER_UNIT]["queue"]["tickets"] == 1
    # One unit's viewer: only that unit, with the same figures.
    assert province_figures.citizen(any_db, today, today, UNIT) == {UNIT: figures[UNIT]}


def test_satisfaction_counted_in_sql_equals_the_counters_definition(any_db: Database) -> None:
    from kiosk.citizen.ratings_report import satisfaction

    at = clock.iso(clock.now().replace(hour=9, minute=0, second=0, microsecond=0))
    rows = [(UNIT, 3, "", "canbo", "1.001193", "intake"),
            (UNIT, 3, "", "canbo", "1.001193", "intake"),  # equal: counted as one row, n=2
            (UNIT, 1, "time", "canbo", "1.001193", "return"),
            (UNIT, 1, "attitude", "thuky", "1.000894", "return"),
            (UNIT, 2, "", "thuky", "1.000894", "intake"),
            (OTHER_UNIT, 1, "guidance", "canbo", "1.001193", "intake")]
    with any_db.transaction() as tx:
        for i, (unit, level, reason, clerk, procedure, occasion) in enumerate(rows):
            tx.execute("INSERT INTO ratings (id, unit_code, dossier_id, occasion, level, reason,"
                       " clerk, procedure_code, counter, at, device_id, received_at) VALUES"
                       " (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 'd', ?)",
                       (f"r{i}", unit, f"dossier-{i}", occasion, level, reason, clerk,
                        procedure, at, at))
    today = clock.now().date()
    figures = province_figures.citizen(any_db, today, today)
    keys = ("unit_code", "level", "reason", "clerk", "procedure_code", "occasion")
    whole = province_figures.citizen(any_db, today, today, breakdown=False)
    for unit in (UNIT, OTHER_UNIT):
        raw = [dict(zip(keys, r, strict=True)) for r in rows if r[0] == unit]
        assert figures[unit]["satisfaction"] == satisfaction(raw)
        # What the province's table reads: the whole unit and per occasion, counted alike.
        assert whole[unit]["satisfaction"] == {
            k: v for k, v in satisfaction(raw).items() if k not in ("by_clerk", "by_procedure")}
    assert figures[UNIT]["satisfaction"]["ratings"] == 5
    assert figures[UNIT]["satisfaction"]["reasons"]["time"] == 1


@pytest.mark.parametrize("stamp", ["hôm qua 9 giờ", "2026-12-07T09:00:00", "2026-12-07",
                                   "2026-02-30T09:00:00+07:00", "20261207T090000+0700"])
def test_a_counter_lying_about_a_tickets_times_is_refused(central_server: Any, stamp: str
                                                           ) -> None:
    # Stored as sent, such a time broke the province page's queue figures for every unit.
    ticket = {"day": "2026-12-07", "service": "A", "number": 7, "label": "A1-07",
              "issued_counter": 1, "taken_at": "2026-12-07T09:00:00+07:00",
              "called_at": stamp, "state": "called", "called_counter": 1}
    with httpx.Client(base_url=central_server.url, timeout=10) as client:
        answer = client.put("/v1/queue/tickets/t-lying", json=ticket,
                            headers={"Authorization": f"Bearer {central_server.token}"})
        assert answer.status_code == 422, answer.text
        ticket["called_at"] = "2026-12-07T09:10:00.250+07:00"
        good = client.put("/v1/queue/tickets/t-lying", json=ticket,
                          headers={"Authorization": f"Bearer {central_server.token}"})
        assert good.status_code == 201, good.text
    day = date(2026, 12, 7)
    queue = province_figures.citizen(central_server.db, day, day)[UNIT]["queue"]
    assert queue["median_wait_minutes"] == 10.0


def _generated_tickets(db: Database, rng: random.Random, day: date, n: int) -> None:
    base = datetime(day.year, day.month, day.day, 7, 30, tzinfo=clock.TZ)
    with db.transaction() as tx:
        for i in range(n):
            unit = rng.choice((UNIT, OTHER_UNIT, "H41"))
            state = rng.choice(("waiting", "called", "held", "done", "done", "noshow"))
            taken = base + timedelta(seconds=rng.randrange(30_000) + rng.randrange(1000) / 1000)
            called = None if state == "waiting" else taken + timedelta(
                seconds=rng.randrange(-90, 3600) + rng.randrange(1000) / 1000)  # some < 0
            finished = None if called is None or state in ("called", "held") or \
                rng.random() < 0.1 else called + timedelta(seconds=rng.randrange(-30, 1800))
            stamps = [None if m is None else m.isoformat(timespec="milliseconds")
                      for m in (taken, called, finished)]
            if rng.random() < 0.7:
                tx.execute("INSERT INTO queue_tickets (id, unit_code, day, service, number, "
                           "label, device_id, counter, taken_at, called_at, finished_at, "
                           "state) VALUES (?, ?, ?, ?, ?, ?, 'd', 1, ?, ?, ?, ?)",
                           (f"{day}-{i}", unit, day.isoformat(), rng.choice("AB"), i + 1,
                            f"A{i % 1000:03d}", *stamps, state))
            else:
                tx.execute("INSERT INTO queue_offline_tickets (id, unit_code, device_id, day, "
                           "service, number, label, counter, taken_at, called_at, "
                           "finished_at, state, received_at) VALUES "
                           "(?, ?, 'd', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                           (f"{day}-{i}", unit, day.isoformat(), rng.choice("ABC"), i + 1,
                            f"A1-{i:02d}", *stamps, state, stamps[0]))
            if rng.random() < 0.5:
                tx.execute("INSERT INTO queue_ticket_marks (ticket_id, priority, recalls, "
                           "moved_from, booked_until) VALUES (?, ?, 0, ?, ?)",
                           (f"{day}-{i}", rng.choice(("", "elderly", "disabled")),
                            rng.choice((None, "", "A")),
                            rng.choice((None, "", stamps[0]))))


def _facts(db: Database) -> dict[str, tuple[object, ...]]:
    with db.transaction(write=False) as tx:
        return {r["ticket_id"]: tuple(r[c] for c in queue_facts.COLUMNS)
                for r in tx.all("SELECT * FROM queue_facts")}


def _expected_facts(db: Database) -> dict[str, tuple[object, ...]]:
    """The facts the definition gives for every stored ticket, read afresh."""
    with db.transaction(write=False) as tx:
        tickets = [t for table in TICKET_TABLES for t in tx.all(
            "SELECT t.*, coalesce(m.priority, '') AS priority, m.moved_from, m.booked_until"
            f" FROM {table} t LEFT JOIN queue_ticket_marks m ON m.ticket_id = t.id")]
    return {t["id"]: queue_facts.row(t) for t in tickets}


def _backfilled(db: Database) -> None:
    """What a newer server does on start over a database from before ``queue_facts``."""
    with db.transaction() as tx:
        tx.execute("DELETE FROM meta WHERE key = 'queue_facts'")
    db._migrate()


def _same_figures(db: Database, first: date, last: date, unit: str | None) -> None:
    for breakdown in (True, False):
        sql = province_figures.citizen(db, first, last, unit, counted_by_database=True,
                                       breakdown=breakdown)
        python = province_figures.citizen(db, first, last, unit, counted_by_database=False,
                                          breakdown=breakdown)
        assert sql == python, (first, unit, breakdown)
        if not breakdown:
            assert all("by_service" not in u["queue"] and "by_clerk" not in u["satisfaction"]
                       for u in sql.values())


def test_every_ticket_write_keeps_its_facts(any_db: Database) -> None:
    """Taking, calling, recalling, holding, no-show, transfer and offline tickets (new and
    advanced) each leave the facts the definition gives; so does the backfill."""
    dev = Device(service.add_device(any_db, UNIT, "quầy 1")["device_id"], UNIT, "counter")
    take, act = citizen.TicketIn, queue_ops.ActIn
    later = clock.iso(clock.now().replace(hour=23, minute=59))

    def check() -> None:
        assert _facts(any_db) == _expected_facts(any_db)

    first = citizen.take_ticket(any_db, dev, take(service="A", counter=0))
    check()
    citizen.take_ticket(any_db, dev, take(service="A", counter=0, priority="elderly"))
    citizen.take_ticket(any_db, dev, take(service="B", counter=0, booked_until=later))
    citizen.take_ticket(any_db, dev, take(service="A", counter=0))
    check()
    called = citizen.call_next(any_db, dev, citizen.CallIn(counter=1, services=["A"]))["called"]
    check()
    queue_ops.act(any_db, dev, act(action="hold", label=called["label"], counter=1))
    second = citizen.call_next(any_db, dev, citizen.CallIn(counter=1))["called"]
    check()
    # Back from the hold: this counter's current ticket is finished by the same request.
    queue_ops.act(any_db, dev, act(action="recall", label=called["label"], counter=1))
    facts = _facts(any_db)
    assert facts[second["id"]][4] == "done" and facts[second["id"]][9] is not None
    check()
    citizen.call_next(any_db, dev, citizen.CallIn(counter=2))
    third = citizen.call_next(any_db, dev, citizen.CallIn(counter=2))["called"]
    for _i in range(2):
        queue_ops.act(any_db, dev, act(action="recall", label=third["label"], counter=2))
    queue_ops.act(any_db, dev, act(action="noshow", label=third["label"], counter=2))
    check()
    queue_ops.act(any_db, dev, act(action="transfer", label=called["label"], counter=1,
                                   service="B"))
    assert _facts(any_db)[called["id"]][7] == 1  # moved
    check()
    day = clock.now().date()
    taken = clock.now().replace(microsecond=0) - timedelta(minutes=30)
    offline = citizen.OfflineTicketIn(day=day.isoformat(), service="A", number=7,
                                      label="A1-07", issued_counter=1, taken_at=clock.iso(taken),
                                      state="waiting", priority="disabled")
    citizen.put_offline_ticket(any_db, dev, "off-1", offline, Response())
    check()
    offline.state, offline.called_at = "called", clock.iso(taken + timedelta(minutes=12))
    citizen.put_offline_ticket(any_db, dev, "off-1", offline, Response())
    offline.state, offline.finished_at = "done", clock.iso(taken + timedelta(minutes=20))
    citizen.put_offline_ticket(any_db, dev, "off-1", offline, Response())
    assert _facts(any_db)["off-1"][8:] == (720.0, 480.0)
    check()
    # A transferred, booked offline ticket: its marks arrive with it.
    moved = citizen.OfflineTicketIn(day=day.isoformat(), service="B", number=8, label="B1-08",
                                    issued_counter=1, taken_at=clock.iso(taken),
                                    state="waiting", moved_from="A@1", booked_until=later)
    citizen.put_offline_ticket(any_db, dev, "off-2", moved, Response())
    assert _facts(any_db)["off-2"][6:8] == (1, 1)
    check()
    assert len(_facts(any_db)) == 6 and first["id"] in _facts(any_db)
    expected = _facts(any_db)
    with any_db.transaction() as tx:
        tx.execute("DELETE FROM queue_facts")
    _backfilled(any_db)
    assert _facts(any_db) == expected
    with any_db.transaction(write=False) as tx:
        assert tx.one("SELECT value FROM meta WHERE key = 'queue_facts'") is not None
    if any_db.postgres:
        for unit in (None, UNIT):
            _same_figures(any_db, day, day, unit)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_queue_counted_by_the_database_equals_the_definition(pg_url: str,
                                                                 seed: int) -> None:
    # PostgreSQL counts the queue in SQL over queue_facts; a SQLite server runs the
    # definition itself. The tickets are written bare, as an older server left them: the
    # backfill gives them their facts.
    any_db = Database(fresh_pg_db(pg_url))
    rng = random.Random(seed)
    day = date(2026, 12, 7)
    _generated_tickets(any_db, rng, day, rng.choice((1, 2, 7, 300)))
    _generated_tickets(any_db, rng, day - timedelta(days=40), 50)  # outside a day's period
    _backfilled(any_db)
    assert _facts(any_db) == _expected_facts(any_db)
    for first in (day, day - timedelta(days=60)):
        for unit in (None, UNIT, "H41", "NONE"):
            _same_figures(any_db, first, day, unit)
    any_db.close()
