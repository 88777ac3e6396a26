"""The central server's period report counted in SQL over ``report_facts``
(central/report_sql.py) gives exactly the JSON of the definition (kiosk.reports.summary over
one record per stored body, central.reports.summary_from_records), and the province page's
overdue lists the same lists, on SQLite and on PostgreSQL: generated histories with every
kind of status change, province note, supplement pause (open and closed), letter (the
counter's and the province's), back-entry, channel and document, times on period edges,
over many periods and judging moments. The facts the writes keep (PUT, status, letter) and
the one-time fill of an older database are checked against the same definition."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bench import report_data
from central import province_figures, report_facts, report_sql, reports, service
from central.db import Database
from central.models import DossierIn, PostponeIn
from kiosk.clock import TZ
from tests.central.helpers import UNIT, dossier, new_id
from tests.pg_cluster import fresh_pg_db

PERIODS = [(date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 3, 1), date(2026, 3, 31)),
           (date(2026, 5, 11), date(2026, 5, 11)), (date(2026, 7, 1), date(2026, 9, 30)),
           (date(2025, 1, 1), date(2025, 12, 31)), (date(2026, 2, 14), date(2026, 4, 2))]
UNITS = ("000.00.01.H40", "000.00.02.H40", "000.00.03.H40")
SHAPE = report_data.Shape(first=datetime(2026, 1, 5, 7, 0, tzinfo=TZ), days=200, units=UNITS,
                          edges=report_data.period_edges(PERIODS))


def _moments(first: date, last: date) -> list[datetime]:
    """Judging moments: after the period, on an edge, and two inside it."""
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), TZ)
    return [end + timedelta(days=30), end,
            datetime.combine(last, datetime.min.time(), TZ) + timedelta(hours=9),
            datetime.combine(first, datetime.min.time(), TZ) + timedelta(days=2, hours=14)]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def filled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(str(tmp_path_factory.mktemp("report") / "central.sqlite3"))
    else:
        db = Database(fresh_pg_db(request.getfixturevalue("pg_url")))
    rows = list(report_data.generate(1500, 7, SHAPE))
    conn = _raw(db)
    report_data.write(conn, db.postgres, rows)
    if not db.postgres:
        conn.commit()  # type: ignore[attr-defined]
    conn.close()  # type: ignore[attr-defined]
    yield db
    db.close()


def _raw(db: Database) -> object:
    if db.postgres:
        import psycopg

        return psycopg.connect(db.url, autocommit=True)
    import sqlite3

    assert db.path is not None
    return sqlite3.connect(db.path)


@pytest.mark.parametrize(("first", "last"), PERIODS)
def test_sql_summary_is_the_definition(filled: Database, first: date, last: date) -> None:
    for as_of in _moments(first, last):
        for unit in (None, UNITS[1]):
            fast = report_sql.summary(filled, first, last, unit, as_of)
            slow = reports.summary_from_records(filled, first, last, unit, as_of)
            assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True), \
                (first, last, as_of, unit)
            assert list(fast) == list(slow)  # the keys in the same order too
        lists = province_figures.overdue(filled, first, last, None, as_of)
        assert lists == province_figures.overdue_from_records(filled, first, last, None, as_of)
        # The page's lists: each unit's first few, in the same order.
        assert province_figures.overdue(filled, first, last, None, as_of, shown=3) == \
            {u: found[:3] for u, found in lists.items()}


def test_generated_data_has_every_kind(filled: Database) -> None:
    """The equivalence above means something: every figure is non-zero somewhere."""
    report = reports.summary(filled, date(2026, 1, 1), date(2026, 12, 31),
                             as_of=datetime(2026, 5, 1, tzinfo=TZ))
    assert report["received"]["carried_over"] == 0 and report["returned"]
    assert all(report["resolved"][k] for k in ("early", "on_time", "late"))
    assert report["late_with_apology"] and report["closed_without_result"]
    assert report["pending"]["overdue"] and report["supplement"]["awaiting"]
    assert report["supplement"]["requested"] and report["resolved"]["late"]
    assert report["received"]["back_entered"] and report["digitisation"]["reused"]
    assert report["results"]["electronic"] and report["results"]["scanned"]
    assert report["results"]["unscanned"]
    names = {p["code"]: p["name"] for p in report["by_procedure"]}
    assert names[report_data.RENAMED_CODE].endswith("(tên cũ)")
    with filled.transaction(write=False) as tx:
        kinds = tx.one("SELECT sum(complex) AS c, sum(lettered) AS l, count(*) AS n "
                       "FROM report_facts")
        months = tx.one("SELECT count(*) AS n, sum(f_new) AS d FROM report_months")
        named = tx.all("SELECT DISTINCT procedure_name FROM report_facts WHERE "
                       "procedure_code = ?", (report_data.RENAMED_CODE,))
    assert kinds is not None and 0 < kinds["c"] < kinds["n"] and kinds["l"]
    assert len(named) == 2  # both names, so the earliest-name rule is exercised
    # Month totals are used (whole months inside the periods above) and hold most dossiers.
    assert months is not None and months["n"] and 0 < months["d"] < kinds["n"]


def _facts(db: Database) -> dict[str, tuple[object, ...]]:
    with db.transaction(write=False) as tx:
        facts = {r["dossier_id"]: tuple(r[c] for c in report_facts.COLUMNS)
                 for r in tx.all("SELECT * FROM report_facts")}
        pauses = sorted((r["dossier_id"], r["started_at"])
                        for r in tx.all("SELECT * FROM report_pauses"))
    return {"facts": facts, "pauses": pauses}  # type: ignore[dict-item]


def test_backfill_of_an_older_database(any_db: Database) -> None:
    """A database whose dossiers have no facts yet (from before them) gets them, the very
    rows the writes would have left."""
    rows = list(report_data.generate(300, 11, SHAPE))
    conn = _raw(any_db)
    report_data.write(conn, any_db.postgres, rows)
    if not any_db.postgres:
        conn.commit()  # type: ignore[attr-defined]
    conn.close()  # type: ignore[attr-defined]
    expected = _facts(any_db)
    with any_db.transaction() as tx:
        tx.execute("DELETE FROM report_facts")
        tx.execute("DELETE FROM report_pauses")
        tx.execute("DELETE FROM meta WHERE key = 'report_facts'")
    any_db._migrate()  # what a newer server does on start
    assert _facts(any_db) == expected
    with any_db.transaction(write=False) as tx:
        assert tx.one("SELECT value FROM meta WHERE key = 'report_facts'") is not None


def test_writes_keep_the_facts(any_db: Database) -> None:
    """PUT (new and updated), the province's status change and its letter each leave the
    facts the definition gives, and the report equals the definition after each."""
    dev = service.authenticate(any_db, service.add_device(any_db, UNIT)["token"])
    assert dev is not None
    did = new_id()
    body = dossier(legal_due_at="2026-11-22T16:00:00+07:00", due_at="2026-11-22T16:00:00+07:00",
                   reception_channel=2,
                   history=[{"at": "2026-11-20T08:15:00+07:00", "status": 2}])
    service.put_dossier(any_db, dev, did, new_id(), DossierIn.model_validate(body))
    first, last = date(2026, 11, 1), date(2026, 12, 31)
    as_of = datetime(2026, 12, 31, 9, tzinfo=TZ)

    def same() -> dict[str, object]:
        fast = report_sql.summary(any_db, first, last, None, as_of)
        assert fast == reports.summary_from_records(any_db, first, last, None, as_of)
        assert province_figures.overdue(any_db, first, last, None, as_of) == \
            province_figures.overdue_from_records(any_db, first, last, None, as_of)
        return fast

    assert same()["pending"]["overdue"] == 1
    code = body["code"]
    state = service.set_status(any_db, code, 5, note="Thiếu giấy", by="so")
    assert same()["supplement"]["awaiting"] == 1
    body.update(status=5, base_version=state["server_version"],
                pauses=[{"started_at": "2026-11-21T10:00:00+07:00", "ended_at": None}])
    service.put_dossier(any_db, dev, did, new_id(), DossierIn.model_validate(body))
    assert same()["supplement"]["requested"] == 1
    service.set_status(any_db, code, 4, by="so")
    from kiosk import clock
    from kiosk.working_time import WorkingCalendar

    day = WorkingCalendar.from_config().next_working_day(clock.now().date() + timedelta(days=7))
    reports.postpone(any_db, code, PostponeIn(
        new_due_at=datetime.combine(day, datetime.min.time(), TZ) + timedelta(hours=10),
        reason="Chờ ý kiến Sở", letter_number="15/STP", by="so"))
    same()
    state = service.set_status(any_db, code, 9, by="so")
    done = same()
    assert done["resolved"]["total"] == 1 and done["late_with_apology"] == 1
    assert done["pending"]["total"] == 0


def test_helpers_path(tmp_path: Path) -> None:
    """The report of an empty database: zeros, no procedures, no units."""
    db = Database(str(tmp_path / "empty.sqlite3"))
    fast = report_sql.summary(db, date(2026, 1, 1), date(2026, 1, 31), None,
                              datetime(2026, 2, 1, tzinfo=TZ))
    assert fast == reports.summary_from_records(db, date(2026, 1, 1), date(2026, 1, 31), None,
                                                datetime(2026, 2, 1, tzinfo=TZ))
    assert fast["units"] == [] and fast["by_procedure"] == []
    db.close()


def _months_table(db: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    from central import report_months

    with db.transaction(write=False) as tx:
        kept = sorted(tuple(r.values()) for r in tx.all(
            "SELECT grp, month, first_received, " + ", ".join(report_months.COLUMNS) +
            " FROM report_months"))
        facts = tx.all(f"SELECT {', '.join(report_facts.COLUMNS)} FROM report_facts")
    return kept, sorted(report_months.bucket_rows(facts))


def test_month_totals_follow_the_writes(any_db: Database) -> None:
    """A dossier that lives within one month enters its month's totals, and leaves them or
    moves when a later upload renames its procedure, moves its reception time or its
    month; the totals always equal those summed afresh from the facts, and the report the
    definition."""
    dev = service.authenticate(any_db, service.add_device(any_db, UNIT)["token"])
    assert dev is not None
    did = new_id()
    history = [{"at": "2026-11-03T08:00:00+07:00", "status": 2},
               {"at": "2026-11-05T10:00:00+07:00", "status": 4},
               {"at": "2026-11-06T15:00:00+07:00", "status": 9}]
    other = dossier(code_seq=1002, received_at="2026-11-02T09:00:00+07:00", status=9,
                    history=[{"at": "2026-11-02T09:00:00+07:00", "status": 2},
                             {"at": "2026-11-04T09:00:00+07:00", "status": 9}])
    service.put_dossier(any_db, dev, new_id(), new_id(), DossierIn.model_validate(other))
    body = dossier(received_at="2026-11-03T08:00:00+07:00", status=9, history=history,
                   due_at="2026-11-10T16:00:00+07:00")
    version = 0
    as_of = datetime(2026, 12, 20, tzinfo=TZ)
    for change in ({}, {"procedure_name": "Đăng ký khai sinh (mới)"},
                   {"received_at": "2026-11-01T07:30:00+07:00"},
                   {"procedure_name": "Đăng ký khai sinh"},
                   {"received_at": "2026-10-30T07:30:00+07:00"},
                   {"status": 10, "history": [*history,
                                              {"at": "2026-12-01T08:00:00+07:00", "status": 10}]}):
        body.update(change, base_version=version)
        _s, ack, _r = service.put_dossier(any_db, dev, did, new_id(),
                                          DossierIn.model_validate(body))
        version = ack["server_version"]
        kept, fresh = _months_table(any_db)
        assert kept == fresh, change
        for first, last in ((date(2026, 11, 1), date(2026, 11, 30)),
                            (date(2026, 10, 1), date(2026, 12, 15))):
            assert report_sql.summary(any_db, first, last, None, as_of) == \
                reports.summary_from_records(any_db, first, last, None, as_of), change
    # Returned in December: no longer within one month; the other dossier's month stays.
    assert len(kept) == 1 and kept[0][1] == report_months_of(2026, 11)


def report_months_of(year: int, month: int) -> int:
    return year * 12 + month - 1
