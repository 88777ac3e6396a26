"""Hypothesis over the sync client's handling of server answers (issue 12 §7).

Two levels: the validators alone (fast: most of ``make fuzz``'s inputs), and whole
``SyncEngine.run_once`` passes on a real Store against fuzzed answers for every endpoint
(served through httpx's mock transport, beside the real-socket hostile server of
tests/sync/test_hostile_server.py). Properties: nothing raises out of the engine, no item is
left in flight, nothing is marked sent or uploaded without a valid confirmation, the cursor
stays a number, ``last_error`` is set exactly when the pass was not clean.

``KIOSK_FUZZ_EXAMPLES`` sets the number of examples per validator test (default 200; the
engine tests run a fiftieth of it, at least 25).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kiosk.storage import Store
from kiosk.sync import state, wire
from kiosk.sync.engine import SyncEngine
from kiosk.sync.errors import BadResponse, ForeignOrigin, Retry
from kiosk.sync.transport import make_client
from kiosk.sync.tus import discover
from tests.sync.conftest import save_dossier

EXAMPLES = int(os.environ.get("KIOSK_FUZZ_EXAMPLES", "200"))
ENGINE_EXAMPLES = max(25, EXAMPLES // 50)
FAST = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=ENGINE_EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
BASE = "http://127.0.0.1:9"
_CLIENT = make_client(BASE)

header_text = st.one_of(
    st.integers(-5, 10**20).map(str), st.sampled_from(["", " ", "1.0.0", "0.2.2", "abc", "１２"]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=12)
content_types = st.sampled_from(["application/json", "application/json; charset=utf-8",
                                 "text/html; charset=utf-8", "text/plain", ""])


junk = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
                 st.text(max_size=8), st.lists(st.integers(), max_size=2))


def _field(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value, sometimes a wrong type or value (cheap to draw)."""
    return st.one_of(valid, valid, valid, junk)


