"""The outbox payload a save writes is the record read back from the database.

The save builds the payload from the rows it inserted (kiosk.storage.stored_rows) rather
than reading the dossier again; the server must not be able to tell. Each case saves a dossier through
the real Store on a real SQLite file and compares the queued payload with
``records.dossier_record`` of the committed dossier, key for key and in JSON.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from kiosk.clock import now
from kiosk.storage import (
    ApplicantInput,
    ComponentInput,
    DossierInput,
    PageInput,
    Store,
    dossier_facts,
    dossiers,
    records,
)
from tests.storage.helpers import MONDAY_9, make_input


def _payload_and_record(store: Store, inp: DossierInput) -> tuple[dict[str, Any], dict[str, Any]]:
    saved = store.save_dossier(inp, actor="clerk1")

    def read(db: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        row = db.execute("SELECT payload FROM outbox WHERE dossier_id = ? AND kind = ?",
                         (saved.id, "dossier.upsert")).fetchone()
        return json.loads(row[0]), records.dossier_record(db, saved.id, with_procedure=False)

    return store.read(read)


def _assert_same(payload: dict[str, Any], record: dict[str, Any]) -> None:
    # Through JSON on both sides: what the server receives, types included.
    assert payload == json.loads(json.dumps(record, ensure_ascii=False))
    assert list(payload) == list(record)


def test_plain_dossier(store: Store) -> None:
    payload, record = _payload_and_record(store, make_input(store, pages=3))
    _assert_same(payload, record)
    assert [p["position"] for p in payload["components"][0]["pages"]] == [1, 2, 3]
    assert payload["components"][1]["pages"] == []
    assert payload["events"][0]["to_status"] == 2
    assert payload["postponements"] == [] and payload["pauses"] == []


def test_proxy_birth_date_cccd_and_odd_text(store: Store) -> None:
    inp = make_input(store, name="  Nguyễn Thị Ánh   Tuyết ", phone=" 0912345678 ")
    inp.applicant.birth_date = date(1990, 2, 28)
    inp.applicant.cccd_raw = "001190012345|012345678|Nguyễn Thị Ánh Tuyết|28021990|Nữ|Hà Nội|"
    inp.proxy = ApplicantInput("Trần Văn Bình", id_number="036085007788", role="proxy",
                               address="Thôn 3, xã Ea Kao\u0301")
    inp.note = "Nộp thay; \u200b ghi chú"
    payload, record = _payload_and_record(store, inp)
    _assert_same(payload, record)
    assert payload["proxy"]["name"] == "Trần Văn Bình"
    assert payload["applicant"]["birth_date"] == "1990-02-28"


def test_scan_shared_with_an_earlier_dossier_keeps_the_stored_file_row(store: Store) -> None:
    sha = store.put_file(b"%PDF-1.4 shared certified copy")
    first = make_input(store, pages=0)
    first.components = [ComponentInput("Bản sao", pages=[PageInput(sha)])]
    store.save_dossier(first, actor="clerk1")
    second = make_input(store, pages=0, name="Lê Văn Tám")
    # The same file again, said to be another type: the stored row is what the record shows.
    second.components = [ComponentInput("Bản sao", pages=[PageInput(sha, mime="image/jpeg"),
                                                         PageInput(sha)])]
    payload, record = _payload_and_record(store, second)
    _assert_same(payload, record)
    assert {p["mime"] for p in payload["components"][0]["pages"]} == {"application/pdf"}
    # A third time: the file row read before is remembered, and still what is stored.
    third = make_input(store, pages=0, name="Phạm Thị Hà")
    third.components = [ComponentInput("Bản sao", pages=[PageInput(sha, mime="image/png")])]
    payload, record = _payload_and_record(store, third)
    _assert_same(payload, record)
    assert payload["components"][0]["pages"][0]["mime"] == "application/pdf"


def test_a_rolled_back_save_forgets_the_file_rows_it_read(store: Store) -> None:
    sha = store.put_file(b"%PDF-1.4 the same page twice")
    inp = make_input(store, pages=0)
    inp.components = [ComponentInput("Bản sao", pages=[PageInput(sha), PageInput(sha)])]

    def fail(db: Any, dossier_id: str, code: str) -> None:
        raise RuntimeError("the receipt could not be numbered")

    with pytest.raises(RuntimeError):
        store.save_dossier(inp, actor="clerk1", then=fail)
    # The second page read the row the first had inserted in the rolled-back transaction.
    assert store.call(lambda db: dict(db.memo.get(dossiers.FILE_ROWS, {}))) == {}
    payload, record = _payload_and_record(store, inp)
    _assert_same(payload, record)


def test_signed_presented_and_national_db_components(store: Store) -> None:
    inp = make_input(store, pages=2)
    inp.components[0].signature = {"state": "signed", "signer": "Cán bộ Một",
                                   "signed_at": "2026-11-23T09:01:00+07:00", "timestamped": True}
    inp.components.append(ComponentInput("Giấy tờ chưa ký", pages=inp.components[0].pages[:1],
                                         signature={"state": "unsigned", "error": "no token"}))
    inp.components.append(ComponentInput("CCCD", copy_kind="copy", presented=True,
                                         from_national_db=True))
    payload, record = _payload_and_record(store, inp)
    _assert_same(payload, record)
    assert payload["components"][0]["signature"]["timestamped"] is True
    assert payload["components"][2]["signature"]["state"] == "unsigned"
    assert payload["components"][3]["presented"] is True


def test_citizen_confirmation_back_entry_and_post(store: Store) -> None:
    inp = make_input(store, received_at=now() - timedelta(days=3))
    inp.back_entry = True
    inp.return_method = "post"
    inp.channel = 3
    inp.sets = 2
    inp.citizen_confirmation = {"confirmed_at": "2026-11-23T09:00:00+07:00", "digest": "ab" * 32,
                                "corrections": 2, "shown": {"idNumber": "••••••••4485"}}
    payload, record = _payload_and_record(store, inp)
    _assert_same(payload, record)
    assert payload["citizen_confirmation"]["corrections"] == 2
    assert payload["entered_at"] and payload["entered_by"] == "clerk1"


@pytest.mark.parametrize("received_at", [MONDAY_9, None])
def test_same_shape_as_an_unchanged_reader(store: Store, received_at: datetime | None) -> None:
    """Every column of the dossier row is in the payload (nothing dropped by RETURNING),
    but the report's facts kept on it (kiosk.storage.dossier_facts), which no record has."""
    payload, record = _payload_and_record(store, make_input(store, received_at=received_at))
    _assert_same(payload, record)

    def columns(db: Any) -> list[str]:
        return [r[1] for r in db.execute("PRAGMA table_info(dossiers)").fetchall()]

    assert set(store.read(columns)) - {"num", *dossier_facts.COLUMNS} <= set(payload)
    assert not set(dossier_facts.COLUMNS) & set(payload)
