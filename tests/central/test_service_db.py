"""Business rules on both engines: SQLite and a real PostgreSQL started for the session."""

from __future__ import annotations

import hashlib
import threading

import pytest

from central import service, uploads
from central.db import Database
from central.models import DossierIn
from central.service import ApiError
from tests.central.helpers import UNIT, dossier, new_id


def _blob(db: Database, data: bytes, unit: str = UNIT) -> None:
    """A blob the unit uploaded (the rows a finished upload leaves)."""
    sha = hashlib.sha256(data).hexdigest()
    with db.transaction() as tx:
        tx.execute("INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?)",
                   (sha, len(data), "2026-11-22T08:00:00+07:00"))
        uploads.record_owner(tx, unit, sha, "upload")


def test_put_is_exactly_once_per_key(any_db: Database) -> None:
    dev = service.authenticate(any_db, service.add_device(any_db, UNIT)["token"])
    assert dev is not None
    page = b"%PDF-1.4 trang 1"
    body = DossierIn.model_validate(dossier(pages=[page]))
    did, key = new_id(), new_id()
    with pytest.raises(ApiError) as err:
        service.put_dossier(any_db, dev, did, key, body)
    assert err.value.code == "missing_blobs"
    _blob(any_db, page)
    first = service.put_dossier(any_db, dev, did, key, body)
    again = service.put_dossier(any_db, dev, did, key, body)
    assert first[:2] == again[:2] and first[2] is False and again[2] is True
    with any_db.transaction() as tx:
        assert tx.one("SELECT COUNT(*) AS n FROM dossiers")["n"] == 1  # type: ignore[index]


def test_concurrent_retries_write_once(any_db: Database) -> None:
    dev = service.authenticate(any_db, service.add_device(any_db, UNIT)["token"])
    assert dev is not None
    body = DossierIn.model_validate(dossier(code_seq=1010))
    did, key = new_id(), new_id()
    results: list[tuple[int, dict[str, object], bool] | str] = []

    def go() -> None:
        try:
            results.append(service.put_dossier(any_db, dev, did, key, body))
        except ApiError as exc:
            # Allowed by the Idempotency-Key draft: a concurrent retry may get 409.
            results.append(exc.code)

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    acks = [r for r in results if not isinstance(r, str)]
    assert len(results) == 6 and acks
    assert {(r[0], r[1]["server_seq"]) for r in acks} == {(201, acks[0][1]["server_seq"])}
    errors = [r for r in results if isinstance(r, str)]
    assert all(r == "conflict" for r in errors), errors
    with any_db.transaction() as tx:
        assert tx.one("SELECT COUNT(*) AS n FROM dossiers")["n"] == 1  # type: ignore[index]
        assert tx.one("SELECT COUNT(*) AS n FROM changes")["n"] == 1  # type: ignore[index]


def test_status_feed_and_export_on_engine(any_db: Database) -> None:
    dev = service.authenticate(any_db, service.add_device(any_db, UNIT)["token"])
    assert dev is not None
    body = DossierIn.model_validate(dossier(code_seq=1011))
    service.put_dossier(any_db, dev, new_id(), new_id(), body)
    state = service.set_status(any_db, body.code, 4, "đang xử lý", "chuyên viên A")
    assert state["server_version"] == 2 and state["notes"][0]["by"] == "chuyên viên A"
    with pytest.raises(ApiError) as err:
        service.set_status(any_db, body.code, 1)
    assert err.value.code == "invalid_transition"
    feed = service.changes(any_db, dev, 0, 10)
    assert [c["status"] for c in feed["changes"]] == [2, 4]
    seqs = [c["seq"] for c in feed["changes"]]
    assert seqs == sorted(seqs) and feed["next"] == seqs[-1]
