"""Run the central server: in the foreground (``kiosk central serve``) or in a background
thread on a loopback port (tests, benchmarks, demos)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from central.app import create_app
from central.blobstore import BlobStore
from central.db import Database


def _uvicorn_config(app: Any, host: str, port: int, **kw: Any) -> uvicorn.Config:
    # Our middleware writes Date itself; uvicorn's would be a second header.
    return uvicorn.Config(app, host=host, port=port, log_level=kw.pop("log_level", "warning"),
                          date_header=False, server_header=False, lifespan="on",
                          timeout_keep_alive=kw.pop("timeout_keep_alive", 30),
                          timeout_graceful_shutdown=kw.pop("timeout_graceful_shutdown", 3), **kw)


def serve(db_url: str, blob_dir: Path, host: str = "127.0.0.1", port: int = 8765,
          **kw: Any) -> None:
    app = create_app(Database(db_url), BlobStore(blob_dir), **kw)
    uvicorn.Server(_uvicorn_config(app, host, port, log_level="info")).run()


class ServerThread:
    """The real server (uvicorn + the app) on ``127.0.0.1:<free port>`` in a thread."""

    def __init__(self, db: Database, blobs: BlobStore, *,
                 server_kw: dict[str, Any] | None = None, **app_kw: Any) -> None:
        self.db = db
        self.blobs = blobs
        self.app = create_app(db, blobs, **app_kw)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.scheme = "https" if (server_kw or {}).get("ssl_certfile") else "http"
        self._server = uvicorn.Server(_uvicorn_config(self.app, "127.0.0.1", self.port,
                                                      **(server_kw or {})))
        self._thread = threading.Thread(target=self._server.run, name="central-server",
                                        daemon=True)

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
