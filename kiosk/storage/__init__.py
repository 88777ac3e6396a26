"""Offline storage: SQLite (WAL, synchronous=FULL, named migrations), the content-addressed
file store, dossier codes, FTS5 search, drafts, the audit log and the sync outbox.

Use :class:`Store`; see ``docs/STORAGE.md`` for the schema, backup and restore.
"""

import sys

# sqlite-utils imports numpy when it can, only to map numpy values to column types, which
# the counter never stores: that import was half a second of every CLI command's and the
# app's start (bench/startup.py). Hide numpy from that one import; numpy itself still
# imports normally afterwards wherever it is used.
if "sqlite_utils" not in sys.modules and "numpy" not in sys.modules:
    sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        del sys.modules["numpy"]

from kiosk.storage.model import (
    ApplicantInput,
    ComponentInput,
    DossierInput,
    PageInput,
    SavedDossier,
    applicant_from_cccd,
    applicant_from_core,
)
from kiosk.storage.store import Store

__all__ = [
    "ApplicantInput",
    "ComponentInput",
    "DossierInput",
    "PageInput",
    "SavedDossier",
    "Store",
    "applicant_from_cccd",
    "applicant_from_core",
]
