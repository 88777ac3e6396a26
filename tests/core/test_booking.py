"""Booked times (issue 27) on a counter without a central server: slots from the working
calendar, every refusal a person can meet, check-in ahead of walk-ins, release, cancel, and
the same through ``kiosk booking ...`` as typed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk import clock
from kiosk.citizen.booking import BookingService
from kiosk.citizen.booking_rules import parse_at
from kiosk.citizen.queue import QueueService
from kiosk.citizen.ratings_report import period_blocks, report_blocks
from kiosk.config import Config
from kiosk.errors import InvalidInput, NotFound
from kiosk.storage import Store
from kiosk.working_time import WorkingCalendar

ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=clock.TZ)


@pytest.fixture()
def at_time(kiosk_home: Path) -> Iterator[list[datetime]]:
    moment = [MONDAY]
    clock.set_source(lambda: moment[0])
    yield moment
    clock.set_source(None)


@pytest.fixture()
def booking(at_time: Any, tmp_path: Path) -> Iterator[BookingService]:
    store = Store(tmp_path / "c.sqlite3", tmp_path / "files", orphan_grace_seconds=None)
    queue = QueueService(store, Config.load(), client=lambda: None)
    yield BookingService(queue)
    store.close()


def test_default_slots_follow_the_working_calendar(booking: BookingService) -> None:
    tuesday = booking.slots("A", date(2026, 12, 8))
    # 07:00–11:30 and 13:30–17:00 in 30-minute slots of 3 places.
    assert len(tuesday) == 9 + 7
    assert tuesday[0] == {"at": "2026-12-08T07:00:00+07:00", "capacity": 3, "free": 3}
    assert tuesday[9]["at"] == "2026-12-08T13:30:00+07:00"
    assert tuesday[-1]["at"] == "2026-12-08T16:30:00+07:00"
    assert booking.slots("A", date(2026, 12, 13)) == []  # Sunday
    # Today: only the slots not started yet (it is 08:00).
    assert booking.slots("A", date(2026, 12, 7))[0]["at"] == "2026-12-07T08:30:00+07:00"


def _refused(booking: BookingService, text: str, service: str = "A",
             at: str = "2026-12-08T07:30", phone: str | None = "0912345678",
             cccd: str | None = None) -> None:
    with pytest.raises(InvalidInput) as err:
        booking.make(service, parse_at(at), phone=phone, id_number=cccd)
    assert text in err.value.message


def test_each_bad_request_is_a_clear_refusal(booking: BookingService) -> None:
    _refused(booking, "Giờ hẹn 07:30 07/12/2026 đã qua.", at="2026-12-07T07:30")
    _refused(booking, "tối đa 14 ngày (đến hết ngày 21/12/2026)", at="2026-12-22T07:30")
    _refused(booking, "Không có nhóm dịch vụ «Z»", service="Z")
    _refused(booking, "Nhóm B (Trả kết quả) không nhận đặt hẹn.", service="B")
    _refused(booking, "Ngày 12/12/2026 không phải ngày làm việc", at="2026-12-12T07:30")
    _refused(booking, "07:45 không phải giờ bắt đầu một khung hẹn", at="2026-12-08T07:45")
    _refused(booking, "Số điện thoại «123» không hợp lệ", phone="123")
    _refused(booking, "Cần số điện thoại hoặc số CCCD", phone=None)
    booking.rules = type(booking.rules)(booking.rules.capacities, horizon_days=60)
    _refused(booking, "Ngày 01/01/2027 là ngày nghỉ lễ (Tết Dương lịch)", at="2027-01-01T07:30")
    with pytest.raises(InvalidInput, match="không hợp lệ"):
        parse_at("mai 7 giờ")

    first = booking.make("A", parse_at("2026-12-08T07:30"), phone="0912 345 678")
    assert set(first) == {"code", "service", "at"}
    assert first["at"] == "2026-12-08T07:30:00+07:00" and first["code"].startswith("H")
    _refused(booking, f"đã có lịch hẹn {first['code']} vào khung 07:30 ngày 08/12/2026",
             phone="+84912345678")
    booking.make("A", parse_at("2026-12-08T07:30"), id_number="001099012345")
    _refused(booking, "đã có lịch hẹn", phone=None, cccd="001099012345")
    booking.make("A", parse_at("2026-12-08T07:30"), phone="0987654321")
    _refused(booking, "Khung 07:30 ngày 08/12/2026 đã hết chỗ (3 chỗ).", phone="0911111111")
    slot = next(s for s in booking.slots("A", date(2026, 12, 8))
                if s["at"].endswith("07:30:00+07:00"))
    assert slot["free"] == 0
    # A cancelled place is free again; a cancelled booking cannot be cancelled twice.
    booking.cancel(first["code"])
    with pytest.raises(InvalidInput, match="đã bị huỷ"):
        booking.cancel(first["code"])
    assert booking.make("A", parse_at("2026-12-08T07:30"), phone="0911111111")["code"]


def test_checkin_goes_ahead_of_walk_ins_and_a_late_booking_is_released(
        booking: BookingService, at_time: list[datetime]) -> None:
    queue = booking.queue
    made = booking.make("A", parse_at("2026-12-08T07:30"), phone="0912345678")
    late = booking.make("A", parse_at("2026-12-08T08:00"), phone="0912345678")
    at_time[0] = datetime(2026, 12, 8, 6, 50, tzinfo=clock.TZ)
    with pytest.raises(InvalidInput, match="chưa đến giờ nhận số, mời quay lại từ 07:00"):
        booking.checkin(made["code"])
    at_time[0] = datetime(2026, 12, 8, 7, 5, tzinfo=clock.TZ)
    walk_in = queue.take("A")
    at_time[0] += timedelta(minutes=10)
    ticket = booking.checkin(made["code"].lower())  # as typed from the slip
    assert ticket["booking"]["code"] == made["code"] and ticket["ahead"] == 0
    with pytest.raises(InvalidInput, match=f"đã nhận số {ticket['label']}"):
        booking.checkin(made["code"])
    at_time[0] += timedelta(minutes=1)
    assert queue.call_next("c1")["label"] == ticket["label"]
    assert queue.call_next("c1")["label"] == walk_in["label"]
    # The 08:00 booking was not checked in by 08:15: released, its place free again.
    at_time[0] = datetime(2026, 12, 8, 8, 16, tzinfo=clock.TZ)
    with pytest.raises(InvalidInput, match="đã quá giờ nhận số nên đã huỷ"):
        booking.checkin(late["code"])
    with pytest.raises(NotFound, match="Không tìm thấy lịch hẹn HAAAAAA"):
        booking.checkin("HAAAAAA")
    with pytest.raises(InvalidInput, match="Mã hẹn «X1» không hợp lệ"):
        booking.checkin("X1")
    report = booking.report(date(2026, 12, 8), date(2026, 12, 8))["by_service"]
    blocks = period_blocks(queue.store, date(2026, 12, 8), date(2026, 12, 8))["queue"]
    assert blocks["booked"] == 1
    assert [(b["booked"], b["tickets"], b["called"]) for b in blocks["by_booking"]] == [
        (True, 1, 1), (False, 1, 1)]
    use = {"service": "A", "places": 48, "bookings": 2, "pending": 0, "checked_in": 1,
           "cancelled": 0, "released": 1, "free": 47, "use_percent": 4.2}
    assert report == [{**use, "by_day": [{"day": "2026-12-08", **use}]}]
    # The period report carries the same block (both its paths: kiosk report summary and
    # the Reports screen take it from report_blocks).
    blocks = report_blocks(queue.store, date(2026, 12, 7), date(2026, 12, 8))
    assert blocks["booking"]["by_service"][0]["by_day"] == [
        {"day": "2026-12-07", "service": "A", "places": 48, "bookings": 0, "pending": 0,
         "checked_in": 0, "cancelled": 0, "released": 0, "free": 48, "use_percent": 0.0},
        {"day": "2026-12-08", **use}]


def test_cli_booking_end_to_end(kiosk_home: Path) -> None:
    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                              text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT),
                                                        "KIOSK_HOME": str(kiosk_home),
                                                        "PATH": "/usr/bin:/bin"})

    calendar = WorkingCalendar.from_config(Config.load())
    day = calendar.next_working_day(clock.now().date())
    slots = json.loads(kiosk("booking", "slots", "--service", "A", "--date",
                             day.isoformat()).stdout)
    assert slots[0] == {"at": f"{day.isoformat()}T07:00:00+07:00", "capacity": 3, "free": 3}
    made = kiosk("booking", "make", "--service", "A", "--at", f"{day.isoformat()}T07:00",
                 "--phone", "0912345678")
    assert made.returncode == 0, made.stderr
    code = json.loads(made.stdout)["code"]
    again = kiosk("booking", "make", "--service", "A", "--at", f"{day.isoformat()}T07:00",
                  "--phone", "0912345678")
    assert again.returncode == 2 and "đã có lịch hẹn" in again.stderr
    assert "Traceback" not in again.stderr
    bad = kiosk("booking", "slots", "--service", "Q", "--date", day.isoformat())
    assert bad.returncode == 2 and "Không có nhóm dịch vụ «Q»" in bad.stderr
    # The slot is tomorrow or later: the slip read today says it is for another day.
    early = kiosk("booking", "checkin", code, "--no-print")
    assert early.returncode == 2 and "không phải hôm nay" in early.stderr
    cancelled = json.loads(kiosk("booking", "cancel", code).stdout)
    assert cancelled["state"] == "cancelled"
    report = json.loads(kiosk("booking", "report", "--from", day.isoformat(), "--to",
                              day.isoformat()).stdout)
    assert report["by_service"][0]["cancelled"] == 1
    # Slot use in the queue report and in the period report (JSON and PDF).
    period = ("--from", day.isoformat(), "--to", day.isoformat())
    queue_report = json.loads(kiosk("queue", "report", *period).stdout)["booking"]
    summary = json.loads(kiosk("report", "summary", *period).stdout)["booking"]
    assert queue_report["by_service"] == summary["by_service"] == report["by_service"]
    for block in (queue_report, summary):
        (day_use,) = block["by_service"][0]["by_day"]
        assert day_use["day"] == day.isoformat() and day_use["cancelled"] == 1
        assert day_use["free"] == day_use["places"] == 48
    pdf = kiosk_home / "summary.pdf"
    assert kiosk("report", "summary", *period, "--format", "pdf", "--out",
                 str(pdf)).returncode == 0
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        # The booked day as the page prints it, whatever day the test runs on.
        assert "ĐẶT LỊCH HẸN: SỬ DỤNG KHUNG GIỜ" in text and day.strftime(
            "%d/%m/%Y") in text.split("ĐẶT LỊCH HẸN")[1]


def test_the_slip_carries_the_code_as_a_qr_the_reader_checks_in(tmp_path: Path) -> None:
    from kiosk.citizen.ticket import render_booking_slip
    from kiosk.devices.barcode.decode import ImageDecoder

    pdf, height_mm = render_booking_slip(
        {"code": "HK7Q2MX", "service": "A", "at": "2026-12-08T07:30:00+07:00"},
        "Tiếp nhận hồ sơ", "UBND xã Mẫu", "Trung tâm phục vụ hành chính công xã")
    assert 60 < height_mm < 200
    path = tmp_path / "slip.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Lúc 07:30 ngày 08/12/2026" in text and "HK7Q2MX" in text
    assert [d.text for d in ImageDecoder().decode_file(path)] == ["HK7Q2MX"]
