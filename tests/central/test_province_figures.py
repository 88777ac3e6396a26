"""The province page's queue and satisfaction figures per unit, on both server engines: the
same blocks as a counter's own report, split by priority, transfer and booking."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from central import citizen, province_figures, queue_ops, service
from central.db import Database
from central.service import Device
from kiosk import clock
from tests.central.helpers import OTHER_UNIT, UNIT


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
    for unit in (UNIT, OTHER_UNIT):
        raw = [dict(zip(keys, r, strict=True)) for r in rows if r[0] == unit]
        assert figures[unit]["satisfaction"] == satisfaction(raw)
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
