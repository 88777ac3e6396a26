"""The kernel-shaped link for ``bench/sync_backlog.py --modes kernel``: a veth pair into a
network namespace, ``tc tbf`` on the counter's side, optional random loss by nftables in the
namespace, the central server (TLS, a private CA) listening inside it, and curl carrying the
same bytes over the same link as the baseline.

Needs root, ``ip``, ``tc`` and ``openssl`` (``nft`` for the loss runs, ``curl`` for the
baseline); ``unavailable()`` names what is missing so the bench skips with the reason.

The server runs in this process: a listening socket is created inside the namespace
(``setns`` on this thread, then back) and handed to uvicorn, so the server-side counters of
the bench still see every request. Counter → server data crosses the host side of the veth,
where the shaper is; the server's answers and ACKs come back unshaped.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

CLONE_NEWNET = 0x40000000


def _run(*cmd: str, ns: str = "", check: bool = True) -> str:
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    r = subprocess.run(full, capture_output=True, text=True, timeout=60)
    if check and r.returncode:
        raise RuntimeError(f"{' '.join(full)}: {r.stderr.strip() or r.returncode}")
    return r.stdout


def unavailable() -> str:
    """Why the kernel-shaped link cannot be built here ('' when it can)."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, tc)"
    for tool in ("ip", "tc", "openssl"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed"
    probe = f"klprobe{os.getpid() % 100000}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode:
        return f"cannot create a network namespace: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return ""


def make_pki(d: Path, ip: str) -> dict[str, Path]:
    """A private CA and a server certificate for ``ip`` (as tests/sync/test_tls.py does)."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=bench link CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", f"/CN={ip}")
    (d / "san.ext").write_text(f"subjectAltName=IP:{ip}\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server.key"}


class Link:
    """veth pair host ↔ namespace, 10.(200+n).x.1 ↔ .2, tbf on the host side."""

    def __init__(self, rate_mbit: float, latency_ms: float, burst: str) -> None:
        n = os.getpid() % 100000
        self.ns = f"klink{n}"
        self.host_if, self.ns_if = f"kl{n}h", f"kl{n}n"
        self.rate_mbit, self.latency_ms, self.burst = rate_mbit, latency_ms, burst
        octet = n % 250
        self.host_ip, self.ip = f"10.213.{octet}.1", f"10.213.{octet}.2"
        self.loss = 0

    def __enter__(self) -> Link:
        _run("ip", "netns", "add", self.ns)
        try:
            _run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            _run("ip", "link", "set", self.ns_if, "netns", self.ns)
            _run("ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            _run("ip", "link", "set", self.host_if, "up")
            _run("ip", "addr", "add", f"{self.ip}/30", "dev", self.ns_if, ns=self.ns)
            _run("ip", "link", "set", self.ns_if, "up", ns=self.ns)
            _run("ip", "link", "set", "lo", "up", ns=self.ns)
            self.reset_shaper()
        except Exception:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        # Deleting the namespace deletes its veth end and with it the pair.
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True)

    def reset_shaper(self) -> None:
        """A fresh tbf (counters at zero) at the link's rate."""
        subprocess.run(["tc", "qdisc", "del", "dev", self.host_if, "root"], capture_output=True)
        _run("tc", "qdisc", "add", "dev", self.host_if, "root", "tbf",
             "rate", f"{self.rate_mbit:g}mbit", "burst", self.burst,
             "latency", f"{self.latency_ms:g}ms")

    def shaper_stats(self) -> dict[str, int]:
        out = _run("tc", "-s", "qdisc", "show", "dev", self.host_if)
        m = re.search(r"Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+)", out)
        if not m:
            raise RuntimeError(f"tc -s qdisc: unexpected output {out!r}")
        sent, pkts, dropped, over = map(int, m.groups())
        return {"bytes": sent, "packets": pkts, "dropped": dropped, "overlimits": over}

    def set_loss(self, percent: int) -> None:
        """Drop ``percent`` % of TCP packets arriving in the namespace (after the shaper)."""
        subprocess.run(["ip", "netns", "exec", self.ns, "nft", "delete", "table", "inet",
                        "klink"], capture_output=True)
        self.loss = percent
        if not percent:
            return
        _run("nft", "add", "table", "inet", "klink", ns=self.ns)
        _run("nft", "add chain inet klink in { type filter hook input priority 0 ; }",
             ns=self.ns)
        _run("nft", f"add rule inet klink in meta l4proto tcp numgen random mod 100 < "
             f"{percent} counter drop", ns=self.ns)

    def loss_dropped(self) -> int:
        if not self.loss:
            return 0
        out = _run("nft", "list", "table", "inet", "klink", ns=self.ns)
        m = re.search(r"counter packets (\d+)", out)
        return int(m.group(1)) if m else 0

    def reset_loss_counter(self) -> None:
        if self.loss:
            self.set_loss(self.loss)

    def listen(self) -> socket.socket:
        """A listening TCP socket on the namespace's address (port chosen by the kernel)."""
        libc = ctypes.CDLL(None, use_errno=True)
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{self.ns}", os.O_RDONLY)
        try:
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns into the link's namespace")
            try:
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.ip, 0))
                sock.listen(512)
            finally:
                if libc.setns(own, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back")
        finally:
            os.close(own)
            os.close(target)
        return sock


class DiscardingSink(socketserver.StreamRequestHandler):
    """Reads HTTP/1.1 requests with a Content-Length, discards the bodies, answers 204
    (bench/sync_backlog.py's raw baseline sends to it too, behind its proxy)."""

    def handle(self) -> None:
        try:
            while True:
                length = 0
                line = self.rfile.readline()
                if not line:
                    return
                while line not in (b"\r\n", b""):
                    name, _sep, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                    line = self.rfile.readline()
                while length:
                    got = self.rfile.read(min(length, 1 << 16))
                    if not got:
                        return
                    length -= len(got)
                self.wfile.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                self.wfile.flush()
        except (OSError, ssl.SSLError):
            pass


class TlsSink(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self, sock: socket.socket, pki: dict[str, Path]) -> None:
        super().__init__(sock.getsockname(), DiscardingSink, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(str(pki["cert"]), str(pki["key"]))

    def get_request(self) -> Any:
        conn, addr = self.socket.accept()
        return self.ctx.wrap_socket(conn, server_side=True), addr


def curl_upload(url: str, ca: Path, body: Path) -> float:
    """Seconds for curl to PUT ``body`` over TLS (one connection, no Expect wait)."""
    r = subprocess.run(["curl", "-sS", "--fail", "--cacert", str(ca), "-H", "Expect:", "-T",
                        str(body), "-o", "/dev/null", "-w", "%{time_total}", url],
                       capture_output=True, text=True, timeout=3600)
    if r.returncode:
        raise RuntimeError(f"curl: {r.stderr.strip()}")
    return float(r.stdout)


def count_files(http: Any) -> dict[str, Any]:
    """Client side, per file (its tus metadata): bytes handed to the transport against its
    length. A file whose bytes went out twice or more was sent twice."""
    state: dict[str, Any] = {"length": {}, "sent": {}, "url": {}, "creations": {}}
    lock = threading.Lock()
    original = http.request

    def request(method: str, url: Any, **kw: Any) -> Any:
        headers = kw.get("headers") or {}
        n = len(kw.get("content") or b"")
        key = None
        if method == "POST" and "Upload-Length" in headers:
            key = str(headers.get("Upload-Metadata"))
            with lock:
                state["length"][key] = int(headers["Upload-Length"])
                state["creations"][key] = state["creations"].get(key, 0) + 1
        elif method == "PATCH":
            key = state["url"].get(str(url).rsplit("/", 1)[-1])
        if key is not None and n:
            with lock:
                state["sent"][key] = state["sent"].get(key, 0) + n
        r = original(method, url, **kw)
        if method == "POST" and key is not None:
            loc = r.headers.get("Location")
            if loc:
                state["url"][loc.rsplit("/", 1)[-1]] = key
        return r

    http.request = request
    return state


def files_sent_twice(state: dict[str, Any]) -> int:
    return sum(1 for k, n in state["sent"].items() if n >= 2 * max(state["length"][k], 1))


def wait_drained(link: Link, seconds: float = 1.0) -> None:
    """Let the shaper's queue empty between phases (its counters are reset afterwards)."""
    time.sleep(seconds)


class DelayRelay:
    """``bench/delay_relay.py`` in the link's namespace: each target (a port in the
    namespace) gets a port of its own that adds ``delay_ms`` of round trip."""

    def __init__(self, link: Link, delay_ms: float, targets: list[int]) -> None:
        self.link, self.delay_ms, self.targets = link, delay_ms, targets
        self.ports: list[int] = []
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> DelayRelay:
        import json
        import sys

        script = Path(__file__).with_name("delay_relay.py")
        cmd = ["ip", "netns", "exec", self.link.ns, sys.executable, str(script), "--bind",
               self.link.ip, "--delay-ms", f"{self.delay_ms:g}"]
        for port in self.targets:
            cmd += ["--to", f"{self.link.ip}:{port}"]
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self.__exit__()
            raise RuntimeError("delay relay did not start")
        self.ports = list(json.loads(line)["ports"])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is None:
            return
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None
