"""Slow and greedy clients, bounded at the connection (uvicorn's HTTP/1.1 protocol, extended).

uvicorn alone keeps a connection that sends nothing, or sends its headers a byte at a time,
or a body at one byte a second, open for ever: 4,000 such connections held 4,000 sockets
and file descriptors. :class:`GuardedH11Protocol` adds, per :class:`ServerLimits`:

- a cap on open connections (the next one gets a 503 and is closed);
- a header deadline from the connection's start, or from the first byte of the next
  request on a kept-alive connection;
- a body deadline that grows with the bytes received (``body_timeout`` plus a second per
  ``body_min_rate`` bytes), counted only while the application is reading: a body the
  server is not reading yet (flow control) does not count against the client;
- a send deadline while an answer waits for a client that reads nothing;
- after an answer to a request whose body was not read (401, 413, a tus PATCH refused), a
  rest of at most ``drain_limit`` bytes is read and dropped (the connection goes on);
  beyond that the server half-closes, drains what still comes for ``linger`` seconds so the
  client can read the answer, and closes — instead of reading the rest of a 300 MB body;
- an idle kept-alive connection is closed after ``keep_alive_timeout``.

The checks are timers on the event loop (one per connection), not threads.
"""

from __future__ import annotations

import asyncio
import json
import time
from email.utils import formatdate
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from central.limits import ServerLimits
from kiosk.i18n import _


def _busy_answer(retry_after: int) -> bytes:
    body = json.dumps({"error": "server_busy",
                       "message": _("Máy chủ đang quá tải; hãy thử lại sau.")},
                      ensure_ascii=False).encode()
    head = (f"HTTP/1.1 503 Service Unavailable\r\ndate: {formatdate(usegmt=True)}\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
            f"retry-after: {retry_after}\r\nconnection: close\r\n\r\n")
    return head.encode() + body


class GuardedH11Protocol(H11Protocol):
    limits: ClassVar[ServerLimits] = ServerLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._timer: asyncio.TimerHandle | None = None
        self._send_timer: asyncio.TimerHandle | None = None
        self._body_start = 0.0
        self._body_bytes = 0
        if len(self.connections) >= self.limits.max_connections:
            # Refused before uvicorn counts it: the server never holds more than the cap.
            self._phase = "refused"
            transport.write(_busy_answer(5))
            transport.close()
            return
        super().connection_made(transport)
        self._phase = "headers"
        self._deadline = time.monotonic() + self.limits.header_timeout
        self._arm(self._deadline)

    def data_received(self, data: bytes) -> None:
        if self._phase in ("closing", "refused"):
            return  # the answer is sent: what the client still sends is dropped
        if self._phase == "idle":
            # The first byte of the next request on a kept-alive connection.
            self._phase = "headers"
            self._deadline = time.monotonic() + self.limits.header_timeout
            self._arm(self._deadline)
        if self._phase == "body":
            self._body_bytes += len(data)
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing() or self._phase == "closing":
            return
        if self.conn.their_state is h11.SEND_BODY:
            # Answered before the body was read (401, 413, a PATCH refused): a small rest
            # is read and dropped so the connection serves the next request; a large one
            # is not read at all.
            left = self._declared_body()
            if left is None or left - self._body_bytes > self.limits.drain_limit:
                self._linger()
            return  # still "body": the rest must come at the body's pace
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        if self._phase == "refused":
            return  # uvicorn never saw it
        self._phase = "closing"
        super().connection_lost(exc)

    def eof_received(self) -> None:
        if self._phase != "refused":
            super().eof_received()

    def pause_writing(self) -> None:
        if self._phase == "refused":
            return
        super().pause_writing()
        if self._phase != "closing":
            self._send_timer = self.loop.call_later(self.limits.send_timeout, self._abort)

    def resume_writing(self) -> None:
        if self._phase == "refused":
            return
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    # --- the request's phases ---------------------------------------------------------

    def _follow(self) -> None:
        """After bytes arrived: the request may have moved from headers to body to done."""
        if self._phase == "closing":
            return
        state = self.conn.their_state
        if state is h11.IDLE and self._phase in ("body", "app"):
            # The request and its answer are done (uvicorn started the next cycle).
            self._phase = "idle"
            self._arm(time.monotonic() + self.limits.keep_alive_timeout)
        elif state is h11.SEND_BODY and self._phase != "body":
            self._phase = "body"
            self._body_start = time.monotonic()
            self._body_bytes = 0
            self._arm(self._body_start + self.limits.body_timeout)
        elif state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR):
            self._phase = "app"  # the request is in; the application answers in its time
            self._cancel()

    def _body_deadline(self) -> float:
        return (self._body_start + self.limits.body_timeout
                + self._body_bytes / self.limits.body_min_rate)

    def _expired(self) -> None:
        self._timer = None
        if self._phase == "headers":
            self._abort()
        elif self._phase == "body":
            now = time.monotonic()
            if self.flow.read_paused:
                # The server is not reading (the app is busy): not the client's time.
                self._body_start, self._body_bytes = now, 0
                self._arm(now + self.limits.body_timeout)
            elif now < self._body_deadline():
                self._arm(self._body_deadline())
            else:
                self._abort()
        elif self._phase in ("closing", "idle"):
            self.transport.close()

    def _declared_body(self) -> int | None:
        for name, value in self.headers or ():
            if name == b"content-length" and value.strip().isdigit():
                return int(value)
        return None

    def _linger(self) -> None:
        self._phase = "closing"
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._arm(time.monotonic() + self.limits.linger)

    def _abort(self) -> None:
        self._cancel()
        self._phase = "closing"
        # The application (if it is reading the body) sees a disconnect and keeps what
        # arrived (a tus PATCH) or gives up. abort(), not close(): close() waits until the
        # write buffer is sent, which a client that reads nothing never lets happen.
        self.transport.abort()

    def _arm(self, at: float) -> None:
        self._cancel()
        self._timer = self.loop.call_later(max(0.0, at - time.monotonic()), self._expired)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def protocol_class(limits: ServerLimits) -> type[GuardedH11Protocol]:
    """The protocol uvicorn runs (``Config(http=...)``) with these limits."""
    return type("LimitedH11Protocol", (GuardedH11Protocol,), {"limits": limits})
