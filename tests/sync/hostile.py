"""A hostile HTTP server on loopback: a reverse proxy in front of the real central server
that misbehaves on command (issue 12 §4) — captive-portal HTML, redirects, truncated or
mistyped JSON, a change feed with ``"next": "abc"``, a naive server time, a ``Location`` on
another port, a body dripped one byte every 2 s, a 300 MB health answer.

Plus :class:`Sink`, a listener on another port that records anything sent to it (the
token and scans must never reach it).
"""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from tests.sync.conftest import Central

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}
#: Every misbehaviour, by name (the test drives them one by one).
MODES = (
    "pass", "portal_everything", "portal_after_health", "redirect_everything",
    "redirect_after_health", "health_naive_time", "health_bad_time", "health_list",
    "truncated_ack", "list_ack", "empty_ack", "string_ack", "mistyped_ack", "other_id_ack",
    "feed_next_abc", "feed_truncated", "foreign_location", "drip_health",
    "huge_health_declared", "huge_health_streamed",
    # issue 22 §1: a proxy that acknowledges without forwarding (records, uploads, both),
    # forged refusals, a tus Location on another path of the same server, Retry-After
    # values meant to park the outbox.
    "lie_put", "lie_upload", "lie", "forge_403", "forge_422", "location_other_path",
    "retry_after_2099", "retry_after_huge", "retry_after_garbage",
)
#: The Retry-After each retry_after_* mode answers a record push with (429 or 503).
RETRY_AFTER = {
    "retry_after_2099": (503, "Thu, 01 Jan 2099 00:00:00 GMT"),
    "retry_after_huge": (429, "9" * 400),
    "retry_after_garbage": (503, "soon, maybe"),
}


class Sink:
    """Records every connection and byte that reaches it (it should stay empty)."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.connections = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(1.0)
            try:
                while data := conn.recv(65536):
                    self.received += data
            except OSError:
                pass
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


class Hostile:
    def __init__(self, upstream: str, sink_port: int) -> None:
        self.upstream = urlsplit(upstream)
        self.sink_port = sink_port
        self.mode = "pass"
        self.fake_version = 0
        self.seen: list[tuple[str, str]] = []
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                hostile.handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = do_DELETE = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Hostile:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- behaviour ------------------------------------------------------------------------

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        path = urlsplit(h.path).path
        self.seen.append((h.command, path))
        mode = self.mode
        health = path == "/v1/health"
        if mode == "portal_everything" or (mode == "portal_after_health" and not health):
            return self._send(h, 200, b"<html><body>Dang nhap Wi-Fi</body></html>",
                              {"Content-Type": "text/html; charset=utf-8"})
        if mode == "redirect_everything" or (mode == "redirect_after_health" and not health):
            return self._send(h, 302, b"", {"Location": "http://192.0.2.1/login"})
        if health and mode.startswith(("health_", "drip_", "huge_")):
            return self._health(h, mode)
        if self._lies(h, mode, path, body):
            return None
        status, headers, answer = self._forward(h, body)
        if h.command == "PUT" and path.startswith("/v1/dossiers/") and status in (200, 201):
            ack = json.loads(answer)
            answer = {
                "truncated_ack": answer[: len(answer) // 2],
                "list_ack": b"[]",
                "empty_ack": b"{}",
                "string_ack": b'"ok"',
                "mistyped_ack": json.dumps({**ack, "server_version": str(ack["server_version"]),
                                            "server_seq": True}).encode(),
                "other_id_ack": json.dumps({**ack, "id": "0190a0a0-0000-7000-8000-0000000000"
                                                         "00"}).encode(),
            }.get(mode, answer)
        if h.command == "GET" and path == "/v1/changes" and status == 200:
            if mode == "feed_next_abc":
                answer = json.dumps({**json.loads(answer), "next": "abc"}).encode()
            elif mode == "feed_truncated":
                answer = answer[:-3]
        if h.command == "POST" and path == "/v1/uploads" and mode == "foreign_location":
            location = headers.pop("location", "")
            upload = location.rsplit("/", 1)[-1]
            headers["location"] = f"http://127.0.0.1:{self.sink_port}/v1/uploads/{upload}"
        if h.command == "POST" and path == "/v1/uploads" and mode == "location_other_path":
            upload = headers.pop("location", "").rsplit("/", 1)[-1]
            headers["location"] = f"/v1/dossiers/{upload}"  # same origin, another path
        self._send(h, status, answer, headers)

    def _lies(self, h: BaseHTTPRequestHandler, mode: str, path: str, body: bytes) -> bool:
        """Answer in the server's place without asking it; True when answered."""
        put = h.command == "PUT" and path.startswith("/v1/dossiers/")
        json_type = {"Content-Type": "application/json", "Tus-Resumable": "1.0.0"}
        if put and mode in ("lie_put", "lie"):
            sent = json.loads(body)
            self.fake_version += 1
            ack = {"id": path.rsplit("/", 1)[-1], "code": sent["code"],
                   "server_version": self.fake_version, "server_seq": self.fake_version,
                   "status": sent["status"]}
            self._send(h, 201, json.dumps(ack).encode(), json_type)
            return True
        if h.command == "POST" and path == "/v1/uploads" and mode in ("lie_upload", "lie"):
            length = h.headers.get("Upload-Length", "0")
            self.fake_version += 1
            self._send(h, 201, b"", {"Tus-Resumable": "1.0.0", "Upload-Offset": length,
                                     "Location": f"/v1/uploads/fake{self.fake_version:08d}"})
            return True
        if put and mode in ("forge_403", "forge_422"):
            status = 403 if mode == "forge_403" else 422
            error = {"error": "wrong_unit" if status == 403 else "invalid_request",
                     "message": f"forged {status}"}
            self._send(h, status, json.dumps(error).encode(), json_type)
            return True
        if put and mode in RETRY_AFTER:
            status, value = RETRY_AFTER[mode]
            self._send(h, status, b'{"error": "busy", "message": "busy"}',
                       {**json_type, "Retry-After": value})
            return True
        return False

    def _forward(self, h: BaseHTTPRequestHandler, body: bytes
                 ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        try:
            headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP}
            if body or h.command in ("POST", "PUT", "PATCH"):
                headers["Content-Length"] = str(len(body))
            target = urlsplit(h.path)  # absolute-form when it serves as a forward proxy
            path = target.path + (f"?{target.query}" if target.query else "")
            conn.request(h.command, path, body=body, headers=headers)
            r = conn.getresponse()
            answer = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()
                              if k.lower() not in HOP}, answer
        finally:
            conn.close()

    def _health(self, h: BaseHTTPRequestHandler, mode: str) -> None:
        if mode in ("health_naive_time", "health_bad_time", "health_list"):
            body: Any = {"status": "ok", "version": "x",
                         "time": "2026-12-01T10:00:00" if mode == "health_naive_time"
                         else "hôm qua"}
            if mode == "health_list":
                body = [body]
            return self._send(h, 200, json.dumps(body).encode(),
                              {"Content-Type": "application/json"})
        try:
            if mode == "drip_health":
                # A valid answer, one byte every 2 s: bounded at 60 s by this server.
                payload = json.dumps({"status": "ok", "time": "2026-12-01T10:00:00+07:00",
                                      "version": "x"}).encode()
                h.send_response(200)
                h.send_header("Content-Type", "application/json")
                h.send_header("Content-Length", str(len(payload)))
                h.end_headers()
                end = time.monotonic() + 60
                for i in range(len(payload)):
                    if time.monotonic() > end:
                        break
                    h.wfile.write(payload[i:i + 1])
                    h.wfile.flush()
                    time.sleep(2)
                return
            # 300 MB of "health": declared up front, or streamed with no length at all.
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            if mode == "huge_health_declared":
                h.send_header("Content-Length", str(300 << 20))
            else:
                h.send_header("Connection", "close")
            h.end_headers()
            block = b"[" + b" " * 65535
            for _i in range((300 << 20) // len(block)):
                h.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: what it should do
        h.close_connection = True

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes,
              headers: dict[str, str]) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)


