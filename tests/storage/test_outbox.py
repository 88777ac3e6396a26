"""The outbox accessors the sync layer builds on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.clock import now
from kiosk.storage import Store
from kiosk.storage.sqlite import Database

from .helpers import make_input


def test_outbox_life_cycle(store: Store) -> None:
    saved = store.save_dossier(make_input(store, pages=2), "a")
    [op] = store.pending_outbox()
    assert op["state"] == "pending" and op["attempts"] == 0
    assert len(op["id"]) == 36 and op["id"][14] == "7"  # a UUIDv7: the Idempotency-Key
    sha = op["blobs"][0]["sha256"]

    store.mark_outbox_in_flight(op["id"])
    store.set_blob_upload(op["id"], sha, upload_url="https://central/v1/uploads/abc")
    assert store.pending_outbox() == []
    store.mark_outbox_retry(op["id"], now() + timedelta(minutes=5), "timeout")
    assert store.pending_outbox() == []  # not due yet
    [again] = store.pending_outbox(due_before=now() + timedelta(minutes=6))
    assert again["attempts"] == 1 and again["last_error"] == "timeout"
    assert again["blobs"][0]["upload_url"] == "https://central/v1/uploads/abc"

    store.set_blob_upload(op["id"], sha, upload_url=None)  # 404/410: start the upload again
    assert store.get_outbox(op["id"])["blobs"][0]["upload_url"] is None  # type: ignore[index]
    store.set_blob_upload(op["id"], sha, upload_url="https://central/v1/uploads/def")
    store.set_blob_upload(op["id"], sha, uploaded=True)
    store.mark_outbox_done(op["id"], {"server_version": 1, "server_seq": 42})
    done = store.get_outbox(op["id"])
    assert done is not None and done["state"] == "done"
    assert done["response"] == {"server_version": 1, "server_seq": 42}
    assert done["blobs"][0]["state"] == "uploaded"
    assert done["blobs"][0]["upload_url"] == "https://central/v1/uploads/def"
    assert store.outbox_counts() == {"pending": 0, "in_flight": 0, "done": 1,
                                     "needs_attention": 0}

    store.change_status(saved.code, 4, "a")
    [status_op] = store.pending_outbox()
    store.mark_outbox_needs_attention(status_op["id"], "422 invalid")
    assert store.outbox_counts()["needs_attention"] == 1
    assert store.stats_today()["waiting_to_sync"] == 1


def test_unknown_operation_is_an_error(store: Store) -> None:
    with pytest.raises(KeyError):
        store.mark_outbox_done("no-such-op")


def test_in_flight_operations_go_back_to_pending_when_the_drainer_restarts(kiosk_home: Path) -> None:
    store = Store(orphan_grace_seconds=None)
    store.save_dossier(make_input(store), "a")
    [op] = store.pending_outbox()
    store.mark_outbox_in_flight(op["id"])
    store.close()
    store = Store(orphan_grace_seconds=None)
    try:
        # Opening the store (a CLI command, say) leaves the drainer's items alone...
        assert store.pending_outbox() == []
        assert store.outbox_counts()["in_flight"] == 1
        # ...the drainer takes them back when it starts.
        assert store.recover_outbox() == 1
        [op2] = store.pending_outbox()
        assert op2["id"] == op["id"] and op2["attempts"] == 1
    finally:
        store.close()


def test_old_acknowledged_operations_can_be_pruned(store: Store) -> None:
    store.save_dossier(make_input(store), "a")
    store.save_dossier(make_input(store), "a")
    first, second = store.pending_outbox()
    store.mark_outbox_done(first["id"], {"server_seq": 1})
    assert store.prune_outbox(now() - timedelta(days=180)) == 0
    assert store.prune_outbox(now() + timedelta(seconds=1)) == 1
    assert store.get_outbox(first["id"]) is None
    assert [o["id"] for o in store.pending_outbox()] == [second["id"]]
    assert store.check()["ok"]


def test_a_cursor_advances_in_the_same_transaction_as_its_changes(store: Store) -> None:
    from kiosk.storage import settings

    saved = store.save_dossier(make_input(store), "a")
    assert store.get_setting("sync.cursor") is None

    def apply_feed(db):  # what the sync layer does with a page of the change feed
        with db.atomic():
            db.execute("UPDATE dossiers SET status = 4 WHERE id = ?", (saved.id,))
            settings.put(db, "sync.cursor", {"seq": 17})
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        store.call(apply_feed)
    assert store.get_setting("sync.cursor") is None
    assert store.get_dossier(saved.code)["status"] == 2
    store.set_setting("sync.cursor", {"seq": 17})
    assert store.get_setting("sync.cursor") == {"seq": 17}


def test_an_operation_lists_every_file_once_in_order(store: Store) -> None:
    """The files go in by statements of many rows (issue 28 §3): more than one statement's
    worth, repeats dropped, the order kept (the drainer uploads them by rowid)."""
    from kiosk.storage import outbox

    shas = [f"{n:064x}" for n in range(1, 1203)]

    def enqueue(db: Database) -> str:
        db.conn.executemany("INSERT INTO files (sha256, size, mime, created_at) "
                            "VALUES (?, 1, 'application/pdf', '2026-12-08T08:00:00+07:00')",
                            [(sha,) for sha in shas])
        return outbox.enqueue(db, "test.files", None, {}, [*shas, shas[0]])

    op_id = store.call(enqueue)
    op = store.get_outbox(op_id)
    assert op is not None
    assert [b["sha256"] for b in op["blobs"]] == shas
