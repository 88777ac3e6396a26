"""The reference central one-stop server: the other end of the sync protocol (SYNC.md).

FastAPI app (:mod:`central.app`) over a thin SQL adapter (:mod:`central.db`, SQLite by default,
PostgreSQL by URL) and a content-addressed blob store on disk (:mod:`central.blobstore`).
"""

__version__ = "0.1.0"
