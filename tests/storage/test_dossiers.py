"""Saving dossiers: one transaction, codes per counter block, status changes, audit, drafts."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.config import Config
from kiosk.dossier import InvalidTransition
from kiosk.errors import InvalidInput, NotFound, StorageError
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store

from .helpers import MONDAY_9, make_input

TABLES = ("dossiers", "applicants", "components", "pages", "status_events", "audit_log",
          "outbox", "dossier_fts")


def counts(store: Store) -> dict[str, int]:
    db = store.reader()
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_save_writes_the_whole_dossier_in_one_go(store: Store) -> None:
    inp = make_input(store, pages=3)
    inp.proxy = ApplicantInput("Lê Văn Tám", id_number="001090000002", role="proxy")
    saved = store.save_dossier(inp, "canbo.lan")
    assert saved.code == "000.00.04.H40-261123-1001"
    assert saved.status == 2
    # Birth registration is same-day: received at 09:00 on a working day → 17:00 that day.
    assert saved.due_at is not None and saved.due_at.isoformat() == "2026-11-23T17:00:00+07:00"

    d = store.get_dossier(saved.code)
    assert d["id"] == saved.id
    assert d["catalog_version"] == store.catalog.version
    assert d["procedure"]["code"] == "1.001193"
    assert d["procedure"]["processing"]["unit"] == "same_day"
    assert d["applicant"]["name"] == "Đinh Thị Huyền"
    assert d["proxy"]["name"] == "Lê Văn Tám"
    tk, gcs = d["components"]
    assert (tk["code"], tk["checked"], len(tk["pages"])) == ("TK", True, 3)
    assert [p["position"] for p in tk["pages"]] == [1, 2, 3]
    assert all(p["mime"] == "application/pdf" and p["size"] > 0 for p in tk["pages"])
    assert (gcs["copy_kind"], gcs["checked"], gcs["pages"]) == ("copy", False, [])
    assert d["events"] == [{"at": "2026-11-23T09:00:00+07:00", "from_status": None,
                            "to_status": 2, "actor": "canbo.lan", "note": "",
                            "due_at": "2026-11-23T17:00:00+07:00"}]
    audit = store.audit_log(saved.id)
    assert [a["action"] for a in audit] == ["dossier.create"]
    ops = store.pending_outbox()
    assert len(ops) == 1
    assert ops[0]["kind"] == "dossier.upsert" and ops[0]["dossier_id"] == saved.id
    assert ops[0]["payload"]["code"] == saved.code
    assert [b["sha256"] for b in ops[0]["blobs"]] == [p["sha256"] for p in tk["pages"]]


def test_codes_follow_the_counter_block_and_restart_each_day(kiosk_home: Path) -> None:
    config = Config.load()
    config.set("counter.number", 3)
    config.set("unit.code", "000.00.12.H55")
    store = Store(config=config, orphan_grace_seconds=None)
    try:
        codes = [store.save_dossier(make_input(store, pages=0), "a").code for _ in range(3)]
        nxt = make_input(store, pages=0, received_at=MONDAY_9 + timedelta(days=1))
        codes.append(store.save_dossier(nxt, "a").code)
    finally:
        store.close()
    assert codes == ["000.00.12.H55-261123-3001", "000.00.12.H55-261123-3002",
                     "000.00.12.H55-261123-3003", "000.00.12.H55-261124-3001"]


def test_an_exhausted_block_is_a_clear_error_and_saves_nothing(store: Store) -> None:
    store.save_dossier(make_input(store, pages=0), "a")
    store.call(lambda db: db.execute("UPDATE code_counters SET last_seq = 1999"))
    before = counts(store)
    with pytest.raises(StorageError) as err:
        store.save_dossier(make_input(store), "a")
    assert "Quầy 1 đã dùng hết số thứ tự" in err.value.message
    assert "1001–1999" in err.value.message
    assert err.value.hint and "quầy khác" in err.value.hint
    assert counts(store) == before
    last = store.reader().execute("SELECT last_seq FROM code_counters").fetchone()[0]
    assert last == 1999


def test_a_page_missing_from_the_file_store_is_refused(store: Store) -> None:
    inp = make_input(store, pages=0)
    inp.components = [ComponentInput("Tờ khai", pages=[PageInput("c" * 64)])]
    with pytest.raises(StorageError, match="chưa có trong kho"):
        store.save_dossier(inp, "a")
    assert counts(store)["dossiers"] == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda i: setattr(i.applicant, "name", "  "), "họ tên"),
        (lambda i: setattr(i, "channel", 7), "Kênh nộp"),
        (lambda i: setattr(i.components[0], "copy_kind", "scan"), "Loại bản"),
    ],
)
def test_bad_input_is_refused_with_a_vietnamese_message(store: Store, change, message) -> None:
    inp = make_input(store)
    change(inp)
    with pytest.raises(InvalidInput, match=message):
        store.save_dossier(inp, "a")
    assert counts(store)["dossiers"] == 0


def test_unknown_procedure_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match=r"9\.999999"):
        store.save_dossier(make_input(store, procedure="9.999999"), "a")


def test_saves_from_many_threads_get_unique_consecutive_codes(store: Store) -> None:
    codes: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(10):
            code = store.save_dossier(make_input(store, pages=1), "a").code
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(int(c[-4:]) for c in codes) == list(range(1001, 1061))


def test_status_changes_follow_the_state_machine(store: Store) -> None:
    saved = store.save_dossier(make_input(store), "a")
    store.change_status(saved.code, 4, "b")
    with pytest.raises(InvalidTransition, match="Không thể chuyển"):
        store.change_status(saved.code, 10, "b")
    with pytest.raises(InvalidTransition, match="lý do"):
        store.change_status(saved.code, 5, "b")
    store.change_status(saved.code, 5, "b", note="Thiếu giấy chứng sinh")
    with pytest.raises(NotFound, match="Không tìm thấy hồ sơ"):
        store.change_status("000.00.04.H40-261123-1999", 4, "b")
    d = store.get_dossier(saved.code)
    assert d["status"] == 5 and d["version"] == 3
    assert [(e["from_status"], e["to_status"]) for e in d["events"]] == [(None, 2), (2, 4), (4, 5)]
    assert d["events"][-1]["note"] == "Thiếu giấy chứng sinh"
    kinds = [o["kind"] for o in store.pending_outbox()]
    assert kinds == ["dossier.upsert", "dossier.status", "dossier.status"]
    actions = [a["action"] for a in store.audit_log(saved.id)]
    assert actions == ["dossier.create", "dossier.status", "dossier.status"]


def test_the_audit_log_is_append_only(store: Store) -> None:
    store.save_dossier(make_input(store), "a")
    with pytest.raises(StorageError, match="append-only"):
        store.call(lambda db: db.execute("UPDATE audit_log SET actor = 'x'"))
    with pytest.raises(StorageError, match="append-only"):
        store.call(lambda db: db.execute("DELETE FROM audit_log"))
    assert len(store.audit_log()) == 1


def test_drafts_survive_reopening_and_go_away_with_the_save(kiosk_home: Path) -> None:
    store = Store(orphan_grace_seconds=None)
    inp = make_input(store)
    draft_id = store.save_draft(inp.to_json(), "a", label="Khai sinh")
    store.save_draft({**inp.to_json(), "note": "bước 3"}, "a", draft_id=draft_id)
    store.close()

    store = Store(orphan_grace_seconds=0)  # the draft's scans are not orphans... yet
    try:
        [draft] = store.load_drafts("a")
        assert draft["id"] == draft_id and draft["payload"]["note"] == "bước 3"
        restored = DossierInput.from_json(draft["payload"])
        restored.draft_id = draft_id
        restored.note = ""
        store.save_dossier(restored, "a")
        assert store.load_drafts() == []
        assert store.discard_draft(draft_id) is False
    finally:
        store.close()


def test_draft_json_round_trips(store: Store) -> None:
    inp = make_input(store)
    inp.applicant.birth_date = MONDAY_9.date()
    inp.proxy = ApplicantInput("Lê Văn Tám", role="proxy")
    again = DossierInput.from_json(json.loads(json.dumps(inp.to_json())))
    assert again == inp


def test_errors_inside_the_writer_do_not_leave_a_transaction_open(store: Store) -> None:
    def boom(db: object) -> None:
        store_db = store  # keep a reference for the closure
        assert store_db is not None
        raise sqlite3.OperationalError("simulated")

    with pytest.raises(StorageError, match="simulated"):
        store.call(boom)
    assert store.save_dossier(make_input(store), "a").code.endswith("1001")


def test_a_dossier_keeps_the_procedure_as_received_after_the_catalog_changes(
    kiosk_home: Path,
) -> None:
    from dataclasses import replace

    with Store(orphan_grace_seconds=None) as store:
        old = store.save_dossier(make_input(store, pages=0), "a")
        catalog = store.catalog
    renamed = [replace(p, name="Đăng ký khai sinh (mẫu mới)") if p.code == "1.001193" else p
               for p in catalog.procedures]
    newer = replace(catalog, version="2099.1.1", procedures=renamed)
    with Store(orphan_grace_seconds=None, catalog=newer) as store:
        new = store.save_dossier(make_input(store, pages=0), "a")
        before, after = store.get_dossier(old.code), store.get_dossier(new.code)
        payload = store.pending_outbox()[0]["payload"]
    assert (before["catalog_version"], after["catalog_version"]) == (catalog.version, "2099.1.1")
    assert before["procedure"]["name"] == "Đăng ký khai sinh"
    assert after["procedure"]["name"] == "Đăng ký khai sinh (mẫu mới)"
    assert before["procedure"]["components"] == after["procedure"]["components"]
    # The sync payload names the version and code; the snapshot stays on the counter.
    assert "procedure" not in payload and payload["catalog_version"] == catalog.version


def test_writes_can_be_submitted_without_blocking(store: Store) -> None:
    future = store.submit(lambda db: db.execute("SELECT count(*) FROM dossiers").fetchone()[0])
    assert future.result(timeout=10) == 0
    inner = store.submit(lambda db: store._writer.call(lambda d: 1))
    with pytest.raises(RuntimeError, match="deadlock"):
        inner.result(timeout=10)


def test_a_corrupt_database_file_is_a_clear_error(kiosk_home: Path) -> None:
    path = kiosk_home / "data" / "kiosk.sqlite3"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="Lỗi cơ sở dữ liệu") as err:
        Store(orphan_grace_seconds=None)
    assert err.value.hint and "sao lưu" in err.value.hint
