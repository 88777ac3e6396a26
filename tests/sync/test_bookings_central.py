"""Booked times through the real central server shared by two counters (issue 27): the
places of a slot are counted once for the unit, a booked citizen checked in at one counter is
called ahead of the walk-ins another counter took, a late booking is released, and the
refusals come back in Vietnamese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import service
from kiosk import clock
from kiosk.citizen.booking import BookingService
from kiosk.citizen.booking_central import BookingServerUnreachable, CentralBookings
from kiosk.citizen.booking_rules import parse_at
from kiosk.citizen.queue import QueueService
from kiosk.config import Config
from kiosk.errors import InvalidInput
from kiosk.storage import Store
from kiosk.sync import machine
from tests.sync.conftest import UNIT, Central


def _counter(store: Store, url: str, token: str, number: int, bind: bool) -> BookingService:
    config = Config.load()
    config.set("counter.number", number)
    config.set("booking.groups", ["A=2"])
    config.set("sync.server_url", url)
    headers = {"Authorization": f"Bearer {token}"}
    if bind:
        headers[machine.HEADER] = machine.machine_id()
    queue = QueueService(store, config, client=lambda: httpx.Client(
        base_url=url, timeout=2.0, headers=headers))
    return BookingService(queue)


@pytest.fixture()
def moment(kiosk_home: Path) -> Iterator[list[datetime]]:
    at = [datetime(2026, 12, 7, 8, 0, tzinfo=clock.TZ)]  # a Monday
    clock.set_source(lambda: at[0])
    yield at
    clock.set_source(None)


@pytest.fixture()
def two(moment: Any, store: Store, central: Central, tmp_path: Path) -> Iterator[Any]:
    other = Store(tmp_path / "c2.sqlite3", tmp_path / "f2", orphan_grace_seconds=None)
    token2 = service.add_device(central.db, UNIT, "quầy 2")["token"]
    yield (_counter(store, central.url, central.token, 1, True),
           _counter(other, central.url, token2, 2, False))
    other.close()


def test_two_counters_share_the_places_of_a_slot(two: Any) -> None:
    c1, c2 = two
    assert isinstance(c1.backend, CentralBookings)  # chosen because a server is configured
    at = parse_at("2026-12-08T07:30")
    first = c1.make("A", at, phone="0912345678")
    with pytest.raises(InvalidInput, match=f"đã có lịch hẹn {first['code']} vào khung 07:30"):
        c2.make("A", at, phone="0912345678")
    c2.make("A", at, id_number="001099012345")
    with pytest.raises(InvalidInput, match=r"Khung 07:30 ngày 08/12/2026 đã hết chỗ \(2 chỗ\)"):
        c1.make("A", at, phone="0987654321")
    slots = {s["at"][11:16]: s["free"] for s in c2.slots("A", date(2026, 12, 8))}
    assert (slots["07:00"], slots["07:30"]) == (2, 0)
    with pytest.raises(InvalidInput, match="ngày nghỉ lễ"):
        c2.rules = type(c2.rules)(c2.rules.capacities, horizon_days=60)
        c2.make("A", parse_at("2027-01-01T07:30"), phone="0912345678")
    # Cancelled at counter 2, the place is free for counter 1.
    c2.cancel(first["code"])
    assert c1.make("A", at, phone="0987654321")["at"] == "2026-12-08T07:30:00+07:00"


def test_checkin_at_one_counter_goes_ahead_of_the_walk_ins_and_late_ones_are_released(
        two: Any, moment: list[datetime]) -> None:
    c1, c2 = two
    booked = c1.make("A", parse_at("2026-12-08T07:30"), phone="0912345678")
    late = c1.make("A", parse_at("2026-12-08T08:00"), phone="0912345678")
    moment[0] = datetime(2026, 12, 8, 7, 5, tzinfo=clock.TZ)
    walk_in = c1.queue.take("A")
    assert walk_in["label"] == "A001"
    moment[0] = datetime(2026, 12, 8, 7, 10, tzinfo=clock.TZ)
    ticket = c2.checkin(booked["code"])
    assert ticket["label"] == "A002" and ticket["origin"] == "central"
    with pytest.raises(InvalidInput, match="đã nhận số A002"):
        c1.checkin(booked["code"])
    moment[0] = datetime(2026, 12, 8, 7, 12, tzinfo=clock.TZ)
    assert c1.queue.call_next("c1", ["A"])["label"] == "A002"
    assert c2.queue.call_next("c2", ["A"])["label"] == "A001"
    moment[0] = datetime(2026, 12, 8, 8, 16, tzinfo=clock.TZ)
    with pytest.raises(InvalidInput, match="đã quá giờ nhận số nên đã huỷ"):
        c2.checkin(late["code"])
    report = c2.report(date(2026, 12, 8), date(2026, 12, 8))["by_service"][0]
    assert (report["bookings"], report["checked_in"], report["released"]) == (2, 1, 1)


def test_without_the_server_no_booking_is_guessed(moment: Any, store: Store,
                                                  central: Central) -> None:
    c1 = _counter(store, central.url, central.token, 1, True)
    central.server.stop()
    with pytest.raises(BookingServerUnreachable, match="Không kết nối được máy chủ"):
        c1.make("A", parse_at("2026-12-08T07:30"), phone="0912345678")


def test_the_first_booking_call_of_a_run_publishes_the_settings_for_the_page(
        two: Any, central: Central) -> None:
    from central.bookings import published_units

    c1, _c2 = two
    assert published_units(central.db) == {}
    c1.slots("A", date(2026, 12, 8))
    settings = published_units(central.db)[UNIT]
    assert settings["capacities"] == {"A": {"": 2}}
    assert settings["groups"] == {"A": "Tiếp nhận hồ sơ"}
    assert settings["office_hours"] == ["07:00-11:30", "13:30-17:00"]
    assert (settings["slot_minutes"], settings["horizon_days"]) == (30, 14)
