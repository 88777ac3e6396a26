"""The fast summary (kiosk.reports.tallies, a few SQL reads) gives exactly the JSON of the
definition (kiosk.reports.summary over one record per dossier) on generated histories with
every kind of status change, repeated status, supplement pause (open and closed), apology
letter, back-entry, channel and document, over many periods and judging moments. The
history is written as an app from before migration 0070 would have written it, so the
facts the fast summary reads off the dossier rows are the migration's back-fill
(tests/reports/test_tallies_writes.py has them kept by the app's own writes)."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.clock import TZ, iso
from kiosk.reports.records import local_records
from kiosk.reports.summary import Period, summary
from kiosk.reports.tallies import local_summary, received_any
from kiosk.storage import Store
from kiosk.storage.connection import connect, enable_wal
from kiosk.storage.schema import migrations

PROCEDURES = [("1.004873", "Đăng ký kết hôn"), ("2.000815", "Chứng thực bản sao"),
              ("1.001193", "Đăng ký khai sinh")]
FIRST = datetime(2026, 1, 5, 7, 0, tzinfo=TZ)
#: A catalog version renamed a procedure: the report names it as its earliest dossier does.
RENAMED = datetime(2026, 4, 15, 12, 0, tzinfo=TZ)
#: Status walks, each step (status, hours after the previous): repeated statuses (a note,
#: not a change), supplements asked and answered, refusals, withdrawals, stops, returns.
WALKS = [
    [], [(2, 1)], [(2, 1), (4, 20)], [(2, 1), (4, 30), (9, 5)],
    [(2, 1), (4, 30), (9, 5), (10, 24)], [(2, 0), (9, 0), (10, 0)],
    [(2, 2), (5, 3)], [(2, 2), (5, 3), (2, 40), (4, 8), (9, 100), (10, 2)],
    [(3, 1)], [(2, 1), (7, 50)], [(2, 1), (4, 10), (8, 300)], [(2, 1), (2, 3), (4, 2)],
    [(2, 1), (5, 2), (5, 1), (2, 30)], [(2, 1), (9, 2000)], [(2, 1), (4, 2), (10, 1)],
    [(2, 1), (3, 0), (9, 5)], [(5, 0), (5, 0), (2, 0)],
]


PERIODS = [(date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 3, 1), date(2026, 3, 31)),
           (date(2026, 5, 11), date(2026, 5, 11)), (date(2026, 7, 1), date(2026, 9, 30)),
           (date(2025, 1, 1), date(2025, 12, 31)), (date(2027, 1, 1), date(2027, 1, 31))]


def _moments(first: date, last: date) -> list[datetime | None]:
    """Judging moments: the period's end, and two inside it."""
    return [None, datetime.combine(last, datetime.min.time(), TZ) + timedelta(hours=9),
            datetime.combine(first, datetime.min.time(), TZ) + timedelta(days=2, hours=14)]


#: Period edges and judging moments: generated times often fall exactly on one, where a
#: < against a <= would differ.
EDGES = sorted({t for a, b in PERIODS for t in (
    Period(a, b).start, Period(a, b).end, *(m for m in _moments(a, b) if m is not None))})


def _snap(rnd: random.Random, at: datetime) -> datetime:
    if rnd.random() < 0.2:
        return min(EDGES, key=lambda e: abs(e - at))
    return at


