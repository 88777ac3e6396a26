"""A change the counter made never comes back as a new event, and no event breaks the status
machine (issue 21 §2): the real central server on loopback, a real Store, the engine."""

from __future__ import annotations

import httpx

from central import service
from central.faults import FaultRule
from kiosk.dossier import Status, check_transition
from kiosk.storage import Store
from kiosk.sync.status import sync_status
from tests.sync.conftest import Central, assert_sync_properties, engine_for, save_dossier


def timeline(store: Store, code: str) -> list[tuple[int | None, int, str]]:
    return [(e["from_status"], e["to_status"], e["actor"])
            for e in store.get_dossier(code)["events"]]


def assert_machine_kept(store: Store, code: str) -> None:
    """Every status step of the timeline is one the status machine allows."""
    for e in store.get_dossier(code)["events"]:
        if e["from_status"] is None or e["from_status"] == e["to_status"]:
            continue  # the first status; a letter or a notice that keeps the status
        check_transition(Status(e["from_status"]), Status(e["to_status"]), e["note"] or "x")


def server_statuses(central: Central, dossier_id: str) -> list[int]:
    with central.db.transaction(write=False) as tx:
        return [r["status"] for r in tx.all(
            "SELECT status FROM changes WHERE dossier_id = ? ORDER BY seq", (dossier_id,))]


def test_done_then_returned_before_the_first_sync_is_not_echoed(store, central: Central) -> None:
    d = save_dossier(store, pages=1)
    store.change_status(d.code, 9, actor="clerk1")
    store.change_status(d.code, 10, actor="clerk1")
    before = timeline(store, d.code)
    engine = engine_for(store, central.url, central.token)
    result = engine.run_once()
    assert result["ok"] and result["waiting"] == 0, result
    # The counter's own history, exactly as the clerk made it: nothing by `sync`.
    assert timeline(store, d.code) == before == [(None, 2, "clerk1"), (2, 9, "clerk1"),
                                                  (9, 10, "clerk1")]
    assert_machine_kept(store, d.code)
    # The server got each step in order.
    assert server_statuses(central, d.id) == [2, 9, 10]
    # Later passes (the feed read again from 0 as well) change nothing.
    store.call(lambda db: db.conn.execute("UPDATE sync_meta SET value = '0' "
                                          "WHERE key = 'cursor'"))
    assert engine.run_once()["pulled"] == 0
    assert timeline(store, d.code) == before
    assert_sync_properties(store, central)


def test_a_supplement_pause_is_not_closed_and_reopened(store, central: Central) -> None:
    d = save_dossier(store, pages=1)
    store.change_status(d.code, 5, actor="clerk1", note="thiếu giấy chứng sinh")
    pauses = store.get_dossier(d.code)["pauses"]
    assert len(pauses) == 1 and pauses[0]["ended_at"] is None
    engine_for(store, central.url, central.token).run_once()
    record = store.get_dossier(d.code)
    assert record["pauses"] == pauses  # the same open pause, never closed and reopened
    assert timeline(store, d.code) == [(None, 2, "clerk1"), (2, 5, "clerk1")]
    assert record["status"] == 5
    assert_sync_properties(store, central)


def test_own_change_in_the_feed_before_its_ack_is_not_applied(store, central: Central) -> None:
    """The answer to the 9 step is lost after the server committed; the pull of the same
    pass sees that change before the counter has its ack: it is the counter's own."""
    d = save_dossier(store, pages=1)
    engine = engine_for(store, central.url, central.token, timeout=httpx.Timeout(1.0))
    engine.run_once()
    store.change_status(d.code, 9, actor="clerk1")
    store.change_status(d.code, 10, actor="clerk1")
    central.plan.add(FaultRule("slow", method="PUT", count=1, delay=2.0))
    first = engine.run_once()
    assert first["retrying"] == 1 and server_statuses(central, d.id) == [2, 9]
    assert store.get_dossier(d.code)["status"] == 10  # the echo of 9 was not taken
    engine.run_once(ignore_backoff=True)
    assert timeline(store, d.code) == [(None, 2, "clerk1"), (2, 9, "clerk1"),
                                       (9, 10, "clerk1")]
    assert server_statuses(central, d.id) == [2, 9, 10]
    assert_sync_properties(store, central)


