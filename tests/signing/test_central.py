"""The central server checks the signatures of what counters upload (real sync, loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from kiosk.signing.dossier import sign_dossier, sign_input
from kiosk.signing.token import TokenSession
from kiosk.storage import ComponentInput, PageInput, Store, signatures
from kiosk.sync import machine
from tests.signing.conftest import Pki
from tests.signing.helpers import scan_pdf, tampered
from tests.signing.pki import USER_PIN
from tests.storage.helpers import make_input
from tests.sync.conftest import UNIT, engine_for


@pytest.fixture
def server(tmp_path: Path, pki: Pki) -> Iterator[tuple[ServerThread, str]]:
    db = Database(str(tmp_path / "central.sqlite3"))
    blobs = BlobStore(tmp_path / "central-blobs")
    token = service.add_device(db, UNIT, "quầy 1")["token"]
    srv = ServerThread(db, blobs, trust_file=pki.ca_pem).start()
    yield srv, token
    srv.stop()


@pytest.fixture
def store(kiosk_home: Path) -> Iterator[Store]:
    s = Store(orphan_grace_seconds=None)
    yield s
    s.close()


def _as_counter(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", machine.HEADER: machine.machine_id()}


def _remote(srv: ServerThread, token: str, dossier_id: str) -> dict[str, object]:
    # As the counter: its engine bound the token to this machine (kiosk.sync.machine).
    r = httpx.get(f"{srv.url}/v1/dossiers/{dossier_id}", headers=_as_counter(token), timeout=30)
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


def _feed(srv: ServerThread, token: str) -> list[dict[str, object]]:
    r = httpx.get(f"{srv.url}/v1/changes", params={"since": 0}, headers=_as_counter(token),
                  timeout=30)
    r.raise_for_status()
    return r.json()["changes"]  # type: ignore[no-any-return]


def test_server_records_and_flags_each_components_signature(
        store: Store, pki: Pki, server: tuple[ServerThread, str]) -> None:
    srv, token = server
    with TokenSession(pki.settings(), USER_PIN) as clerk:
        good = clerk.sign(scan_pdf("Tờ khai")).data
        altered = tampered(clerk.sign(scan_pdf("Giấy chứng sinh")).data)
    with TokenSession(pki.settings(key_label="stranger"), USER_PIN) as stranger:
        foreign = stranger.sign(scan_pdf("Giấy ủy quyền")).data
    inp = make_input(store, pages=0)
    inp.components = [
        ComponentInput(name, code=code, pages=[PageInput(store.put_file(data))])
        for code, name, data in (("TK", "Tờ khai", good), ("GCS", "Giấy chứng sinh", altered),
                                 ("UQ", "Giấy ủy quyền", foreign),
                                 ("GT", "Giấy tờ khác", scan_pdf("chưa ký")))]
    saved = store.save_dossier(inp, "clerk1")
    engine = engine_for(store, srv.url, token)
    assert engine.run_once()["sent"] == 1
    record = _remote(srv, token, saved.id)
    comps = {c["code"]: c for c in record["dossier"]["components"]}  # type: ignore[index]
    assert comps["TK"]["signed"] and comps["TK"]["signature_valid"]
    assert comps["TK"]["signatures"][0]["signer"] == "Nguyễn Thị Cán Bộ"
    assert comps["TK"]["signatures"][0]["pdfa"] is True
    assert comps["GCS"]["signed"] and not comps["GCS"]["signature_valid"]
    assert comps["GCS"]["signatures"][0]["intact"] is False
    assert comps["UQ"]["signed"] and not comps["UQ"]["signature_valid"]
    assert comps["UQ"]["signatures"][0]["intact"] is True
    assert "not trusted" in comps["UQ"]["signatures"][0]["problem"]
    assert comps["GT"]["signed"] is False and not comps["GT"]["signature_valid"]
    problems = record["dossier"]["signature_problems"]  # type: ignore[index]
    assert [p.split(":")[0] for p in problems] == ["GCS", "UQ"]
    flagged = [c for c in _feed(srv, token) if c["kind"] == "signature_invalid"]
    assert len(flagged) == 1 and flagged[0]["dossier_id"] == saved.id
    note = str(flagged[0]["note"])
    assert "GCS: tampered" in note and "UQ: invalid signature" in note
    assert "TK" not in note and "GT" not in note
    # The counter's pull takes the flag in its stride (no error, cursor moves on).
    assert engine.run_once().get("error") is None
    # ...and shows it to the clerk (issue 22 §2): one line in the dossier's timeline (the
    # status unchanged) and one notice, however often the feed is read.
    from kiosk.sync import server_state
    from kiosk.sync.status import sync_status

    store.call(lambda db: db.conn.execute("UPDATE sync_meta SET value = '0' "
                                          "WHERE key = 'cursor'"))
    engine.run_once()
    flagged_events = [e for e in store.get_dossier(saved.code)["events"]
                      if e["actor"] == "central"]
    assert len(flagged_events) == 1, flagged_events
    assert flagged_events[0]["from_status"] == flagged_events[0]["to_status"] == 2
    assert "chữ ký số không hợp lệ" in flagged_events[0]["note"]
    assert "GCS: tampered" in flagged_events[0]["note"]
    assert sync_status(store)["notices"] == 1
    (notice,) = store.read(server_state.notices)
    assert notice["code"] == saved.code and "UQ: invalid signature" in notice["note"]
    assert store.call(lambda db: server_state.mark_notice_seen(db, notice["seq"]))
    assert sync_status(store)["notices"] == 0


def test_signed_later_replaces_the_unsigned_file_on_the_server(
        store: Store, pki: Pki, server: tuple[ServerThread, str]) -> None:
    srv, token = server
    inp = make_input(store, pages=0)
    inp.components = [ComponentInput("Tờ khai", code="TK",
                                     pages=[PageInput(store.put_file(scan_pdf("Tờ khai")))])]
    sign_input(inp, store, pki.settings(), "999999")  # wrong PIN: saved unsigned
    saved = store.save_dossier(inp, "clerk1")
    engine = engine_for(store, srv.url, token)
    engine.run_once()
    before = _remote(srv, token, saved.id)
    assert before["dossier"]["components"][0]["signed"] is False  # type: ignore[index]
    sign_dossier(store, saved.code, pki.settings(), USER_PIN, actor="clerk1")
    result = engine.run_once()
    assert result["sent"] == 1 and not result.get("needs_attention")
    after = _remote(srv, token, saved.id)
    comp = after["dossier"]["components"][0]  # type: ignore[index]
    assert comp["signed"] and comp["signature_valid"]
    assert "signature_problems" not in after["dossier"]  # type: ignore[operator]
    assert comp["pages"][0]["sha256"] == store.get_dossier(saved.code)[
        "components"][0]["pages"][0]["sha256"]
    assert not [c for c in _feed(srv, token) if c["kind"] == "signature_invalid"]


def test_a_file_swapped_for_another_is_still_refused(
        store: Store, pki: Pki, server: tuple[ServerThread, str]) -> None:
    srv, token = server
    inp = make_input(store, pages=0)
    inp.components = [ComponentInput("Tờ khai", code="TK",
                                     pages=[PageInput(store.put_file(scan_pdf("Tờ khai")))])]
    saved = store.save_dossier(inp, "clerk1")
    engine = engine_for(store, srv.url, token)
    engine.run_once()
    # A different file (not the old one plus a signature) in place of the sent page.
    other = store.put_file_info(scan_pdf("Một tệp khác"))
    old = store.get_dossier(saved.code)["components"][0]["pages"][0]["sha256"]
    swap = [{"position": 1, "old": old, "new": other.sha256, "size": other.size,
             "signer": "x", "signed_at": "x", "timestamped": False}]
    store.call(lambda db: signatures.replace_signed(db, saved.id, "clerk1", swap, {}))
    result = engine.run_once()
    assert result["needs_attention"] == 1
    error = store.read(lambda db: db.execute(
        "SELECT last_error FROM outbox WHERE state = 'needs_attention'").fetchone()[0])
    assert "pages_removed" in error


def test_annotate_flags_what_cannot_be_checked() -> None:
    from central.signatures import annotate

    body = {"components": [{"code": "TK", "pages": [{"sha256": "a" * 64}]},
                           {"code": "GCS", "pages": [{"sha256": "b" * 64}]}]}
    verdicts = {"a" * 64: {"signed": None, "valid": False, "intact": False,
                           "problem": "cannot be checked: ValueError"},
                "b" * 64: {"signed": False, "valid": False, "intact": False}}
    problems = annotate(body, verdicts)
    assert problems == ["TK: unverifiable (aaaaaaaaaaaa)"]  # unsigned alone is no problem
    assert body["components"][0]["signed"] is False  # type: ignore[index]
