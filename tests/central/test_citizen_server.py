"""The queue and rating tables on both server engines (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest
from fastapi import Response

from central import citizen, service
from central.db import Database
from central.service import ApiError, Device
from tests.central.helpers import OTHER_UNIT, UNIT


def test_numbers_per_unit_day_and_group_and_calls_in_order(any_db: Database) -> None:
    a = Device(service.add_device(any_db, UNIT, "quầy 1")["device_id"], UNIT, "counter")
    b = Device(service.add_device(any_db, UNIT, "quầy 2")["device_id"], UNIT, "counter")
    other = Device(service.add_device(any_db, OTHER_UNIT, "xã khác")["device_id"], OTHER_UNIT,
                   "counter")
    take = citizen.TicketIn
    labels = [citizen.take_ticket(any_db, a, take(service="A", counter=1))["label"],
              citizen.take_ticket(any_db, b, take(service="A", counter=2))["label"],
              citizen.take_ticket(any_db, b, take(service="B", counter=0))["label"],
              citizen.take_ticket(any_db, other, take(service="A", counter=1))["label"]]
    assert labels == ["A001", "A002", "B001", "A001"]  # another unit has its own numbers
    third = citizen.take_ticket(any_db, a, take(service="A", counter=1))
    assert third["ahead"] == 2
    first = citizen.call_next(any_db, b, citizen.CallIn(counter=2, services=["A"], by="c2"))
    assert first["called"]["label"] == "A001" and first["finished"] == []
    second = citizen.call_next(any_db, b, citizen.CallIn(counter=2, services=["A"]))
    assert second["called"]["label"] == "A002"
    assert [t["label"] for t in second["finished"]] == ["A001"]
    status = citizen.status(any_db, a)
    assert {s["service"]: s["waiting"] for s in status["services"]} == {"A": 1, "B": 1}


def test_rating_needs_the_units_dossier_and_is_stored_once(any_db: Database) -> None:
    dev = Device(service.add_device(any_db, UNIT, "quầy 1")["device_id"], UNIT, "counter")
    body = citizen.RatingIn(dossier_id=uuid.uuid4(), occasion="return", level=1,
                            reason="guidance", clerk="canbo", procedure_code="1.001193",
                            counter=1, at="2026-12-01T09:00:00+07:00")
    with pytest.raises(ApiError) as missing:
        citizen.put_rating(any_db, dev, "r1", body, Response())
    assert missing.value.status == 409  # the dossier first (the engine retries)
    with any_db.transaction() as tx:
        tx.execute("INSERT INTO dossiers (id, code, unit_code, device_id, status, "
                   "server_version, body, created_at, updated_at) VALUES (?, ?, ?, ?, 2, 1, "
                   "'{}', 'x', 'x')", (str(body.dossier_id), f"{UNIT}-261201-1001", UNIT,
                                       dev.id))
    first = Response()
    assert citizen.put_rating(any_db, dev, "r1", body, first)["replayed"] is False
    assert first.status_code == 201
    again = Response()
    assert citizen.put_rating(any_db, dev, "r1", body, again)["replayed"] is True
    with pytest.raises(ApiError):
        citizen.put_rating(any_db, dev, "r1", body.model_copy(update={"level": 3}), Response())
    rows = citizen.ratings(any_db, dev, "2026-12-01", "2026-12-01")
    assert [(r["level"], r["reason"]) for r in rows] == [(1, "guidance")]
