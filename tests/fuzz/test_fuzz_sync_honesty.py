"""Hypothesis over the sync client's honesty (issues 21 §2 and 22 §1): a generator for each
class of fault that was found by hand, so that it would have been found by the suite.

- ``Retry-After`` values of every shape (delta-seconds of any length, HTTP-dates from 1900 to
  9999, negative numbers, floats, garbage): the wait stays within ``[0, cap]``, nothing
  raises, a pass never parks the item beyond the cap, and "send now" ignores it.
- Status histories made on both sides (the counter's steps before and after its first sync,
  the province's steps, the feed read again from 0), against the real central server on
  loopback: no event comes back as the counter's echo, no event breaks the status machine,
  and both sides end up agreeing, or a conflict or a refused step says why.
- A pass through an in-process proxy that, request by request, forwards, forges a 403 or 422,
  acknowledges without forwarding, or drops the connection; then clean passes and an audit:
  everything reaches the real server, exactly once, and nothing stays parked.
- ``sync.ca_file`` values (any bytes in a file, a directory, a missing path): a TLS context
  or a ConfigError naming the setting and the value, never anything else.
- Offline queue tickets taken and called in any order: after a pass, the server holds each
  one with the counter's latest state.

``KIOSK_FUZZ_EXAMPLES`` sets the count (default 200 for the parser, a fiftieth of it, at
least 15, for the passes against the server).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from kiosk import clock
from kiosk.dossier import TRANSITIONS, Status
from kiosk.errors import ConfigError
from kiosk.storage import Store
from kiosk.sync import server_state, state
from kiosk.sync.audit import recent_days
from kiosk.sync.engine import BACKOFF_CAP, SyncEngine, backoff_delay, parse_retry_after
from kiosk.sync.transport import ca_context, make_client
from tests.fuzz.budget import count
from tests.sync.conftest import UNIT, save_dossier

EXAMPLES = int(os.environ.get("KIOSK_FUZZ_EXAMPLES", "200"))
PASS_EXAMPLES = max(15, EXAMPLES // 50)
FAST = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=PASS_EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
CAP = 3600.0

# --- Retry-After ---------------------------------------------------------------------------

when = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31))
retry_after_values = st.one_of(
    st.integers(0, 10**600).map(str),  # delta-seconds of any length
    st.text(alphabet="0123456789", min_size=1, max_size=600),  # leading zeros included
    st.integers(-10**9, -1).map(str),
    when.map(lambda d: format_datetime(d.replace(tzinfo=UTC), usegmt=True)),
    when.map(format_datetime),  # naive: "-0000"
    when.map(lambda d: d.isoformat()),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=40),
    st.sampled_from(["", " ", " 120 ", "1e9", "0x10", "１２", "Thu, 01 Jan 2099 00:00:00 GMT",
                     "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 1900 00:00:00 GMT",
                     "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                     "Sun Nov  6 08:49:37 1994"]),
)


@FAST
@given(value=retry_after_values, attempts=st.integers(0, 60))
def test_retry_after_is_a_bounded_wait_or_ignored(value: str, attempts: int) -> None:
    count("sync_retry_after")
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC).timestamp()
    wait = parse_retry_after(value, CAP, at=at)
    event("ignored" if wait is None else "capped" if wait == CAP else "honoured")
    if wait is not None:
        assert 0.0 <= wait <= CAP
    text = value.strip()
    if text.isascii() and text.isdigit():
        assert wait == min(int(text), int(CAP))
    # What the engine does with it never overflows a date.
    delay = backoff_delay(attempts, wait)
    assert 0.0 <= delay <= max(CAP, BACKOFF_CAP)
    assert clock.now() + timedelta(seconds=delay) > clock.now() - timedelta(seconds=1)


# --- a real server on loopback, a real Store ----------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, str,
                                                                       Database, BlobStore]]:
    root: Path = tmp_path_factory.mktemp("honesty-central")
    db = Database(str(root / "central.sqlite3"))
    blobs = BlobStore(root / "blobs")
    token = service.add_device(db, UNIT, "quầy 1")["token"]
    with ServerThread(db, blobs) as srv:
        yield srv, token, db, blobs


@pytest.fixture(scope="module")
def honesty_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("honesty-home")


@pytest.fixture(autouse=True)
def one_machine(honesty_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The tests share one counter (store and device token). The server binds the token to
    # the machine id kept in KIOSK_HOME, which the suite's conftest changes for every test:
    # keep the counter's own home, or the second test is refused as another machine.
    monkeypatch.setenv("KIOSK_HOME", str(honesty_home))


@pytest.fixture(scope="module")
def honest_store(honesty_home: Path) -> Iterator[Store]:
    home = honesty_home
    mp = pytest.MonkeyPatch()
    mp.setenv("KIOSK_HOME", str(home))
    store = Store(orphan_grace_seconds=None)
    try:
        yield store
    finally:
        store.close()
        mp.undo()


def _walk(start: int, choices: list[int]) -> list[int]:
    """A path through the status machine: each choice picks one allowed next status."""
    path, current = [], start
    for c in choices:
        nxt = sorted(TRANSITIONS[Status(current)])
        if not nxt:
            break
        current = int(nxt[c % len(nxt)])
        path.append(current)
    return path


def _server_status(db: Database, dossier_id: str) -> int:
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT status FROM dossiers WHERE id = ?", (dossier_id,))
    assert row is not None
    return int(row["status"])


@SLOW
@given(before=st.lists(st.integers(0, 9), max_size=3),
       province=st.lists(st.integers(0, 9), max_size=3),
       after=st.lists(st.integers(0, 9), max_size=2),
       reread=st.booleans())
def test_no_echo_and_no_forbidden_step(server: Any, honest_store: Store, before: list[int],
                                       province: list[int], after: list[int],
                                       reread: bool) -> None:
    srv, token, db, _blobs = server
    store = honest_store
    count("sync_echo")
    d = save_dossier(store, pages=1, size=2_000)
    mine: list[tuple[int, int]] = []

    def step(to: int) -> None:
        old = store.get_dossier(d.code)["status"]
        store.change_status(d.code, to, actor="clerk1", note="lý do")
        mine.append((old, to))
        note(f"counter {old} -> {to}")

    for to in _walk(2, before):
        step(to)
    engine = SyncEngine(store, make_client(srv.url), lambda: token)
    engine.run_once()
    for to in _walk(_server_status(db, d.id), province):
        service.set_status(db, d.code, to, "lý do", "tỉnh")
        note(f"province -> {to}")
    for to in _walk(store.get_dossier(d.code)["status"], after):
        step(to)
    if reread:
        store.call(lambda x: x.conn.execute("UPDATE sync_meta SET value = '0' "
                                            "WHERE key = 'cursor'"))
    for _pass in range(5):  # a refusal, the one retry after a clean pass, what follows it
        engine.run_once(ignore_backoff=True)
    events = store.get_dossier(d.code)["events"]
    for e in events:
        assert e["actor"] != "sync", events
        if e["from_status"] is not None and e["from_status"] != e["to_status"]:
            assert Status(e["to_status"]) in TRANSITIONS[Status(e["from_status"])], events
    assert [(e["from_status"], e["to_status"]) for e in events
            if e["actor"] == "clerk1" and e["from_status"] is not None] == mine
    states = {r[0] for r in store.read(lambda x: x.execute(
        "SELECT state FROM outbox WHERE dossier_id = ?", (d.id,)).fetchall())}
    assert not states & {"pending", "in_flight"}, states
    local, remote = store.get_dossier(d.code)["status"], _server_status(db, d.id)
    conflict = store.read(lambda x: server_state.conflict_status(x, d.id))
    event("agree" if local == remote else "conflict" if conflict else "refused step")
    assert local == remote or conflict == remote or "needs_attention" in states, (
        local, remote, states)
    # What needs a person is put aside for this run: the next example starts clean.
    store.call(lambda x: x.conn.execute("UPDATE outbox SET state = 'done' WHERE dossier_id = ? "
                                        "AND state = 'needs_attention'", (d.id,)))
    engine.http.close()


# --- forged and lying answers ---------------------------------------------------------------

ACTIONS = ("pass", "pass", "forge_403", "forge_422", "lie", "drop")
_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding", "date",
        "server"}


class Proxy:
    """Between the engine and the real server, in process: request ``i`` of the faulty pass
    gets ``actions[i]``; afterwards everything is forwarded."""

    def __init__(self, upstream: str, actions: list[str]) -> None:
        self.upstream = httpx.Client(base_url=upstream, timeout=30)
        self.actions = list(actions)
        self.faulty = True
        self.fake = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        action = self.actions.pop(0) if self.faulty and self.actions else "pass"
        path = request.url.path
        if path == "/v1/health" or action == "pass":
            return self._forward(request)
        if action == "drop":
            raise httpx.ConnectError("dropped", request=request)
        if action == "lie":
            self.fake += 1
            if request.method == "PUT" and path.startswith("/v1/dossiers/"):
                sent = json.loads(request.content)
                ack = {"id": path.rsplit("/", 1)[-1], "code": sent["code"],
                       "server_version": self.fake, "server_seq": self.fake,
                       "status": sent["status"]}
                return httpx.Response(201, json=ack, request=request)
            if request.method == "POST" and path == "/v1/uploads":
                return httpx.Response(201, request=request, headers={
                    "Tus-Resumable": "1.0.0", "Location": f"/v1/uploads/fake{self.fake}",
                    "Upload-Offset": request.headers.get("Upload-Length", "0")})
            return self._forward(request)
        status = 403 if action == "forge_403" else 422
        return httpx.Response(status, request=request, json={
            "error": "wrong_unit" if status == 403 else "invalid_request",
            "message": f"forged {status}"}, headers={"Tus-Resumable": "1.0.0"})

    def _forward(self, request: httpx.Request) -> httpx.Response:
        r = self.upstream.request(request.method, request.url.path,
                                  params=request.url.params, content=request.content,
                                  headers={k: v for k, v in request.headers.items()
                                           if k.lower() not in _HOP | {"host"}})
        return httpx.Response(r.status_code, content=r.content, request=request,
                              headers={k: v for k, v in r.headers.items()
                                       if k.lower() not in _HOP})


@SLOW
@given(actions=st.lists(st.sampled_from(ACTIONS), max_size=10))
def test_forged_and_lying_answers_cannot_keep_a_dossier_from_the_server(
        server: Any, honest_store: Store, actions: list[str]) -> None:
    srv, token, db, blobs = server
    store = honest_store
    count("sync_lies")
    event(" ".join(sorted(set(actions))) or "none")
    saved = [save_dossier(store, pages=1, size=3_000) for _ in range(2)]
    proxy = Proxy(srv.url, actions)
    http = make_client(srv.url, transport=httpx.MockTransport(proxy))
    engine = SyncEngine(store, http, lambda: token, parallel=1, parallel_dossiers=1)
    engine.run_once(ignore_backoff=True)
    proxy.faulty = False
    for _pass in range(3):
        engine.run_once(ignore_backoff=True)
    engine.audit(recent_days(1))
    for _pass in range(2):
        engine.run_once(ignore_backoff=True)
    for d in saved:
        rows = store.read(lambda x, d=d: x.execute(
            "SELECT state, kind, last_error FROM outbox WHERE dossier_id = ?",
            (d.id,)).fetchall())
        assert all(r[0] == "done" for r in rows), (actions, rows)
        with db.transaction(write=False) as tx:
            row = tx.one("SELECT status FROM dossiers WHERE id = ?", (d.id,))
            pages = [p["sha256"] for p in tx.all(
                "SELECT sha256 FROM dossier_pages WHERE dossier_id = ?", (d.id,))]
        assert row is not None, (actions, d.code)
        assert row["status"] == store.get_dossier(d.code)["status"]
        assert pages and all(blobs.rehash(p) == p for p in pages), actions
    assert store.read(state.parked) == []
    http.close()
    proxy.upstream.close()


# --- sync.ca_file ----------------------------------------------------------------------------

@FAST
@given(content=st.one_of(st.binary(max_size=300), st.sampled_from([
    b"", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    b"-----BEGIN CERTIFICATE-----\n", "chứng thư".encode(), b"\xff\xfe\x00"])),
       shape=st.sampled_from(["file", "file", "directory", "missing"]))
def test_a_ca_file_is_trusted_or_named(tmp_path_factory: pytest.TempPathFactory,
                                       content: bytes, shape: str) -> None:
    count("sync_ca_file")
    where = tmp_path_factory.mktemp("ca")
    path = where / "tinh-ca.pem"
    if shape == "file":
        path.write_bytes(content)
    elif shape == "directory":
        path.mkdir()
    try:
        ca_context(str(path))
    except ConfigError as exc:
        assert "sync.ca_file" in exc.message and str(path) in exc.message
        assert exc.hint and "kiosk config set sync.ca_file" in exc.hint
        return
    assert shape == "file"  # only a real PEM certificate is trusted


# --- offline queue tickets -------------------------------------------------------------------

@SLOW
@given(moves=st.lists(st.sampled_from(["take A", "take B", "call", "call"]), min_size=1,
                      max_size=8))
def test_offline_tickets_reach_the_server_with_their_latest_state(
        server: Any, honest_store: Store, moves: list[str]) -> None:
    from kiosk.citizen.queue import QueueService

    srv, token, db, _blobs = server
    store = honest_store
    count("sync_offline_tickets")
    store.config.set("counter.number", 3)
    offline = QueueService(store, store.config, client=lambda: None)
    for move in moves:
        if move == "call":
            offline.call_next("clerk1")
        else:
            offline.take(move.split()[1])
    engine = SyncEngine(store, make_client(srv.url), lambda: token)
    engine.run_once(ignore_backoff=True)
    local = {t["id"]: t["state"] for t in offline.citizen.tickets() if t["origin"] == "local"}
    with db.transaction(write=False) as tx:
        remote = {r["id"]: r["state"] for r in tx.all(
            "SELECT id, state FROM queue_offline_tickets")}
    assert {k: remote.get(k) for k in local} == local
    assert store.outbox_counts()["pending"] == 0
    engine.http.close()