def test_a_server_status_the_machine_forbids_is_a_conflict(store, central: Central) -> None:
    """The province moved 2 → 4 → 9 → 10 while the feed lost them (410 resync): the counter
    at 2 cannot step to 10 in one move; it records a conflict for an admin and keeps 2."""
    d = save_dossier(store, pages=1)
    engine = engine_for(store, central.url, central.token)
    engine.run_once()
    service.set_status(central.db, d.code, 4, "xử lý", "tỉnh")
    service.set_status(central.db, d.code, 9, "xong", "tỉnh")
    service.set_status(central.db, d.code, 10, "đã trả qua bưu chính", "tỉnh")
    with central.db.transaction() as tx:
        top = tx.one("SELECT max(seq) AS s FROM changes")["s"]  # type: ignore[index]
    service.prune_changes(central.db, below_seq=top + 1)
    result = engine.run_once()
    assert result["ok"], result
    assert store.get_dossier(d.code)["status"] == 2
    assert_machine_kept(store, d.code)
    conflicts = sync_status(store)["conflicts"]
    assert [(c["code"], c["local_status"], c["server_status"]) for c in conflicts] == [
        (d.code, 2, 10)]


def test_a_rebased_status_step_keeps_the_timeline_clean(store, central: Central) -> None:
    """Both sides move before hearing from each other (server 2 → 4, counter 2 → 5): the
    counter's step is sent on top of the server's; no 5 → 4 → 5 appears locally."""
    d = save_dossier(store, pages=1)
    engine = engine_for(store, central.url, central.token)
    engine.run_once()
    service.set_status(central.db, d.code, 4, "đang xử lý", "tỉnh")
    store.change_status(d.code, 5, actor="clerk1", note="thiếu giấy chứng sinh")
    engine.run_once(ignore_backoff=True)
    assert timeline(store, d.code) == [(None, 2, "clerk1"), (2, 5, "clerk1")]
    assert server_statuses(central, d.id) == [2, 4, 5]
    assert_sync_properties(store, central)




def test_a_refused_step_is_retired_once_a_later_step_is_accepted(store, central: Central
                                                                 ) -> None:
    """Both sides moved apart (province 2 → 4 → 5, counter 2 → 6 → 4): the counter's 6 is
    refused from 5 (a conflict an admin sees), its 4 is accepted; then the refused 6 is
    retired, never replayed after the 4 (which would move the server to 6)."""
    d = save_dossier(store, pages=1)
    engine = engine_for(store, central.url, central.token)
    engine.run_once()
    service.set_status(central.db, d.code, 4, "xử lý", "tỉnh")
    service.set_status(central.db, d.code, 5, "bổ sung", "tỉnh")
    store.change_status(d.code, 6, actor="clerk1")
    first = engine.run_once(ignore_backoff=True)
    assert first["needs_attention"] == 1, first
    assert [(c["local_status"], c["server_status"]) for c in sync_status(store)["conflicts"]
            ] == [(6, 5)]
    store.change_status(d.code, 4, actor="clerk1")
    for _pass in range(3):
        engine.run_once(ignore_backoff=True)
    assert server_statuses(central, d.id) == [2, 4, 5, 4]
    assert store.get_dossier(d.code)["status"] == 4
    status = sync_status(store)
    assert status["needs_attention"] == 0 and status["conflicts"] == [], status
    retired = store.read(lambda db: db.execute(
        "SELECT state, response, last_error FROM outbox WHERE kind = 'dossier.status' "
        "ORDER BY id").fetchall())
    assert retired[0][0] == "done" and "superseded_by" in retired[0][1]
    assert "422" in retired[0][2]  # the server's refusal is kept with it
    assert_machine_kept(store, d.code)
    assert_sync_properties(store, central)