def _generate(path: Path, count: int, seed: int) -> None:
    rnd = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("INSERT OR IGNORE INTO files (sha256, size, mime) VALUES ('ab', 1, "
                "'application/pdf')")
    for i in range(count):
        did = f"d{i}"
        pcode, pname = rnd.choice(PROCEDURES)
        # Whole seconds, some on the same second as another dossier or event.
        received = _snap(rnd, FIRST + timedelta(minutes=rnd.randrange(0, 60 * 24 * 200)))
        if pcode == "1.001193" and received < RENAMED:
            pname = "Đăng ký khai sinh (tên cũ)"
        legal = (None if rnd.random() < 0.05 else _snap(
            rnd, received + timedelta(hours=rnd.choice([2, 8, 30, 36, 72, 200, 600]))))
        entered = iso(received + timedelta(days=3)) if rnd.random() < 0.1 else None
        history = [(received, None, 1)]
        status, at = 1, received
        for to, hours in rnd.choice(WALKS):
            at = at + timedelta(hours=hours, minutes=rnd.choice([0, 0, 7]))
            if legal is not None and rnd.random() < 0.1:  # done exactly at the due
                at = max(at, legal)
            at = _snap(rnd, at)
            history.append((at, status, to))
            status = to
        con.execute(
            "INSERT INTO dossiers (id, code, unit_code, day, seq, counter, procedure_code, "
            "procedure_name, catalog_version, channel, status, received_at, due_at, "
            "legal_due_at, received_by, updated_at, entered_at) VALUES "
            "(?, ?, 'U', ?, ?, 1, ?, ?, 'v1', ?, ?, ?, ?, ?, 'clerk', ?, ?)",
            (did, f"C{i}", received.date().isoformat(), i, pcode, pname,
             rnd.choice([1, 1, 2, 3, 4]), status, iso(received),
             iso(legal) if legal and rnd.random() < 0.5 else None,
             iso(legal) if legal else None, iso(at), entered))
        order = list(range(len(history)))
        if rnd.random() < 0.2:  # events stored out of time order (synced later)
            rnd.shuffle(order)
        for k in order:
            when, frm, to = history[k]
            con.execute("INSERT INTO status_events (dossier_id, at, from_status, to_status, "
                        "actor) VALUES (?, ?, ?, ?, 'x')", (did, iso(when), frm, to))
        for (when, _frm, to), nxt in zip(history, [*history[1:], None], strict=True):
            if to == 5:  # a supplement pause, closed when the next status came, or open
                end = (iso(_snap(rnd, nxt[0])) if nxt is not None and rnd.random() < 0.8
                       else None)
                con.execute("INSERT INTO clock_pauses (dossier_id, started_at, ended_at) "
                            "VALUES (?, ?, ?)", (did, iso(when), end))
        for n in range(rnd.choice([0, 0, 0, 1, 2])):
            issued = _snap(rnd, received + timedelta(hours=rnd.randrange(1, 400)))
            con.execute(
                "INSERT INTO postponements (dossier_id, letter_number, issued_at, "
                "new_due_at, reason, clerk) VALUES (?, ?, ?, ?, 'r', 'c')",
                (did, f"L{n}", iso(issued),
                 iso(issued + timedelta(hours=rnd.choice([-50, 10, 100, 500])))))
        for pos in range(rnd.choice([0, 1, 2, 3, 4])):
            cur = con.execute(
                "INSERT INTO components (dossier_id, position, name, count, checked, "
                "from_national_db, presented) VALUES (?, ?, 'g', ?, ?, ?, ?)",
                (did, pos, rnd.choice([0, 1, 1, 2]), rnd.random() < 0.9, rnd.random() < 0.2,
                 rnd.random() < 0.15))
            if rnd.random() < 0.6:
                con.execute("INSERT INTO pages (component_id, position, sha256) VALUES "
                            "(?, 0, 'ab')", (cur.lastrowid,))
        # Results (issue 24): none, issued electronically, scanned here, or both kinds;
        # on any dossier, returned or not, so the report must pick the returned ones.
        for n, origin in enumerate(rnd.choice([(), (), ("province",), ("counter",),
                                               ("counter", "province")])):
            con.execute("INSERT INTO results (id, dossier_id, kind, code, sha256, size, origin,"
                        " actor, received_at) VALUES (?, ?, 'KQ', ?, 'ab', 1, ?, 'x', ?)",
                        (f"{did}-r{n}", did, f"{did}.KQ.{n}", origin, iso(at)))
    con.commit()
    con.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The generated history written as an app from before migration 0070 would have:
    opening it migrates, and the migration's back-fill fills the dossiers' facts."""
    root = tmp_path_factory.mktemp("tallies")
    db = connect(root / "kiosk.sqlite3")
    enable_wal(db)
    migrations.apply(db, stop_before="0070_dossier_facts")
    db.conn.close()
    _generate(root / "kiosk.sqlite3", 1500, seed=28)
    return Store(root / "kiosk.sqlite3", root / "files", orphan_grace_seconds=None)


@pytest.mark.parametrize(("first", "last"), PERIODS)
def test_fast_summary_is_the_definition(store: Store, first: date, last: date) -> None:
    moments = _moments(first, last)
    records = store.read(lambda db: local_records(db, Period(first, last).end))
    checked = 0
    for as_of in moments:
        for procedure in (None, "1.004873", "2.000815"):
            old = summary(records, first, last, unit="U", procedure=procedure, as_of=as_of)
            new = store.read(lambda db, p=procedure, a=as_of: local_summary(
                db, first, last, unit="U", procedure=p, as_of=a))
            assert json.dumps(new, ensure_ascii=False) == json.dumps(old, ensure_ascii=False)
            checked += old["received"]["total"]
    if first.year == 2026:  # the generated history is in 2026: the numbers are not all 0
        assert checked > 0


def test_generated_history_has_every_kind(store: Store) -> None:
    """The comparison above is only as good as the variety it runs on."""
    first, last = PERIODS[0]
    report = store.read(lambda db: local_summary(db, first, last, as_of=datetime(
        2026, 6, 1, 9, tzinfo=TZ)))
    assert report["received"]["carried_over"] == 0
    for key in ("early", "on_time", "late"):
        assert report["resolved"][key] > 0
    assert report["late_with_apology"] > 0 and report["closed_without_result"] > 0
    assert report["pending"]["not_due"] > 0 and report["pending"]["overdue"] > 0
    assert report["supplement"]["requested"] > 0 and report["supplement"]["awaiting"] > 0
    assert report["received"]["back_entered"] > 0
    d = report["digitisation"]
    assert d["scanned"] > 0 and d["reused"] > 0 and 0 < report["digitised"] < d["dossiers"]
    r = report["results"]
    assert r["electronic"] > 0 and r["scanned"] > 0 and r["unscanned"] > 0
    assert 0 < report["results_digitised_share"] < 1 and 0 < report["reused_share"] < 1
    march = store.read(lambda db: local_summary(db, date(2026, 3, 1), date(2026, 3, 31)))
    assert march["received"]["carried_over"] > 0


def test_known_procedure_check(store: Store) -> None:
    end = Period(date(2026, 12, 1), date(2026, 12, 31)).end
    assert store.read(lambda db: received_any(db, "1.004873", end))
    assert not store.read(lambda db: received_any(db, "9.999999", end))
