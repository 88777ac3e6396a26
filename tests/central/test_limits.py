"""Slow and greedy clients against the real server, over real sockets (issue 22 §2):
slow-loris headers closed, bodies dripped a byte at a time cut, connections capped, and
huge bodies refused before they are read — the server's memory measured, not its speed.

Waits are bounded conditions ("closed within 30 s"), never assertions about time.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.limits import ServerLimits
from central.runner import ServerThread
from tests.central.helpers import UNIT, dossier, new_id, upload

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], bool], bound: float = 30.0) -> bool:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def closed(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` (an answer it sent first is read and dropped)."""
    while True:
        ready, _w, _x = select.select([sock], [], [], 0)
        if not ready:
            return False
        try:
            if sock.recv(65536) == b"":
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def answer_of(sock: socket.socket, bound: float = 30.0) -> bytes:
    """The server's answer (until it closes or the bound); never blocks past the bound."""
    data = b""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([sock], [], [], 0.1)
        if ready:
            try:
                part = sock.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
            if b"\r\n\r\n" in data:
                head, _sep, body = data.partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if length and len(body) >= length[0]:
                    break
    return data


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., tuple[ServerThread, str]]]:
    servers: list[ServerThread] = []

    def make(**limits: object) -> tuple[ServerThread, str]:
        db = Database(str(tmp_path / f"c{len(servers)}.sqlite3"))
        token = service.add_device(db, UNIT, "quầy 1")["token"]
        srv = ServerThread(db, BlobStore(tmp_path / f"blobs{len(servers)}"),
                           limits=ServerLimits(**limits)).start()  # type: ignore[arg-type]
        servers.append(srv)
        return srv, token

    yield make
    for srv in servers:
        srv.stop()


def test_slow_loris_headers_are_closed_and_connections_capped(make_server) -> None:
    """500 connections sending their headers a byte at a time: the server holds at most
    its cap (the rest get 503 and are closed) and closes every one at its header deadline."""
    srv, _token = make_server(max_connections=100, header_timeout=1.0)
    socks = [connect(srv.port) for _ in range(500)]
    most = 0
    try:
        for s in socks:
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
        busy = 0
        open_socks = list(socks)
        deadline = time.monotonic() + 60
        while open_socks and time.monotonic() < deadline:
            most = max(most, srv.open_connections)
            still = []
            for s in open_socks:
                ready, _w, _x = select.select([s], [], [], 0)
                if ready:
                    try:
                        data = s.recv(65536)
                    except ConnectionResetError:
                        continue
                    if data.startswith(b"HTTP/1.1 503"):
                        busy += 1
                        continue
                    if data == b"":
                        continue
                try:
                    s.send(b"X")  # one more header byte, never the end of the headers
                except OSError:
                    continue
                still.append(s)
            open_socks = still
            time.sleep(0.2)
        assert not open_socks, f"{len(open_socks)} slow-loris connections still open"
        assert most <= 100 and busy >= 390, (most, busy)
        assert wait_until(lambda: srv.open_connections == 0)
        assert httpx.get(f"{srv.url}/v1/health", timeout=10).status_code == 200
    finally:
        for s in socks:
            s.close()


def test_an_idle_connection_is_closed(make_server) -> None:
    srv, _token = make_server(header_timeout=1.0, keep_alive_timeout=1.0)
    silent = connect(srv.port)  # connects and never sends a byte
    kept = connect(srv.port)  # one request, then idle on keep-alive
    kept.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer_of(kept).startswith(b"HTTP/1.1 200")
    assert wait_until(lambda: closed(silent)) and wait_until(lambda: closed(kept))
    silent.close()
    kept.close()


def test_an_answer_nobody_reads_is_dropped(make_server) -> None:
    srv, token = make_server(send_timeout=1.0)
    data = os.urandom(8 << 20)
    sha = hashlib.sha256(data).hexdigest()
    with httpx.Client(base_url=srv.url, timeout=60) as client:
        assert upload(client, token, data, chunk=len(data)) == sha
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills at once
    sock.connect(("127.0.0.1", srv.port))
    sock.sendall(f"GET /v1/blobs/{sha} HTTP/1.1\r\nHost: x\r\n"
                 f"Authorization: Bearer {token}\r\n\r\n".encode())
    try:  # and never read: the server gives up on it
        assert wait_until(lambda: srv.open_connections == 0)
    finally:
        sock.close()


def _drip(sock: socket.socket, byte: bytes = b"{", every: float = 0.1,
          bound: float = 60.0) -> int:
    """Send one byte at a time until the server closes; returns the bytes sent."""
    sent = 0
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline and not closed(sock):
        try:
            sock.send(byte)
        except OSError:
            break
        sent += 1
        time.sleep(every)
    return sent


def test_a_body_dripped_a_byte_at_a_time_is_cut(make_server) -> None:
    srv, token = make_server(body_timeout=1.0, body_min_rate=1024)
    sock = connect(srv.port)
    sock.sendall(f"PUT /v1/dossiers/{new_id()} HTTP/1.1\r\nHost: x\r\n"
                 f"Authorization: Bearer {token}\r\nIdempotency-Key: k1\r\n"
                 "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n".encode())
    sent = _drip(sock)
    assert sent < 5000 and closed(sock)  # cut long before the body could end
    sock.close()
    with srv.db.transaction(write=False) as tx:
        assert tx.one("SELECT count(*) AS n FROM dossiers") == {"n": 0}


