"""``kiosk sync enroll`` takes the token from stdin or a file (out of argv and shell
history), tokens never begin with "-", and make run's own enrolment pipeline works —
against the real central server on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread

from .helpers import ROOT, assert_refused, kiosk

UNIT = "000.00.04.H40"


@pytest.fixture(autouse=True)
def file_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each command is its own process: the token must outlive it, as under make run.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "kiosk.sync.demo_keyring.DemoFileKeyring")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServerThread, Path]]:
    db_path = tmp_path / "central.sqlite3"
    srv = ServerThread(Database(str(db_path)), BlobStore(tmp_path / "blobs")).start()
    yield srv, db_path
    srv.stop()


def _enrolled() -> bool:
    return bool(json.loads(kiosk("sync", "status").stdout)["enrolled"])


def test_token_from_stdin_and_from_a_file(server: tuple[ServerThread, Path],
                                          tmp_path: Path) -> None:
    srv, _db = server
    token = service.add_device(srv.db, UNIT)["token"]
    r = kiosk("sync", "enroll", "--server", srv.url, "--token", "-", stdin=token + "\n")
    assert r.returncode == 0, r.stderr.decode()
    assert _enrolled()
    token_file = tmp_path / "token.txt"
    token_file.write_text("\ufeff" + token + "\r\n", encoding="utf-8")
    token_file.chmod(0o600)
    r = kiosk("sync", "enroll", "--server", srv.url, "--token-file", str(token_file))
    assert r.returncode == 0, r.stderr.decode()
    # Wrong or unreadable tokens: clear refusals.
    r = kiosk("sync", "enroll", "--server", srv.url, "--token", "-", stdin="nope\n")
    assert "không nhận mã" in assert_refused(r)
    for stdin in ("", "a b c", "\xff", token + "\x00"):
        assert_refused(kiosk("sync", "enroll", "--server", srv.url, "--token", "-",
                             stdin=stdin.encode("utf-8", "surrogateescape")
                             if stdin != "\xff" else b"\xff\xfe"))
    assert_refused(kiosk("sync", "enroll", "--server", srv.url, "--token-file",
                         str(tmp_path)))


def test_a_token_that_begins_with_a_dash(server: tuple[ServerThread, Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Old servers handed these out (about 1 in 64): they still enrol through stdin or =.
    srv, _db = server
    monkeypatch.setattr(service, "new_token", lambda: "-" + "A" * 42)
    token = service.add_device(srv.db, UNIT)["token"]
    assert token.startswith("-")
    err = assert_refused(kiosk("sync", "enroll", "--server", srv.url, "--token", token))
    assert "--token=" in err  # the message says how to pass it
    r = kiosk("sync", "enroll", "--server", srv.url, "--token", "-", stdin=token)
    assert r.returncode == 0, r.stderr.decode()
    r = kiosk("sync", "enroll", "--server", srv.url, f"--token={token}")
    assert r.returncode == 0, r.stderr.decode()


def test_make_runs_enrolment_pipeline(server: tuple[ServerThread, Path]) -> None:
    # The lines scripts/run.sh runs, with the same programs, against this server.
    srv, db_path = server
    script = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert '--token - >/dev/null' in script and '--token "$token"' not in script
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    py = sys.executable
    pipeline = (
        f'set -euo pipefail; "{py}" -m kiosk central device add --db "{db_path}" '
        f'--unit {UNIT} --name "demo counter" '
        f'| "{py}" -c "import json,sys; print(json.load(sys.stdin)[\'token\'])" '
        f'| "{py}" -m kiosk sync enroll --server "{srv.url}" --token - >/dev/null')
    r = subprocess.run(["bash", "-c", pipeline], env=env, capture_output=True, text=True,
                       timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    assert _enrolled()
    assert kiosk("sync", "--once", "--now").returncode == 0
