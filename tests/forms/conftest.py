from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.forms.cups_server import CupsServer, unavailable_reason


@pytest.fixture(scope="session")
def cups() -> Iterator[CupsServer]:
    """One private cupsd for the session with a cups-pdf queue ``KioskPDF`` (the default)."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = CupsServer().start()
    try:
        server.add_pdf_printer("KioskPDF", default=True)
        yield server
    finally:
        server.stop()