def test_a_slow_but_steady_body_is_not_cut(make_server) -> None:
    """Above the minimum rate the deadline keeps moving: a dossier over a slow link (4 KiB/s
    against a minimum of 1 KiB/s) arrives although it takes longer than body_timeout."""
    srv, token = make_server(body_timeout=1.0, body_min_rate=1024)
    body = json.dumps(dossier(1001)).encode() + b" " * 12_000
    sock = connect(srv.port)
    sock.sendall(f"PUT /v1/dossiers/{new_id()} HTTP/1.1\r\nHost: x\r\n"
                 f"Authorization: Bearer {token}\r\nIdempotency-Key: slow\r\n"
                 "Content-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode())
    for start in range(0, len(body), 1024):
        sock.sendall(body[start:start + 1024])
        time.sleep(0.25)  # the pace of the link being simulated, not a wait for the server
    answer = answer_of(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]


def test_a_body_over_its_cap_is_refused_from_content_length_or_while_streaming(
        make_server) -> None:
    srv, token = make_server(max_json_body=64 * 1024)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k",
               "Content-Type": "application/json"}
    r = httpx.put(f"{srv.url}/v1/dossiers/{new_id()}", content=b" " * 70_000,
                  headers=headers, timeout=30)
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"
    assert r.json()["max_size"] == 64 * 1024

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(100):
            yield b" " * 4096

    r = httpx.put(f"{srv.url}/v1/dossiers/{new_id()}", content=chunks(), headers=headers,
                  timeout=30)
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"
    # Within the cap, the same endpoint is served as before.
    r = httpx.put(f"{srv.url}/v1/dossiers/{new_id()}", content=b"{", headers=headers,
                  timeout=30)
    assert r.status_code == 400 and r.json()["error"] == "invalid_json"


# --- memory: the real `kiosk central serve` process -------------------------------------

def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, _rss(self.pid))
            time.sleep(0.02)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, str]]:
    db_path = tmp_path / "central.sqlite3"
    db = Database(str(db_path))
    token = service.add_device(db, UNIT, "quầy 1")["token"]
    db.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "KIOSK_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "central", "serve", "--db",
                             str(db_path), "--blobs", str(tmp_path / "blobs"), "--port",
                             str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: _healthy(port), 60), "server did not start"
        yield proc, port, token
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _flood(port: int, head: str, total: int) -> tuple[bytes, int]:
    """Send ``head`` and then up to ``total`` body bytes as fast as the server takes them;
    returns the server's answer and the bytes it let us send before it closed."""
    sock = connect(port)
    sock.sendall(head.encode())
    block = b"[" * (1 << 20)
    sock.sendall(block)
    answer = answer_of(sock, bound=30)
    sent = len(block)
    sock.settimeout(10)
    try:
        while sent < total:
            sock.sendall(block)
            sent += len(block)
    except OSError:
        pass
    sock.close()
    return answer, sent


def test_huge_bodies_are_refused_before_they_are_read(served) -> None:
    proc, port, token = served
    url = f"http://127.0.0.1:{port}"
    # Warm up the code paths a refusal uses, then take the baseline.
    for _ in range(3):
        httpx.put(f"{url}/v1/dossiers/{new_id()}", content=b"{}", timeout=10,
                  headers={"Authorization": "Bearer nope", "Content-Type": "application/json"})
        httpx.put(f"{url}/v1/dossiers/{new_id()}", content=b"{}", timeout=10, headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": "w",
            "Content-Type": "application/json"})
    baseline = _rss(proc.pid)
    sampler = Sampler(proc.pid)
    sampler.start()
    try:
        # 300 MB of JSON with a wrong token: 401 from the headers alone.
        answer, _sent = _flood(port, f"PUT /v1/dossiers/{new_id()} HTTP/1.1\r\nHost: x\r\n"
                               "Authorization: Bearer wrong-token\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 300000000\r\n\r\n", 300_000_000)
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
        # 400 MB with a valid token: 413 from Content-Length.
        answer, _sent = _flood(port, f"PUT /v1/dossiers/{new_id()} HTTP/1.1\r\nHost: x\r\n"
                               f"Authorization: Bearer {token}\r\nIdempotency-Key: big\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 400000000\r\n\r\n", 400_000_000)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        body = json.loads(answer.partition(b"\r\n\r\n")[2])
        assert body["error"] == "body_too_large"
        # No Content-Length at all (chunked): cut as it streams past the cap.
        sock = connect(port)
        sock.sendall(f"PUT /v1/dossiers/{new_id()} HTTP/1.1\r\nHost: x\r\n"
                     f"Authorization: Bearer {token}\r\nIdempotency-Key: chunked\r\n"
                     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                     .encode())
        chunk = b"100000\r\n" + b"[" * 0x100000 + b"\r\n"
        got = b""
        try:
            for _ in range(200):
                sock.sendall(chunk)
                ready, _w, _x = select.select([sock], [], [], 0)
                if ready:
                    break
        except OSError:
            pass
        got = answer_of(sock)
        sock.close()
        assert got.startswith(b"HTTP/1.1 413"), got[:200]
        assert _healthy(port)
    finally:
        sampler.stop.set()
        sampler.join()
    growth = sampler.peak - baseline
    assert growth < 40 << 20, f"the server grew by {growth >> 20} MiB"
