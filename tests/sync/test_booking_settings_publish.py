"""Issue 27, the booking page's settings on the real central server (loopback): only a counter
of the unit publishes, an older settings file cannot overwrite a newer revision, the province
sees who published what; and a slip of another unit read at a counter says where to go."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import service
from kiosk.citizen.booking import BookingService
from kiosk.citizen.booking_rules import parse_at
from kiosk.errors import InvalidInput
from kiosk.storage import Store
from kiosk.sync import machine
from tests.sync.conftest import UNIT, Central
from tests.sync.test_bookings_central import _counter, moment, two  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def _regroup(counter: BookingService, groups: list[str]) -> None:
    """The counter's booking.groups changed (as a person does in Settings)."""
    counter.queue.config.set("booking.groups", groups)
    counter.rules = type(counter.rules).from_config(counter.queue.config)


def test_an_older_settings_file_cannot_overwrite_a_newer_revision(
        two: Any, central: Central, tmp_path: Path) -> None:  # noqa: F811
    c1, c2 = two
    assert c1.publish() == {"unit_code": UNIT, "published": True, "revision": 1,
                            "changed": True}
    # The same settings from the other counter: nothing changes, it learns revision 1.
    assert c2.publish()["revision"] == 1 and c2.publish()["changed"] is False
    _regroup(c1, ["A=5"])
    assert c1.publish() == {"unit_code": UNIT, "published": True, "revision": 2,
                            "changed": True}
    # Counter 2 still holds the old file: refused, saying who published what and when.
    with pytest.raises(InvalidInput, match="bản 2 do quầy 1 gửi lúc 08:00 07/12/2026") as err:
        c2.publish()
    assert "kiosk booking publish --replace" in (err.value.hint or "")
    headers = {"Authorization": f"Bearer {central.token}",
               machine.HEADER: machine.machine_id()}  # counter 1's token is bound to it
    kept = httpx.get(f"{central.url}/v1/bookings/settings", headers=headers).json()
    assert kept["capacities"] == {"A": {"": 5}} and kept["revision"] == 2
    assert kept["published_by"] == "quầy 1"
    # A person decides counter 2's settings are right: they replace revision 2.
    assert c2.publish(replace=True)["revision"] == 3
    kept = httpx.get(f"{central.url}/v1/bookings/settings", headers=headers).json()
    assert kept["capacities"] == {"A": {"": 2}} and kept["published_by"] == "quầy 2"
    # The page offers what the current revision says.
    page = httpx.get(f"{central.url}/dat-lich/", params={"unit": UNIT, "service": "A",
                                                          "day": "2026-12-08"})
    assert "còn 2/2 chỗ" in page.text and "/5 chỗ" not in page.text

    # Only a counter of the unit publishes: an admin token is refused.
    admin = service.add_device(central.db, UNIT, "tỉnh", role="admin")["token"]
    body = {**c1.settings(), "base_revision": 3}
    refused = httpx.put(f"{central.url}/v1/bookings/settings", json=body,
                        headers={"Authorization": f"Bearer {admin}"})
    assert refused.status_code == 403
    assert "Chỉ quầy của đơn vị" in refused.json()["message"]
    # The province sees every publication, newest first (admin token; and the CLI).
    log = httpx.get(f"{central.url}/v1/bookings/settings/log", params={"unit": UNIT},
                    headers={"Authorization": f"Bearer {admin}"}).json()["publications"]
    assert [(p["device_name"], p["outcome"], p["revision"], p["base_revision"])
            for p in log] == [("quầy 2", "accepted", 3, 2), ("quầy 2", "refused", 2, 1),
                              ("quầy 1", "accepted", 2, 1), ("quầy 2", "same", 1, 1),
                              ("quầy 2", "same", 1, 0), ("quầy 1", "accepted", 1, 0)]
    assert log[2]["settings"]["capacities"] == {"A": {"": 5}}
    assert httpx.get(f"{central.url}/v1/bookings/settings/log",
                     headers=headers).status_code == 403  # a counter's token: not the log
    cli = subprocess.run([sys.executable, "-m", "kiosk", "central", "booking-settings",
                          "--db", str(tmp_path / "central.sqlite3"), "--unit", UNIT], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert [p["outcome"] for p in json.loads(cli.stdout)["publications"]][:2] == [
        "accepted", "refused"]


def test_a_slip_of_another_unit_or_another_day_is_refused_clearly(
        two: Any, central: Central, tmp_path: Path, kiosk_home: Path) -> None:  # noqa: F811
    c1, _c2 = two
    c1.publish()
    other_unit = "000.00.09.H40"
    token = service.add_device(central.db, other_unit, "Quầy xã khác")["token"]
    with Store(tmp_path / "o.sqlite3", tmp_path / "of", orphan_grace_seconds=None) as store:
        there = _counter(store, central.url, token, 1, False)
        there.queue.config.set("unit.name", "UBND xã Bên")
        there.publish()
        code = there.make("A", parse_at("2026-12-07T08:30"), phone="0912345678")["code"]
        there.queue.close()
    with pytest.raises(InvalidInput, match=f"Lịch hẹn {code} được đặt tại UBND xã Bên, không "
                                           "phải đơn vị này"):
        c1.checkin(code)
    tomorrow = c1.make("A", parse_at("2026-12-08T08:30"), phone="0912345678")["code"]
    with pytest.raises(InvalidInput, match="là ngày 08/12/2026 lúc 08:30, không phải hôm nay"):
        c1.checkin(tomorrow)
