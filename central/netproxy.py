"""A fault-injecting TCP proxy for loopback tests and benchmarks (``tc netem`` is missing).

Faults are bounded: each one has a count and is spent when used, so a test always ends with
a clean link. Supported: fixed latency, a bandwidth cap (a token bucket shared by all
connections and both directions), black-hole (accept and never answer), reset after N
bytes from the client, and dropping the server's answer after it was produced (the server
committed; the client never hears it).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Faults:
    latency: float = 0.0
    #: bytes per second across the link; 0 = unlimited
    rate: float = 0.0
    black_hole: int = 0
    #: list of byte counts: each new connection takes one and is reset after that many bytes
    reset_after: list[int] = field(default_factory=list)
    drop_response: int = 0


class _Bucket:
    #: How far the schedule may fall behind the clock and still be caught up (a link's
    #: burst). Without it every late wake-up (sleep overshoot, a busy CPU) was lost for good
    #: and the "16 Mbit/s" link carried about 83 % of that even for one raw stream.
    BURST_SECONDS = 0.05

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = time.monotonic()

    def take(self, n: int, rate: float) -> None:
        if rate <= 0:
            return
        with self._lock:
            start = max(self._next, time.monotonic() - self.BURST_SECONDS)
            self._next = start + n / rate
            wait = start - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        # Serialise the byte time itself too, so the cap holds for bursts.
        end_wait = self._next - time.monotonic()
        if end_wait > 0:
            time.sleep(min(end_wait, n / rate))


def _rst(sock: socket.socket) -> None:
    """Drop the connection with a TCP reset, waking any thread blocked reading it."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class FaultProxy:
    def __init__(self, target_port: int, faults: Faults | None = None,
                 target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.faults = faults or Faults()
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0
        self.faults_fired: dict[str, int] = {"black_hole": 0, "reset": 0, "drop_response": 0}
        self._lock = threading.Lock()
        self._bucket = _Bucket()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._socks: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            for s in list(self._socks):
                _rst(s)

    def cut_all(self) -> int:
        """Reset every open connection now (a link that drops)."""
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            _rst(s)
        return len(socks)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        f = self.faults
        with self._lock:
            self.connections += 1
            if f.black_hole > 0:
                f.black_hole -= 1
                self.faults_fired["black_hole"] += 1
                hole = True
            else:
                hole = False
            reset_at = f.reset_after.pop(0) if f.reset_after else None
            drop = f.drop_response > 0
            if drop:
                f.drop_response -= 1
            self._socks.add(client)
        if hole:
            # Swallow what the client sends; never answer (the client's timeout must fire).
            client.settimeout(60)
            try:
                while client.recv(65536):
                    pass
            except OSError:
                pass
            self._forget(client)
            return
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            _rst(client)
            self._forget(client)
            return
        with self._lock:
            self._socks.add(upstream)
        state = {"up": 0, "responded": False}
        t = threading.Thread(target=self._pump_up, args=(client, upstream, reset_at, state),
                             daemon=True)
        t.start()
        self._pump_down(upstream, client, drop, state)
        t.join(5)
        self._forget(client)
        self._forget(upstream)

    def _forget(self, s: socket.socket) -> None:
        with self._lock:
            self._socks.discard(s)
        try:
            s.close()
        except OSError:
            pass

    def _pump_up(self, client: socket.socket, upstream: socket.socket, reset_at: int | None,
                 state: dict[str, int | bool]) -> None:
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    upstream.shutdown(socket.SHUT_WR)
                    return
                if reset_at is not None and int(state["up"]) + len(data) >= reset_at:
                    keep = reset_at - int(state["up"])
                    if keep > 0:
                        self._send(upstream, data[:keep], up=True)
                    with self._lock:
                        self.faults_fired["reset"] += 1
                    _rst(client)
                    _rst(upstream)
                    return
                state["up"] = int(state["up"]) + len(data)
                self._send(upstream, data, up=True)
        except OSError:
            _rst(upstream)

    def _pump_down(self, upstream: socket.socket, client: socket.socket, drop: bool,
                   state: dict[str, int | bool]) -> None:
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    client.shutdown(socket.SHUT_WR)
                    return
                if drop:
                    # The server has processed the request and answered: lose the answer.
                    with self._lock:
                        self.faults_fired["drop_response"] += 1
                    _rst(client)
                    _rst(upstream)
                    return
                self._send(client, data, up=False)
        except OSError:
            _rst(client)

    def _send(self, sock: socket.socket, data: bytes, *, up: bool) -> None:
        if self.faults.latency:
            time.sleep(self.faults.latency)
        view = memoryview(data)
        step = 16384
        while view:
            part = view[:step]
            self._bucket.take(len(part), self.faults.rate)
            sock.sendall(part)
            with self._lock:
                if up:
                    self.bytes_up += len(part)
                else:
                    self.bytes_down += len(part)
            view = view[step:]
