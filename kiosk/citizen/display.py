"""The wall display (issue 27): a web page the whole room sees, with the last numbers called
and their counters, large, in Vietnamese, updated as soon as a call is made.

``kiosk queue display`` serves it from any PC of the unit (the display PC itself, or a
counter): ``/`` is the page, ``/events`` a Server-Sent Events stream the page listens to,
``/status`` the same state as JSON. One poller reads the queue's state (the central server's
calls merged with this machine's offline ones, :meth:`QueueService.status`) every
``queue.display_poll_ms`` and pushes it to every open page only when it changed, so ten
screens cost the server one request per poll, and a call shows within a poll plus a
render. The page holds only numbers and counters: nothing about the people.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kiosk import paths

log = logging.getLogger(__name__)
PAGE = paths.asset("display", "index.html")


class DisplayState:
    """The latest queue state and a condition the event streams wait on."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.version = 0
        self.body = b"{}"

    def publish(self, state: dict[str, Any]) -> None:
        body = json.dumps(state, ensure_ascii=False, sort_keys=True).encode()
        with self.cond:
            if body != self.body:
                self.body = body
                self.version += 1
                self.cond.notify_all()

    def wait_newer(self, version: int, timeout: float) -> tuple[int, bytes]:
        with self.cond:
            self.cond.wait_for(lambda: self.version != version, timeout=timeout)
            return self.version, self.body


def display_state(status: dict[str, Any], centre: str) -> dict[str, Any]:
    """What the page shows: the centre's name, the calls (newest first), waiting per group."""
    return {"centre": centre, "calls": [
        {"label": c["label"], "counter": c.get("counter"), "service": c["service"],
         "at": c.get("called_at")} for c in status.get("calls") or []],
        "waiting": [{"service": g["service"], "name": g["name"], "waiting": g["waiting"]}
                    for g in status.get("services") or []]}


class DisplayServer:
    def __init__(self, queue: Any, *, bind: str = "0.0.0.0", port: int = 8089,
                 poll_ms: int = 300) -> None:
        self.queue, self.poll = queue, poll_ms / 1000
        self.state = DisplayState()
        self.stopping = threading.Event()
        self.page = PAGE.read_bytes()
        self.httpd = ThreadingHTTPServer((bind, port), self._handler())
        self.httpd.daemon_threads = True
        self.centre = str(queue.config.get("unit.centre_name"))
        self.wav_served = 0

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{'127.0.0.1' if name == '0.0.0.0' else name}:{port}/"

    def refresh(self) -> None:
        try:
            self.state.publish(display_state(self.queue.status(), self.centre))
        except Exception as exc:  # a display keeps showing the last state it had
            log.warning("display: queue state not read: %s", exc)

    def _poller(self) -> None:
        while not self.stopping.is_set():
            self.refresh()
            self.stopping.wait(self.poll)

    def start(self) -> DisplayServer:
        self.refresh()
        threading.Thread(target=self._poller, name="display-poll", daemon=True).start()
        threading.Thread(target=self.httpd.serve_forever, name="display-http",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        with self.state.cond:
            self.state.cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    def spoken(self, label: str, counter: str) -> Path | None:
        """The spoken call of a number called here (kept in the data folder), or None for a
        number not among the calls shown (the page asks only for those) or no espeak-ng."""
        state = json.loads(self.state.body or b"{}")
        if not any(c.get("label") == label and str(c.get("counter")) == counter
                   for c in state.get("calls") or []):
            return None
        out = paths.data_dir() / "calls" / f"{label}-{counter}.wav"
        if not out.is_file():
            from kiosk.citizen.announce import render_call
            from kiosk.errors import KioskError

            try:
                render_call(label, int(counter), out, self.queue.config)
            except KioskError as exc:
                log.warning("display: no spoken call: %s", exc)
                return None
        return out

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug("display: " + fmt, *args)

            def _send(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/":
                    self._send(server.page, "text/html; charset=utf-8")
                elif path == "/status":
                    self._send(server.state.body, "application/json; charset=utf-8")
                elif path == "/events":
                    self._events()
                elif path == "/call.wav":
                    self._call_wav()
                else:
                    self.send_error(404)

            def _call_wav(self) -> None:
                from urllib.parse import parse_qs, urlsplit

                query = parse_qs(urlsplit(self.path).query)
                label = (query.get("label") or [""])[0]
                counter = (query.get("counter") or [""])[0]
                path = server.spoken(label, counter)
                if path is None:
                    self.send_error(404)
                    return
                server.wav_served += 1
                self._send(path.read_bytes(), "audio/wav")

            def _events(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                version = -1
                try:
                    while not server.stopping.is_set():
                        newer, body = server.state.wait_newer(version, timeout=15)
                        if newer == version:  # keeps proxies and the browser's link alive
                            self.wfile.write(b": ping\n\n")
                        else:
                            version = newer
                            self.wfile.write(b"data: " + body + b"\n\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return

        return Handler
