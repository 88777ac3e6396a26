"""What one server process accepts from its clients: connections, time, bytes (issue 22).

Declared once here, with the reasons; ``kiosk central serve`` takes each as an option and
docs/SCALING.md ("Limits per process") lists them. They are enforced in two places:

- the connection itself (:mod:`central.guard`, a uvicorn protocol): how many connections,
  how long a client may take to send its headers and its body, how long it may leave an
  answer unread;
- before the application reads a body (:mod:`central.gate`, an ASGI middleware): the device
  token is checked first, and a body larger than its endpoint allows is refused (413) from
  its ``Content-Length`` or while it streams, never buffered whole.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1 << 20


@dataclass(frozen=True)
class ServerLimits:
    #: Open connections per process; beyond it a new one gets 503 and is closed. A counter
    #: uses up to 8 at once while it pushes (4 uploads × 2 dossiers); 300 counters spread
    #: over a few processes stay well below. Needs as many file descriptors (the server
    #: raises its soft RLIMIT_NOFILE to fit, up to the hard limit).
    max_connections: int = 1000
    #: Seconds from the connection (or the first byte of the next request) to the end of
    #: the request's headers. Headers are a few hundred bytes: one round trip on any link.
    header_timeout: float = 15.0
    #: Seconds a body may take before its bytes must keep coming: the deadline is this plus
    #: one second per ``body_min_rate`` bytes received (Apache mod_reqtimeout's rule), so a
    #: slow but steady upload goes on and a body dripped a byte a second is cut.
    body_timeout: float = 20.0
    body_min_rate: int = 4096
    #: Seconds an idle keep-alive connection stays open between requests (the counter's
    #: pool keeps its own for 5 s, so the server never closes under a request in flight).
    keep_alive_timeout: float = 30.0
    #: Seconds the server waits while a client reads nothing of an answer (a 1 GB download
    #: to a client that stopped reading).
    send_timeout: float = 60.0
    #: After answering a request whose body it did not read (401, 413...): a rest up to
    #: ``drain_limit`` bytes is read and dropped, so the connection serves the next request
    #: (a counter's chunk is at most 2 MiB); a larger one is drained for ``linger`` seconds
    #: only, so the client can read the answer, and the connection is closed.
    drain_limit: int = 4 * MIB
    linger: float = 5.0
    #: Request line and headers together (h11's incomplete event size).
    max_header_bytes: int = 16 * 1024
    #: JSON bodies (a dossier with hundreds of pages is a few hundred KB).
    max_json_body: int = 2 * MIB
    #: Largest blob (tus ``Upload-Length``, advertised as ``Tus-Max-Size``); a PATCH may
    #: carry any part of it, streamed to disk.
    max_blob_size: int = 1024 * MIB

    def body_cap(self, method: str, path: str) -> int:
        """The most bytes a request to ``path`` may carry."""
        if path == "/v1/uploads" or path.startswith("/v1/uploads/"):
            return self.max_blob_size
        if path == "/province/publications":
            return max(self.max_json_body, 16 * MIB)  # a catalog file, as a form upload
        return self.max_json_body
