"""Shared test set-up: every test gets its own KIOSK_HOME and an in-memory keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg_cluster import pg_url  # noqa: F401 - one PostgreSQL cluster for the run

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "kiosk.sync.memory_keyring.MemoryKeyring")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def kiosk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "kiosk-home"
    home.mkdir()
    monkeypatch.setenv("KIOSK_HOME", str(home))
    yield home


@pytest.fixture(scope="session")
def cups() -> Iterator[object]:
    """One private cupsd for the whole run with a cups-pdf queue ``KioskPDF`` (the default)."""
    from tests.forms.cups_server import CupsServer, unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = CupsServer().start()
    try:
        server.add_pdf_printer("KioskPDF", default=True)
        yield server
    finally:
        server.stop()
