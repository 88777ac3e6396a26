"""The server's side of issue 13 on both engines (SQLite and a real PostgreSQL): letters
kept across uploads, the province's letter in the change feed, the summary over bodies."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from central import letters, reports, service
from central.db import Database
from central.models import DossierIn, PostponeIn
from central.service import ApiError
from kiosk import clock
from tests.central.helpers import UNIT, dossier, new_id

COUNTER_LETTER = {"letter_number": "001/2026/PXL-Q1", "issued_at": "2026-11-22T17:00:00+07:00",
                  "previous_due_at": "2026-11-22T16:00:00+07:00",
                  "new_due_at": "2026-11-24T10:00:00+07:00", "reason": "Chờ xác minh",
                  "clerk": "canbo1", "origin": "counter"}


def _body(**over: object) -> DossierIn:
    return DossierIn.model_validate(dossier(
        legal_due_at="2026-11-22T16:00:00+07:00", due_at="2026-11-24T10:00:00+07:00",
        reception_channel=4, postponements=[COUNTER_LETTER],
        history=[{"at": "2026-11-22T08:15:00+07:00", "status": 2}], **over))


def test_letters_feed_and_summary(any_db: Database) -> None:
    dev = service.authenticate(any_db, service.add_device(any_db, UNIT)["token"])
    assert dev is not None
    did = new_id()
    _status, ack, _replayed = service.put_dossier(any_db, dev, did, new_id(), _body())
    code = ack["code"]
    from kiosk.working_time import WorkingCalendar

    day = WorkingCalendar.from_config().next_working_day(clock.now().date() + timedelta(days=7))
    new_due = datetime.combine(day, time(10), clock.TZ)
    state = reports.postpone(any_db, code, PostponeIn(
        new_due_at=new_due, reason="Chờ ý kiến Sở", letter_number="15/STP", by="so"))
    assert [p["letter_number"] for p in state["postponements"]] == ["001/2026/PXL-Q1", "15/STP"]
    with pytest.raises(ApiError) as err:  # the same number twice
        reports.postpone(any_db, code, PostponeIn(new_due_at=new_due + timedelta(days=1),
                                                  reason="x", letter_number="15/STP"))
    assert err.value.code == "letter_exists"
    with pytest.raises(ApiError) as err:  # lunch time is not office time
        reports.postpone(any_db, code, PostponeIn(new_due_at=new_due.replace(hour=12),
                                                  reason="x", letter_number="16/STP"))
    assert err.value.code == "invalid_new_due" and "giờ làm việc" in err.value.message
    feed = service.changes(any_db, dev, 0, 50)["changes"]
    assert [c["kind"] for c in feed] == ["created", "postponed"]
    assert feed[1]["postponement"]["letter_number"] == "15/STP"
    assert feed[0]["postponement"] is None
    # The counter uploads again without the province's letter: the server keeps it.
    service.put_dossier(any_db, dev, did, new_id(),
                        _body(base_version=state["server_version"], status=4))
    with any_db.transaction() as tx:
        kept = letters.letters(tx, did)
    assert [p["letter_number"] for p in kept] == ["001/2026/PXL-Q1", "15/STP"]

    report = reports.summary(any_db, date(2026, 11, 1), date(2026, 11, 30), UNIT)
    assert report["received"] == {"total": 1, "carried_over": 0, "new": 1, "online": 0,
                                  "direct": 0, "postal": 0, "other": 1, "back_entered": 0}
    # At the end of November the due in force is the counter's letter (Nov 24 10:00), past:
    # overdue. The province's letter was issued after the period.
    assert report["pending"] == {"total": 1, "not_due": 0, "overdue": 1}
    assert report["digitised"] == 0 and report["digitised_share"] == 0.0
    every = reports.summary(any_db, date(2026, 11, 1), date(2026, 11, 30))
    assert [u["unit"] for u in every["units"]] == [UNIT]
