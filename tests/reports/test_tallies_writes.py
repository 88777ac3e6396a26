"""The facts the fast summary reads off the dossier row (kiosk.storage.dossier_facts) kept
by the app's real write paths: saves with every kind of document, status changes (the
counter's and one pulled from the server), supplements asked and answered with papers
scanned later, apology letters, a fee's timeline note, results of both kinds. After each
stage the fast summary equals the definition over several periods and judging moments,
and the columns equal what the migration's back-fill computes from the history."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.reports.records import local_records
from kiosk.reports.summary import Period, summary
from kiosk.reports.tallies import local_summary
from kiosk.storage import ApplicantInput, ComponentInput, PageInput, Store, dossier_facts
from kiosk.storage import results as stored_results
from kiosk.storage.model import DossierInput
from kiosk.sync.server_state import apply_server_state
from kiosk.sync.state import ensure_tables
from tests.reports.history import TTHN, build, controlled_clock, t

PERIODS = [(date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 10, 1), date(2026, 12, 31)),
           (date(2026, 11, 26), date(2026, 11, 26)), (date(2026, 12, 1), date(2026, 12, 31))]
MOMENTS = [None, t("2026-11-26T12:00"), t("2026-12-01T09:30")]


def _facts(store: Store) -> list[tuple[Any, ...]]:
    cols = ", ".join(dossier_facts.COLUMNS)
    return store.read(lambda db: db.execute(
        f"SELECT code, {cols} FROM dossiers ORDER BY code").fetchall())


def _same(store: Store) -> int:
    """The fast summary equals the definition everywhere; the kept facts equal the
    back-fill's. Returns how many dossiers the reports counted."""
    counted = 0
    for first, last in PERIODS:
        end = Period(first, last).end
        records = store.read(lambda db, e=end: local_records(db, e))
        for as_of in MOMENTS:
            for procedure in (None, TTHN):
                old = summary(records, first, last, procedure=procedure, as_of=as_of)
                new = store.read(lambda db, p=procedure, a=as_of, f=first, la=last:
                                 local_summary(db, f, la, procedure=p, as_of=a))
                assert json.dumps(new, ensure_ascii=False) == json.dumps(old,
                                                                        ensure_ascii=False)
                counted += old["received"]["total"]
    kept = _facts(store)
    store.call(dossier_facts.backfill)
    assert _facts(store) == kept
    return counted


def _pulled(db: Any, dossier_id: str, status: int, version: int) -> bool:
    with db.atomic():
        return apply_server_state(db, dossier_id, status, version, "tỉnh")


def _page(store: Store) -> PageInput:
    return PageInput(store.put_file(b"%PDF-1.4\n" + os.urandom(64)))


