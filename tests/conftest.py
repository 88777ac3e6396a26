"""Shared test set-up: every test gets its own KIOSK_HOME and an in-memory keyring."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg_cluster import pg_url  # noqa: F401 - one PostgreSQL cluster for the run

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "kiosk.sync.memory_keyring.MemoryKeyring")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _sigpipe_ignored() -> bool:
    with open("/proc/self/status") as status:
        mask = next(line for line in status if line.startswith("SigIgn:")).split()[1]
    return bool(int(mask, 16) & (1 << (signal.SIGPIPE - 1)))


@pytest.fixture(autouse=True)
def sigpipe_stays_ignored(request: pytest.FixtureRequest) -> Iterator[None]:
    """Python ignores SIGPIPE so that a write to a closed socket is an error, not death. A
    native library loaded by some test (seen once in a full run) set it back to the default,
    and a later test writing to a hung-up peer killed the whole run with no report: put it
    back, and name the test that changed it."""
    yield
    if os.path.exists("/proc/self/status") and not _sigpipe_ignored():
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        print(f"\nSIGPIPE was reset to its default during {request.node.nodeid}", flush=True)


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


_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Groups for ``pytest -n 2 --dist loadgroup`` (``make test``); nothing without xdist.

    Each test file is one group, so a module fixture (a file's Xvfb, cupsd or server) is
    never set up on both workers. The counter app's files (tests/ui) are one group
    together: two X11 apps at once on two cores lost real taps and typed digits, one app
    beside other work does not."""
    for item in items:
        path = Path(str(item.fspath)).resolve()
        try:
            parts = path.relative_to(_TESTS).parts
        except ValueError:
            continue
        group = "the counter app on X11 and Qt" if parts[:1] == ("ui",) else "/".join(parts)
        item.add_marker(pytest.mark.xdist_group(group))