def _dict_body(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    shaped = st.fixed_dictionaries({}, optional={k: _field(v) for k, v in fields.items()}) | \
        st.fixed_dictionaries({k: _field(v) for k, v in fields.items()})
    return st.one_of(shaped, shaped, shaped, shaped, shaped, json_values)


def _encode(drawn: tuple[Any, int]) -> bytes:
    """JSON as sent (mostly), truncated, or a captive portal's page."""
    body, variant = drawn
    text = json.dumps(body, allow_nan=True).encode()
    return [text, text, text, text[: len(text) // 2], b"<html>portal</html>"][variant]


def answer(body: st.SearchStrategy[Any], statuses: list[int],
           headers: list[str] = ()) -> st.SearchStrategy[dict[str, Any]]:  # type: ignore[assignment]
    return st.fixed_dictionaries({
        "status": st.one_of(st.sampled_from(statuses), st.sampled_from(statuses),
                            st.integers(100, 599)),
        "type": st.one_of(st.just("application/json"), content_types),
        "body": st.tuples(body, st.integers(0, 4)).map(_encode) | st.binary(max_size=64),
        "headers": st.fixed_dictionaries({}, optional={h: header_text for h in headers}),
    })


seq = st.integers(0, 50)
times = st.sampled_from(["2026-12-01T10:00:00+07:00", "2026-12-01T10:00:00", "hôm qua", "",
                         "2026-13-01T10:00:00+07:00", "2026-12-01T03:00:00Z"])
health_body = _dict_body({"status": st.just("ok"), "time": times, "version": st.just("1")})
change = _dict_body({"seq": seq, "dossier_id": st.text(max_size=5), "status": st.integers(1, 10),
                     "server_version": st.integers(1, 5), "note": st.none() | st.text(max_size=5),
                     "code": st.just("X"), "kind": st.just("status"), "at": times})
feed_body = _dict_body({"changes": st.lists(change, max_size=3), "next": seq,
                        "more": st.booleans()})


def response(a: dict[str, Any], url: str = BASE + "/") -> httpx.Response:
    # Bytes, as they come off the wire (a server may send UTF-8 digits such as "１２").
    headers = {k: v.encode() for k, v in a["headers"].items()}
    if a["type"]:
        headers["Content-Type"] = a["type"].encode()
    return httpx.Response(a["status"], headers=headers, content=a["body"],
                          request=httpx.Request("GET", url))


# --- the validators ----------------------------------------------------------------------

@FAST
@given(a=answer(health_body, [200]))
def test_health_answers_are_valid_or_refused(a: dict[str, Any]) -> None:
    try:
        health = wire.parse(response(a), wire.Health, "health")
    except BadResponse as exc:
        assert "health" in str(exc)
        return
    assert health.time.utcoffset() is not None


@FAST
@given(a=answer(feed_body, [200]))
def test_feed_answers_are_valid_or_refused(a: dict[str, Any]) -> None:
    try:
        feed = wire.parse(response(a), wire.ChangeFeed, "feed")
    except BadResponse:
        return
    assert isinstance(feed.next, int) and not isinstance(feed.next, bool) and feed.next >= 0
    assert all(isinstance(c.seq, int) and 1 <= c.status <= 10 for c in feed.changes)


@FAST
@given(headers=st.dictionaries(st.sampled_from(["Upload-Offset", "Tus-Resumable", "Location"]),
                               header_text),
       low=st.integers(0, 10), high=st.integers(0, 10**6))
def test_tus_headers_are_valid_or_refused(headers: dict[str, str], low: int, high: int) -> None:
    r = response({"status": 204, "type": "", "body": b"", "headers": headers})
    try:
        value = wire.int_header(r, "Upload-Offset", "PATCH", low, high)
    except BadResponse:
        value = None
    if value is not None:
        assert low <= value <= high and r.headers["Upload-Offset"] == str(value)
    try:
        wire.require_tus(r, "PATCH")
    except BadResponse:
        assert r.headers.get("Tus-Resumable") != "1.0.0"


@FAST
@given(location=st.one_of(header_text, st.sampled_from([
    "/v1/uploads/x", "http://127.0.0.1:9/v1/uploads/x", "http://127.0.0.1:10/v1/uploads/x",
    "https://127.0.0.1:9/x", "//evil.example/x", "http://127.0.0.1.evil:9/x", "x/../../y",
    "http://[::1]:9/x", "HTTP://127.0.0.1:9/ok"])))
def test_a_location_is_on_the_configured_origin_or_refused(location: str) -> None:
    try:
        url = _CLIENT.resolve(location)
    except ForeignOrigin:
        return
    parsed = httpx.URL(url)
    assert (parsed.scheme, parsed.host, parsed.port) == ("http", "127.0.0.1", 9)


# --- whole passes on a real Store ---------------------------------------------------------

TUS_OK = {"Tus-Resumable": "1.0.0"}
#: What the real server answers, per endpoint ("DOSSIER" and "SIZE" are filled in per run).
VALID: dict[str, dict[str, Any]] = {
    "health": {"status": 200, "type": "application/json", "headers": {},
               "body": b'{"status": "ok", "time": "2026-12-01T10:00:00+07:00", "version": "1"}'},
    "head_blob": {"status": 404, "type": "application/json", "headers": TUS_OK,
                  "body": b'{"error": "blob_not_found", "message": "-"}'},
    "options": {"status": 204, "type": "", "body": b"", "headers": {
        "Tus-Version": "1.0.0", "Tus-Extension": "creation,checksum",
        "Tus-Checksum-Algorithm": "sha1,sha256"}},
    "post": {"status": 201, "type": "", "body": b"", "headers": {
        **TUS_OK, "Location": "/v1/uploads/u1", "Upload-Offset": "0"}},
    "head_upload": {"status": 200, "type": "", "body": b"", "headers": {
        **TUS_OK, "Upload-Offset": "0", "Upload-Length": "SIZE"}},
    "patch": {"status": 204, "type": "", "body": b"", "headers": {
        **TUS_OK, "Upload-Offset": "SIZE"}},
    "put": {"status": 201, "type": "application/json", "headers": {}, "body":
            b'{"id": "DOSSIER", "code": "X", "server_version": 1, "server_seq": 1, "status": 2}'},
    "changes": {"status": 200, "type": "application/json", "headers": {},
                "body": b'{"changes": [], "next": 0, "more": false}'},
}
FUZZED = {
    "health": answer(health_body, [200]),
    "head_blob": answer(st.just(None), [404, 200], ["Upload-Length", "Tus-Resumable"]),
    "options": answer(st.just(None), [204, 200, 404],
                      ["Tus-Version", "Tus-Extension", "Tus-Checksum-Algorithm",
                       "Tus-Max-Size", "Tus-Max-Chunk-Size"]),
    "post": answer(st.just(None), [201], ["Location", "Upload-Offset", "Tus-Resumable"]),
    "head_upload": answer(st.just(None), [200, 404], ["Upload-Offset", "Upload-Length",
                                                      "Tus-Resumable"]),
    "patch": answer(st.just(None), [204, 409, 460], ["Upload-Offset", "Tus-Resumable"]),
    "put": answer(_dict_body({"id": st.just("DOSSIER"), "code": st.just("X"),
                              "server_version": st.integers(1, 3), "server_seq": seq,
                              "status": st.integers(1, 10), "error": st.text(max_size=8),
                              "missing": st.lists(st.text(max_size=4), max_size=2)}),
                  [200, 201, 409, 422]),
    "changes": answer(feed_body, [200, 410]),
}


def _mutated(valid: dict[str, Any], fuzzed: st.SearchStrategy[dict[str, Any]]
             ) -> st.SearchStrategy[dict[str, Any]]:
    """The real answer with one part (status, type, body or one header) replaced."""
    def mutate(other: dict[str, Any], part: str) -> dict[str, Any]:
        out = {**valid, "headers": dict(valid["headers"])}
        if part in ("status", "type", "body"):
            out[part] = other[part]
        elif other["headers"]:
            name, value = next(iter(other["headers"].items()))
            out["headers"][name] = value
        elif out["headers"]:
            out["headers"].pop(next(iter(out["headers"])))
        return out

    return st.tuples(fuzzed, st.sampled_from(["status", "type", "body", "header"])).map(
        lambda t: mutate(*t))


ENDPOINTS = {name: st.one_of(st.just(VALID[name]), st.just(VALID[name]), st.just(VALID[name]),
                             _mutated(VALID[name], FUZZED[name]), FUZZED[name])
             for name in VALID}


def _kind(request: httpx.Request) -> str:
    path, method = request.url.path, request.method
    if path == "/v1/health":
        return "health"
    if path.startswith("/v1/blobs/"):
        return "head_blob"
    if path == "/v1/uploads":
        return "options" if method == "OPTIONS" else "post"
    if path.startswith("/v1/uploads/"):
        return "patch" if method == "PATCH" else "head_upload"
    if path.startswith("/v1/dossiers/"):
        return "put"
    return "changes"


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Any]]:
    home = tmp_path_factory.mktemp("fuzz-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("KIOSK_HOME", str(home))
    store = Store(orphan_grace_seconds=None)
    saved = save_dossier(store, pages=1, size=5_000)
    try:
        yield store, saved
    finally:
        store.close()
        mp.undo()


def _reset(store: Store) -> None:
    def run(db: Any) -> None:
        state.ensure_tables(db)
        with db.atomic():
            db.conn.execute("UPDATE outbox SET state = 'pending', attempts = 0, "
                            "next_attempt_at = '2000-01-01T00:00:00+07:00', last_error = NULL, "
                            "response = NULL")
            db.conn.execute("UPDATE outbox_blobs SET state = 'pending', upload_url = NULL")
            for table in ("sync_meta", "sync_dossiers", "sync_requests"):
                db.conn.execute(f"DELETE FROM {table}")
    store.call(run)


def _valid_ack(a: dict[str, Any], dossier_id: str) -> bool:
    if a["status"] not in (200, 201) or not a["type"].startswith("application/json"):
        return False
    try:
        body = json.loads(a["body"])
    except ValueError:
        return False

    def number(v: Any, low: int) -> bool:
        return type(v) is int and low <= v < 2**63

    return (isinstance(body, dict) and body.get("id") == dossier_id
            and number(body.get("server_version"), 1) and number(body.get("server_seq"), 0)
            and number(body.get("status"), 1) and body["status"] <= 10)


@SLOW
@given(answers=st.fixed_dictionaries(ENDPOINTS))
def test_a_pass_against_fuzzed_answers_keeps_every_item(fuzz_store: tuple[Store, Any],
                                                        answers: dict[str, Any]) -> None:
    store, saved = fuzz_store
    _reset(store)
    sha = store.pending_outbox()[0]["blobs"][0]["sha256"]
    size = store.file_path(sha).stat().st_size
    answers = {k: {**a, "body": a["body"].replace(b"DOSSIER", saved.id.encode()),
                   "headers": {h: str(size) if v == "SIZE" else v
                               for h, v in a["headers"].items()}}
               for k, a in answers.items()}

    def handler(request: httpx.Request) -> httpx.Response:
        return response(answers[_kind(request)], str(request.url))

    http = make_client(BASE, transport=httpx.MockTransport(handler))
    engine = SyncEngine(store, http, lambda: "token", parallel=1, parallel_dossiers=1)
    result = engine.run_once(ignore_backoff=True)
    assert isinstance(result, dict)
    rows = store.read(lambda db: db.execute("SELECT state FROM outbox").fetchall())
    event(f"online={result.get('online')} outbox={sorted(r[0] for r in rows)}")
    assert all(r[0] != "in_flight" for r in rows)
    if any(r[0] == "done" for r in rows):
        assert _valid_ack(answers["put"], saved.id), answers["put"]
    uploaded = store.read(lambda db: db.execute(
        "SELECT count(*) FROM outbox_blobs WHERE state = 'uploaded'").fetchone()[0])
    if uploaded:
        head, patch, post = answers["head_blob"], answers["patch"], answers["post"]
        confirmed = (head["status"] == 200 and head["headers"].get("Upload-Length") == str(size)) \
            or (patch["status"] in range(200, 300)
                and patch["headers"].get("Tus-Resumable") == "1.0.0"
                and patch["headers"].get("Upload-Offset") == str(size)) \
            or (post["status"] == 201 and post["headers"].get("Upload-Offset") == str(size))
        assert confirmed, (head, patch, post)
    cursor = store.read(lambda db: db.execute(
        "SELECT value FROM sync_meta WHERE key = 'cursor'").fetchone())
    assert cursor is None or cursor[0].isdigit()
    status = engine.summary()
    assert (status["last_error"] is None) == bool(result.get("ok")), (result, status)
    # `kiosk sync --once` says 0 only when everything was delivered (issue 22 §0).
    from kiosk.cli.sync_commands import once_exit_status

    exit_status = once_exit_status(dict(result))
    delivered = all(r[0] == "done" for r in rows) and bool(result.get("ok"))
    assert (exit_status == 0) == delivered, (exit_status, rows, result)
    assert exit_status == 1 or all(r[0] == "done" for r in rows), (exit_status, rows)


@SLOW
@given(a=ENDPOINTS["options"])
def test_options_answers_are_read_or_refused(a: dict[str, Any]) -> None:
    http = make_client(BASE, transport=httpx.MockTransport(lambda req: response(a)))
    try:
        server = discover(http, "/v1/uploads")
    except (Retry, httpx.HTTPStatusError):
        return
    assert server.checksum in (None, "sha1", "sha256")
    assert server.max_size is None or server.max_size >= 0
