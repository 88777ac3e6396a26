"""Offline storage: SQLite (WAL, synchronous=FULL, named migrations), the content-addressed
file store, dossier codes, FTS5 search, drafts, the audit log and the sync outbox.

Use :class:`Store`; see ``docs/STORAGE.md`` for the schema, backup and restore.
"""

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
