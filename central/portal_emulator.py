"""A stand-in for the national portal's sync API, for tests and for trying the push by hand
(``kiosk central portal emulator --port N``). Not part of the server.

It behaves as DOMAIN.md §6 and the portal software that talks to it describe the real one:
a session from the token endpoint (user and password), then ``POST`` of
``{session, madonvi, service, isUpdating, data}`` with the ``dstcode`` header; answers
``{"error_code": "0", ...}`` on success, a non-zero code with a message otherwise. It checks
required fields and formats (:mod:`central.portal_rules`), creates a dossier only once
(``isUpdating`` "False" for a ``MaHoSo`` it has is refused, "True" for one it has not is
refused), and is idempotent: the same item again is answered as success without being applied
twice, which is what makes a lost answer safe to resend. Its state is a SQLite file, so a
killed emulator restarted on the same file remembers what it received.

Faults for tests (``POST /_emulator/faults``): the next ``count`` sync requests answer 500,
garbage, JSON without ``error_code``, or come ``delay`` seconds late; with ``apply`` the item
is stored first (the answer is lost, not the request).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from central.portal_outbox import DONGBO, TIENDO
from central.portal_rules import check_dossier, check_progress

SCHEMA = """
CREATE TABLE IF NOT EXISTS applied (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL, mahoso TEXT NOT NULL, sha256 TEXT NOT NULL,
    item TEXT NOT NULL, at REAL NOT NULL, replays INTEGER NOT NULL DEFAULT 0,
    UNIQUE (service, mahoso, sha256));
CREATE TABLE IF NOT EXISTS dossiers (mahoso TEXT PRIMARY KEY, item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, service TEXT, mahoso TEXT,
    outcome TEXT NOT NULL, detail TEXT);
"""

OK, INVALID, EXISTS, UNKNOWN, BAD_SESSION = "0", "1", "2", "3", "-1"


class EmulatorState:
    """The emulator's memory: what it applied, what it refused, its sessions and faults."""

    def __init__(self, path: Path, user: str, password: str, units: set[str],
                 dstcode: str = "", session_ttl: float = 3600.0) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.executescript(SCHEMA)
        self.lock = threading.Lock()
        self.user, self.password, self.units = user, password, units
        self.dstcode, self.session_ttl = dstcode, session_ttl
        self.sessions: dict[str, float] = {}
        self.faults: dict[str, Any] = {"mode": "", "count": 0}

    def log(self, service: Any, mahoso: Any, outcome: str, detail: str = "") -> None:
        self.conn.execute("INSERT INTO log (at, service, mahoso, outcome, detail) "
                          "VALUES (?, ?, ?, ?, ?)",
                          (time.time(), str(service), str(mahoso or ""), outcome, detail))

    def apply(self, service: str, item: dict[str, Any], updating: bool) -> tuple[str, str]:
        """``(error_code, message)`` for one item, stored durably when accepted."""
        mahoso = item["MaHoSo"]
        canonical = json.dumps(item, sort_keys=True, ensure_ascii=False)
        sha = hashlib.sha256(f"{service}\n{canonical}".encode()).hexdigest()
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                seen = self.conn.execute(
                    "SELECT seq FROM applied WHERE service = ? AND mahoso = ? AND sha256 = ?",
                    (service, mahoso, sha)).fetchone()
                if seen is not None:
                    self.conn.execute("UPDATE applied SET replays = replays + 1 WHERE seq = ?",
                                      (seen[0],))
                    self.log(service, mahoso, "replay")
                    self.conn.execute("COMMIT")
                    return OK, "Đã nhận trước đó"
                known = self.conn.execute("SELECT 1 FROM dossiers WHERE mahoso = ?",
                                          (mahoso,)).fetchone() is not None
                problem = None
                if service == DONGBO and known and not updating:
                    problem = EXISTS, f"Hồ sơ {mahoso} đã tồn tại, hãy gửi isUpdating True"
                elif (service == TIENDO or updating) and not known:
                    problem = UNKNOWN, f"Không tìm thấy hồ sơ {mahoso}"
                if problem is not None:
                    self.log(service, mahoso, "rejected", problem[1])
                    self.conn.execute("COMMIT")
                    return problem
                self.conn.execute("INSERT INTO applied (service, mahoso, sha256, item, at) "
                                  "VALUES (?, ?, ?, ?, ?)",
                                  (service, mahoso, sha, canonical, time.time()))
                if service == DONGBO:
                    self.conn.execute("INSERT INTO dossiers (mahoso, item) VALUES (?, ?) "
                                      "ON CONFLICT (mahoso) DO UPDATE SET item = excluded.item",
                                      (mahoso, canonical))
                self.log(service, mahoso, "applied")
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        return OK, "Thành công"

    def received(self) -> dict[str, Any]:
        rows = self.conn.execute("SELECT service, mahoso, sha256, item, replays FROM applied "
                                 "ORDER BY seq").fetchall()
        log = self.conn.execute("SELECT outcome, count(*) FROM log GROUP BY outcome").fetchall()
        return {"applied": [{"service": s, "MaHoSo": m, "sha256": h, "item": json.loads(i),
                             "replays": r} for s, m, h, i, r in rows],
                "outcomes": dict(log)}


