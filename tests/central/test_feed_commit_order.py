"""The change feed under concurrent writers on PostgreSQL (several workers or servers).

``seq`` comes from a sequence when the event is inserted, but transactions commit in any
order: a reader that saw seq 2 committed before seq 1 moves its cursor past 1 and never sees
it. Readers must therefore not read past an event that is still being committed."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

from central import service
from central.db import Database
from central.models import DossierIn
from tests.central.helpers import UNIT, dossier, new_id
from tests.pg_cluster import fresh_pg_db


def _wait_until(cond: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_reader_never_skips_an_event_committed_late(pg_url: str) -> None:
    url = fresh_pg_db(pg_url)
    db_a, db_b, db_r = Database(url), Database(url), Database(url)
    token = service.add_device(db_b, UNIT, "quầy 1")["token"]
    dev = service.authenticate(db_b, token)
    assert dev is not None
    key_a = "op-a"
    # Another transaction holds the idempotency key A will insert last, so A stops between
    # taking its feed seq and its commit (as a slow commit or a descheduled worker does).
    blocker = psycopg.connect(url)
    blocker.execute("INSERT INTO idempotency VALUES (%s, %s, 'x', 201, '{}', 'now')",
                    (dev.id, key_a))
    done_a: list[Any] = []

    def write_a() -> None:
        done_a.append(service.put_dossier(db_a, dev, new_id(), key_a,
                                          DossierIn(**dossier(1001))))

    writer_a = threading.Thread(target=write_a, daemon=True)
    writer_a.start()
    with psycopg.connect(url, autocommit=True) as watch:
        assert _wait_until(lambda: watch.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE 'INSERT INTO idempotency%%'").fetchone()[0] == 1)
    # B commits while A is still open: B's seq is the higher one.
    status, _reply, _replayed = service.put_dossier(db_b, dev, new_id(), "op-b",
                                                    DossierIn(**dossier(1002)))
    assert status == 201
    first: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: first.append(service.changes(db_r, dev, 0, 100)),
                              daemon=True)
    reader.start()
    reader.join(timeout=1.0)  # a correct reader waits for A here; an incorrect one returns
    blocker.rollback()
    blocker.close()
    writer_a.join(timeout=30)
    reader.join(timeout=30)
    assert done_a and done_a[0][0] == 201
    cursor = first[0]["next"]
    later = service.changes(db_r, dev, cursor, 100)
    seen = [c["seq"] for c in first[0]["changes"] + later["changes"]]
    with db_r.transaction(write=False) as tx:
        every = [r["seq"] for r in tx.all("SELECT seq FROM changes ORDER BY seq")]
    assert sorted(seen) == every and len(set(seen)) == len(seen) == 2
    for d in (db_a, db_b, db_r):
        d.close()


def test_readers_share_one_turn_of_the_feed_lock(pg_url: str) -> None:
    """Readers arriving while a horizon is being taken wait for the next turn together:
    one lock turn for all of them (every turn stalls the writers queued behind it), and
    none reads past the event still being committed."""
    url = fresh_pg_db(pg_url)
    db_a, db_b, db_r = Database(url), Database(url), Database(url)
    token = service.add_device(db_b, UNIT, "quầy 1")["token"]
    dev = service.authenticate(db_b, token)
    assert dev is not None
    status, _reply, _replayed = service.put_dossier(db_b, dev, new_id(), "op-0",
                                                    DossierIn(**dossier(1003)))
    assert status == 201
    blocker = psycopg.connect(url)
    blocker.execute("INSERT INTO idempotency VALUES (%s, 'op-a', 'x', 201, '{}', 'now')",
                    (dev.id,))
    writer_a = threading.Thread(target=lambda: service.put_dossier(
        db_a, dev, new_id(), "op-a", DossierIn(**dossier(1001))), daemon=True)
    writer_a.start()
    with psycopg.connect(url, autocommit=True) as watch:
        assert _wait_until(lambda: watch.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE 'INSERT INTO idempotency%%'").fetchone()[0] == 1)
        service.put_dossier(db_b, dev, new_id(), "op-b", DossierIn(**dossier(1002)))
        results: list[dict[str, Any]] = []
        readers = [threading.Thread(target=lambda: results.append(
            service.changes(db_r, dev, 0, 100)), daemon=True) for _ in range(6)]
        readers[0].start()
        assert _wait_until(lambda: watch.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE 'SELECT pg_advisory_xact_lock(%%'").fetchone()[0] == 1)
        for r in readers[1:]:
            r.start()
        time.sleep(1.0)
        assert results == []  # all wait for A's commit
    blocker.rollback()
    blocker.close()
    writer_a.join(timeout=30)
    for r in readers:
        r.join(timeout=30)
    with db_r.transaction(write=False) as tx:
        every = [row["seq"] for row in tx.all("SELECT seq FROM changes ORDER BY seq")]
    assert len(every) == 3 and len(results) == 6
    for res in results:
        seen = [c["seq"] for c in res["changes"]]
        assert seen == every  # the first turn returned after A's commit: nothing skipped
    assert db_r.feed_rounds == 2  # the first reader's turn, then one for the other five
    for d in (db_a, db_b, db_r):
        d.close()