def test_write_paths_keep_the_facts(kiosk_home: Path) -> None:
    with controlled_clock() as c, Store(orphan_grace_seconds=None) as store:
        codes = build(store, c)
        assert _same(store) > 0
        ids = {k: store.get_dossier(v)["id"] for k, v in codes.items()}

        # Documents of every kind in one save: scanned, reused, shown only, not handed
        # in, none of it, and one handed in on paper.
        c.at = t("2026-11-26T08:00")
        inp = DossierInput(TTHN, ApplicantInput("Nguyễn Văn Hai", id_number="001158024486"),
                           components=[
                               ComponentInput("Tờ khai", code="TK", pages=[_page(store)]),
                               ComponentInput("Giấy", code="GCS", from_national_db=True),
                               ComponentInput("CCCD", code="GTTT", presented=True),
                               ComponentInput("Ủy quyền", code="UQ", checked=False),
                               ComponentInput("Bản sao", code="BS", count=0),
                               ComponentInput("Xác nhận", code="XN")])
        inp.received_at = c.at
        mixed = store.save_dossier(inp, actor="canbo1").code
        row = store.read(lambda db: db.execute(
            "SELECT docs_counted, docs_reused, docs_scanned FROM dossiers WHERE code = ?",
            (mixed,)).fetchone())
        assert tuple(row) == (3, 1, 1)
        assert "docs_counted" not in store.get_dossier(mixed)  # not part of the record
        _same(store)

        # A supplement asked for, answered with scanned papers (a scan added later).
        from kiosk import supplement

        c.at = t("2026-11-26T09:00")
        store.change_status(mixed, 4, "canbo2")
        c.at = t("2026-11-26T10:00")
        supplement.ask(store, mixed, ["Bản chính giấy xác nhận"], "canbo2")
        _same(store)
        c.at = t("2026-11-27T09:00")
        sha = store.put_file(b"%PDF-1.4\n" + os.urandom(80))
        supplement.receive(store, mixed, [("XN", "Xác nhận", [(sha, 89, "application/pdf")])],
                           "canbo2")
        row = store.read(lambda db: db.execute(
            "SELECT docs_counted, docs_scanned, first_supplement_at FROM dossiers "
            "WHERE code = ?", (mixed,)).fetchone())
        assert tuple(row) == (4, 2, "2026-11-26T10:00:00+07:00")
        _same(store)

        # An apology letter (a timeline note that keeps the status), then resolved late
        # and returned.
        c.at = t("2026-11-27T10:00")
        store.postpone(mixed, t("2026-12-03T10:00"), "Chờ xác minh", "canbo1")
        for at, to in (("2026-12-04T09:00", 9), ("2026-12-04T10:00", 10)):
            c.at = t(at)
            store.change_status(mixed, to, "canbo2")
        _same(store)

        # A status pulled from the server, with a note that keeps the status.
        c.at = t("2026-11-30T15:00")
        store.call(lambda db: ensure_tables(db))
        assert store.call(lambda db: _pulled(db, ids["D9"], 4, 7))
        c.at = t("2026-11-30T16:00")
        assert store.call(lambda db: _pulled(db, ids["D9"], 9, 8))
        _same(store)

        # Results: one issued electronically, one scanned here, both on one dossier.
        c.at = t("2026-12-01T09:00")
        for origin, key in (("province", "B"), ("counter", "D1"), ("province", "D1")):
            result_sha = store.put_file(b"%PDF-1.4\n" + os.urandom(70))
            store.call(lambda db, o=origin, k=key, s=result_sha: stored_results.add(
                db, dossier_id=ids[k], facts={"kind": "KQ", "code": f"{k}.{o}",
                                               "sha256": s}, size=79,
                mime="application/pdf", origin=o, actor="canbo1", dossier_code=codes[k]))
        kinds = dict(store.read(lambda db: db.execute(
            "SELECT code, result_electronic FROM dossiers WHERE result_electronic IS NOT NULL"
        ).fetchall()))
        assert kinds == {codes["B"]: 1, codes["D1"]: 1}
        whole = (date(2026, 10, 1), date(2026, 12, 31))
        report = store.read(lambda db: local_summary(db, *whole))
        assert report["results"]["electronic"] == 2
        _same(store)

        # A dossier whose history the clock put out of order (a pulled status stamped
        # earlier than the counter's own end): the first end is the earliest, as the
        # history says.
        c.at = t("2026-11-30T17:00")
        store.change_status(codes["C"], 9, "canbo2")
        c.at = t("2026-11-30T16:30")
        store.change_status(codes["C"], 10, "canbo2")
        ended = store.read(lambda db: db.execute(
            "SELECT first_resolved_at, first_returned_at FROM dossiers WHERE code = ?",
            (codes["C"],)).fetchone())
        assert tuple(ended) == ("2026-11-30T16:30:00+07:00", "2026-11-30T16:30:00+07:00")
        _same(store)


def test_the_fast_summary_reads_no_new_index(kiosk_home: Path) -> None:
    """The facts cost the save no index: none of the dossiers' indexes names them."""
    with Store(orphan_grace_seconds=None) as store:
        indexed = store.read(lambda db: [r[0] for r in db.execute(
            "SELECT il.name FROM pragma_index_list('dossiers') AS l, "
            "pragma_index_info(l.name) AS il").fetchall()])
    assert indexed and not set(indexed) & set(dossier_facts.COLUMNS)


def test_bench_loader_fills_the_facts_as_the_app_does(tmp_path: Path) -> None:
    """bench/storage_data.py writes rows in bulk, not through the app: the facts it puts
    on each dossier are those the back-fill derives from its history and components."""
    from bench.storage_data import bulk_load

    bulk_load(tmp_path / "k.sqlite3", tmp_path / "files", 1200, progress=False)
    with Store(tmp_path / "k.sqlite3", tmp_path / "files", orphan_grace_seconds=None) as store:
        loaded = _facts(store)
        store.call(dossier_facts.backfill)
        assert _facts(store) == loaded
        ended, scanned = store.read(lambda db: db.execute(
            "SELECT count(first_ended_at), sum(docs_scanned) FROM dossiers").fetchone())
    assert ended > 0 and scanned > 0