def _answer(code: str, message: str, status: int = 200, **extra: Any) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message, **extra}, status_code=status)


def _envelope(message: str) -> JSONResponse:
    """A request the portal cannot take at all (not one item's fault): HTTP 400."""
    return _answer(INVALID, message, 400)


def create_emulator(state: EmulatorState, token_path: str = "/token",
                    sync_path: str = "/syncData") -> FastAPI:
    app = FastAPI(title="DVCQG sync API emulator", docs_url=None, redoc_url=None)

    @app.post(token_path)
    async def token(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("username") != state.user \
                or not secrets.compare_digest(str(body.get("password", "")), state.password):
            state.log("token", "", "login_refused")
            return _answer(BAD_SESSION, "Tên đăng nhập hoặc mật khẩu không đúng")
        session = secrets.token_urlsafe(24)
        state.sessions[session] = time.monotonic() + state.session_ttl
        return _answer(OK, "Thành công", session=session, expires_in=int(state.session_ttl))

    @app.post(sync_path)
    async def sync(request: Request) -> Response:
        fault = dict(state.faults) if state.faults.get("count", 0) > 0 else {}
        if fault:
            state.faults["count"] -= 1
        if fault.get("mode") == "500" and not fault.get("apply"):
            return PlainTextResponse("Internal Server Error", status_code=500)
        try:
            body = await request.json()
        except ValueError:
            return _envelope("Dữ liệu gửi lên không phải JSON")
        reply = _sync(state, request, body)
        if fault.get("mode") == "slow":
            await asyncio.sleep(float(fault.get("delay", 5)))
        elif fault.get("mode") == "500":
            return PlainTextResponse("Internal Server Error", status_code=500)
        elif fault.get("mode") == "garbage":
            return PlainTextResponse("<html><body>Gateway timeout</body></html>")
        elif fault.get("mode") == "wrongjson":
            return JSONResponse({"status": "ok", "data": None})
        return reply

    @app.post("/_emulator/faults")
    async def faults(request: Request) -> dict[str, Any]:
        state.faults = {"mode": "", "count": 0, **(await request.json())}
        return state.faults

    @app.post("/_emulator/sessions/expire")
    async def expire() -> dict[str, int]:
        n = len(state.sessions)
        state.sessions.clear()
        return {"expired": n}

    @app.get("/_emulator/received")
    async def received() -> dict[str, Any]:
        return state.received()

    return app


def _sync(state: EmulatorState, request: Request, body: Any) -> JSONResponse:
    if not isinstance(body, dict):
        return _envelope("Dữ liệu gửi lên phải là một đối tượng JSON")
    session = body.get("session")
    if not isinstance(session, str) or state.sessions.get(session, 0) < time.monotonic():
        state.sessions.pop(str(session), None)
        state.log(body.get("service"), "", "bad_session")
        return _answer(BAD_SESSION, "Phiên làm việc không hợp lệ hoặc đã hết hạn")
    if state.dstcode and request.headers.get("dstcode") != state.dstcode:
        return _envelope("Thiếu hoặc sai tiêu đề dstcode")
    if body.get("madonvi") not in state.units:
        return _envelope(f"Mã đơn vị {body.get('madonvi')!r} không được phép đồng bộ")
    service = body.get("service")
    if service not in (DONGBO, TIENDO):
        return _envelope(f"Dịch vụ {service!r} không tồn tại")
    updating = body.get("isUpdating")
    if service == DONGBO and updating not in ("True", "False"):
        return _envelope("Trường isUpdating phải là \"True\" hoặc \"False\"")
    data = body.get("data")
    if not isinstance(data, list) or not data:
        return _envelope("Trường data phải là danh sách khác rỗng")
    check = check_dossier if service == DONGBO else check_progress
    for item in data:
        if (problem := check(item)) is not None:
            state.log(service, item.get("MaHoSo") if isinstance(item, dict) else "",
                      "rejected", problem)
            return _answer(INVALID, problem, MaHoSo=item.get("MaHoSo")
                           if isinstance(item, dict) else None)
    results = []
    for item in data:
        code, message = state.apply(service, item, updating == "True")
        if code != OK:
            return _answer(code, message, MaHoSo=item["MaHoSo"])
        results.append({"MaHoSo": item["MaHoSo"], "message": message})
    return _answer(OK, "Thành công", result=results)


def serve(port: int, state_file: Path, user: str, password: str, units: set[str],
          dstcode: str = "", host: str = "127.0.0.1") -> None:
    import uvicorn

    state = EmulatorState(state_file, user, password, units, dstcode)
    uvicorn.run(create_emulator(state), host=host, port=port, log_level="warning")
