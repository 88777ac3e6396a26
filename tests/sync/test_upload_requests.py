"""How many requests a scan costs (issue 28 §4): a new dossier's scan that fits one chunk is
one creation-with-upload POST, without asking ``HEAD /v1/blobs`` first; anything that may
already be on the server (a retry, a later upsert of the same dossier) still asks first,
so no file whose upload may have arrived is sent twice."""

from __future__ import annotations

import os

from central.faults import FaultRule
from kiosk.storage import Store, outbox
from kiosk.storage.records import dossier_record, page_hashes
from tests.sync.conftest import Central, assert_sync_properties, engine_for, save_dossier

ANY_HEAD = dict(method="HEAD", path="/v1/blobs/.*", count=1000)
ANY_POST = dict(method="POST", path="/v1/uploads", count=1000)


def _count(central: Central) -> None:
    # "slow" with no delay lets every request through and counts it in plan.fired.
    central.plan.add(FaultRule("slow", **ANY_HEAD))  # type: ignore[arg-type]


def test_a_new_dossiers_scans_go_without_head(store, central: Central) -> None:
    d = save_dossier(store, pages=2, size=40_000)
    _count(central)
    engine = engine_for(store, central.url, central.token)
    assert engine.run_once()["sent"] == 1
    assert central.plan.fired == {}  # no HEAD at all
    assert engine.bytes_sent == sum(os.path.getsize(store.files.path_for(s))
                                    for s in page_hashes(store.get_dossier(d.code)))
    assert_sync_properties(store, central)

    # The same dossier queued again (a supplement, a signature): its pages are on the
    # server, so the client asks first and sends no byte of them.
    def again(db):  # type: ignore[no-untyped-def]
        with db.atomic():
            record = dossier_record(db, d.id, with_procedure=False)
            outbox.enqueue(db, "dossier.upsert", d.id, record, page_hashes(record))

    store.call(again)
    sent_before = engine.bytes_sent
    assert engine.run_once()["sent"] == 1
    assert central.plan.fired == {"slow": 2}
    assert engine.bytes_sent == sent_before
    assert_sync_properties(store, central)


def test_a_retry_asks_head_before_sending_again(store, central: Central) -> None:
    save_dossier(store, pages=1, size=40_000)
    # The POST's answer is lost after the server stored the file.
    central.plan.add(FaultRule("slow", delay=3.0, **{**ANY_POST, "count": 1}))  # type: ignore[arg-type]
    engine = engine_for(store, central.url, central.token, timeout=1.0)
    first = engine.run_once()
    assert first["sent"] == 0 and first["retrying"] == 1
    sent_first = engine.bytes_sent
    _count(central)
    for _ in range(4):
        if engine.run_once(ignore_backoff=True)["waiting"] == 0:
            break
    # The retry asked HEAD, the server had the file: not one more byte went up.
    assert central.plan.fired.get("slow", 0) >= 2  # the lost POST, then the HEAD
    assert engine.bytes_sent == sent_first
    assert_sync_properties(store, central)


def test_the_app_engine_sends_as_many_scans_at_once_as_configured(store: Store) -> None:
    """``sync.parallel_uploads`` reaches the engine the app and ``kiosk sync run`` use."""
    from kiosk.sync import credentials
    from kiosk.sync.background import build_engine

    url = "https://mot-cua.example.vn"
    store.config.set("sync.server_url", url)
    credentials.save_token(url, "t" * 40)
    engine = build_engine(store)
    assert engine.parallel is None and engine.in_flight is not None  # "auto", the default
    assert engine.in_flight.limit == 2
    store.config.set("sync.parallel_uploads", 2)
    assert build_engine(store).parallel == 2
    assert build_engine(store).in_flight is None
