from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from kiosk.clock import TZ
from kiosk.dossier import (
    FINAL,
    TRANSITIONS,
    Channel,
    InvalidTransition,
    Status,
    check_transition,
    is_late,
    is_overdue,
    parse_channel,
    parse_status,
    transition,
)
from kiosk.dossier_code import (
    counter_block,
    format_dossier_code,
    looks_like_dossier_code,
    parse_dossier_code,
)
from kiosk.errors import InvalidInput


def test_codes_are_the_national_portal_codes() -> None:
    assert [s.value for s in Status] == list(range(1, 11))
    assert Status(2).label == "Được tiếp nhận"
    assert Status(10).label == "Đã trả kết quả"
    # 1–3 are KenhThucHien; 4 (other, e.g. photos sent by chat) is local, sent as 1 + a tag.
    assert [c.value for c in Channel] == [1, 2, 3, 4]


def test_happy_path() -> None:
    e = transition(None, Status.RECEIVED, "canbo1")
    assert e.previous is None and e.status == Status.RECEIVED
    for old, new in [(2, 4), (4, 9), (9, 10)]:
        check_transition(Status(old), Status(new))


@pytest.mark.parametrize("old", list(Status))
@pytest.mark.parametrize("new", list(Status))
def test_only_listed_transitions(old: Status, new: Status) -> None:
    note = "lý do"
    if new in TRANSITIONS[old]:
        check_transition(old, new, note)
    else:
        with pytest.raises(InvalidTransition) as err:
            check_transition(old, new, note)
        assert err.value.hint


def test_final_states() -> None:
    assert {Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED} == FINAL


def test_reasons_required_and_event_records_who_when_why() -> None:
    with pytest.raises(InvalidTransition):
        transition(Status.RECEIVED, Status.SUPPLEMENT, "canbo1")
    with pytest.raises(InvalidInput):
        transition(Status.RECEIVED, Status.PROCESSING, "  ")
    when = datetime(2026, 11, 20, 9, tzinfo=TZ)
    e = transition(Status.RECEIVED, Status.SUPPLEMENT, "canbo1", "Thiếu giấy chứng sinh", when)
    assert e.to_json() == {"status": 5, "label": "Yêu cầu bổ sung", "previous": 2,
                           "at": "2026-11-20T09:00:00+07:00", "actor": "canbo1",
                           "note": "Thiếu giấy chứng sinh"}


def test_overdue_is_derived() -> None:
    due = datetime(2026, 11, 20, 17, tzinfo=TZ)
    later = due + timedelta(minutes=1)
    assert is_overdue(Status.PROCESSING, due, later)
    assert not is_overdue(Status.PROCESSING, due, due)
    # Waiting for a supplement: judged when the clock stopped.
    assert not is_overdue(Status.SUPPLEMENT, due, later, paused_since=due - timedelta(hours=1))
    assert is_overdue(Status.SUPPLEMENT, due, later + timedelta(days=3), paused_since=later)
    assert is_overdue(Status.NEW, due, later)
    assert not is_overdue(Status.WITHDRAWN, due, later)
    assert not is_overdue(Status.DONE, due, later)
    assert is_late(due, later) and not is_late(due, due)


def test_parse_status_and_channel() -> None:
    assert parse_status("4") == Status.PROCESSING
    with pytest.raises(InvalidInput):
        parse_status("11")
    assert parse_channel(3) == Channel.POSTAL
    with pytest.raises(InvalidInput):
        parse_channel("x")


def test_dossier_codes() -> None:
    code = format_dossier_code("000.00.04.H40", date(2026, 11, 22), 1001)
    assert code == "000.00.04.H40-261122-1001"
    parts = parse_dossier_code(code)
    assert (parts.unit_code, parts.day, parts.seq, parts.counter) == (
        "000.00.04.H40", date(2026, 11, 22), 1001, 1)
    assert str(parts) == code
    assert looks_like_dossier_code(" " + code + "\r\n")
    assert list(counter_block(3))[:2] == [3001, 3002] and max(counter_block(3)) == 3999
    assert max(counter_block(0)) == 999  # block 0: the central system


@pytest.mark.parametrize("bad", ["000.00.04.H40-261322-1001", "000.00.04.H40-261122-1000",
                                 "000.00.04.H40-261122-101", "xyz", "000.00.04.h40-261122-1001"])
def test_bad_dossier_codes(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_dossier_code(bad)
