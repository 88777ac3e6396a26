"""Run the central server: in the foreground (``kiosk central serve``) or in a background
thread on a loopback port (tests, benchmarks, demos)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from central.app import create_app
from central.blobstore import BlobStore
from central.db import Database
from central.guard import protocol_class
from central.limits import ServerLimits

log = logging.getLogger(__name__)


def _uvicorn_config(app: Any, host: str, port: int, limits: ServerLimits,
                    **kw: Any) -> uvicorn.Config:
    # Our middleware writes Date itself; uvicorn's would be a second header. The HTTP/1.1
    # protocol is uvicorn's h11 one with the connection limits (central/guard.py).
    return uvicorn.Config(app, host=host, port=port, log_level=kw.pop("log_level", "warning"),
                          date_header=False, server_header=False, lifespan="on",
                          http=protocol_class(limits), ws="none",
                          timeout_keep_alive=int(limits.keep_alive_timeout),
                          h11_max_incomplete_event_size=limits.max_header_bytes,
                          timeout_graceful_shutdown=kw.pop("timeout_graceful_shutdown", 3), **kw)


def raise_file_limit(limits: ServerLimits) -> int:
    """Raise the soft limit on open files so ``max_connections`` fit (up to the hard limit,
    which only an administrator raises: LimitNOFILE= in the systemd unit); returns it."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = limits.max_connections + 200  # database, blobs, logs
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    if soft != resource.RLIM_INFINITY and soft < wanted:
        log.warning("open files are limited to %d: fewer than %d connections will fit "
                    "(raise LimitNOFILE)", soft, limits.max_connections)
    return int(soft)


def serve(db_url: str, blob_dir: Path, host: str = "127.0.0.1", port: int = 8765,
          limits: ServerLimits | None = None, **kw: Any) -> None:
    limits = limits or ServerLimits()
    raise_file_limit(limits)
    app = create_app(Database(db_url), BlobStore(blob_dir), limits=limits, **kw)
    uvicorn.Server(_uvicorn_config(app, host, port, limits, log_level="info")).run()


class ServerThread:
    """The real server (uvicorn + the app) on ``127.0.0.1:<free port>`` in a thread."""

    def __init__(self, db: Database, blobs: BlobStore, *,
                 server_kw: dict[str, Any] | None = None,
                 limits: ServerLimits | None = None, **app_kw: Any) -> None:
        self.db = db
        self.blobs = blobs
        self.limits = limits or ServerLimits()
        self.app = create_app(db, blobs, limits=self.limits, **app_kw)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.scheme = "https" if (server_kw or {}).get("ssl_certfile") else "http"
        self._server = uvicorn.Server(_uvicorn_config(self.app, "127.0.0.1", self.port,
                                                      self.limits, **(server_kw or {})))
        self._thread = threading.Thread(target=self._server.run, name="central-server",
                                        daemon=True)

    @property
    def open_connections(self) -> int:
        """Connections the server holds now (for the limit tests)."""
        return len(self._server.server_state.connections)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("central server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.db.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