# --- the CLI as a subprocess, against the hostile server --------------------------------

ROOT = Path(__file__).resolve().parents[2]


# What `python -m kiosk` runs, plus the peak memory of this very process at exit.
# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the forking parent
# (the test process, hundreds of MB late in a full run), while VmHWM belongs to the new
# image alone.
_MAIN = ("import sys\n"
         "from kiosk.cli import main\n"
         "code = main(sys.argv[1:])\n"
         "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
         "print('PEAK_RSS_KIB', hwm[0].split()[1], file=sys.stderr)\n"
         "raise SystemExit(code)\n")


@dataclass
class Rig:
    central: Central
    hostile: Hostile
    sink: Sink
    home: Path
    env: dict[str, str]
    peak_kib: int = 0

    def kiosk(self, *args: str, timeout: float = 120) -> tuple[int, Any, str]:
        """``python -m kiosk ARGS``; the child reports its own peak memory on stderr."""
        run = subprocess.run([sys.executable, "-c", _MAIN, *args], env=self.env, cwd=ROOT,
                             capture_output=True, text=True, timeout=timeout)
        peak = [line for line in run.stderr.splitlines() if line.startswith("PEAK_RSS_KIB ")]
        self.peak_kib = max(self.peak_kib, int(peak[-1].split()[1]) if peak else 0)
        assert "Lỗi không mong đợi" not in run.stderr and "Traceback" not in run.stderr, \
            run.stderr
        out = run.stdout.strip().splitlines()
        return run.returncode, json.loads(out[-1]) if out else None, run.stderr

    def db(self) -> sqlite3.Connection:
        found = list(self.home.rglob("kiosk.sqlite3")) or list(self.home.rglob("*.sqlite3"))
        return sqlite3.connect(f"file:{found[0]}?mode=ro", uri=True)

    def attempts(self) -> dict[str, tuple[int, str]]:
        with self.db() as db:
            return {r[0]: (int(r[1]), r[2]) for r in db.execute(
                "SELECT id, attempts, next_attempt_at FROM outbox").fetchall()}

    def outbox(self) -> dict[str, int]:
        with self.db() as db:
            rows = dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
            uploaded = db.execute(
                "SELECT count(*) FROM outbox_blobs WHERE state = 'uploaded'").fetchone()[0]
        return {**rows, "uploaded_blobs": uploaded}
