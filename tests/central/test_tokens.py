"""Device tokens on the real server: bound to the first machine that uses one, revoked and
expired tokens refused on their next request, ``kiosk central device list|revoke`` as the
admin runs them, and the counter's own commands saying why in Vietnamese."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from kiosk import clock
from tests.central.helpers import UNIT, auth

MACHINE_A = "a" * 64
MACHINE_B = "b" * 64


def kiosk(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIOSK_HOME": str(home), "KIOSK_LANG": "vi",
           "PYTHON_KEYRING_BACKEND": "kiosk.sync.demo_keyring.DemoFileKeyring"}
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServerThread, Path]]:
    path = tmp_path / "central.sqlite3"
    with ServerThread(Database(str(path)), BlobStore(tmp_path / "blobs")) as srv:
        yield srv, path


def feed(srv: ServerThread, token: str, machine: str | None) -> httpx.Response:
    headers = auth(token) | ({"Kiosk-Machine": machine} if machine else {})
    return httpx.get(f"{srv.url}/v1/changes", headers=headers, timeout=10)


def test_a_token_is_bound_to_the_first_machine_that_uses_it(
        server: tuple[ServerThread, Path]) -> None:
    srv, _path = server
    token = service.add_device(srv.db, UNIT, "quầy 1")["token"]
    # Not bound yet: a request naming no machine is served (an older counter) ...
    assert feed(srv, token, None).status_code == 200
    # ... the first machine that names itself takes the token.
    assert feed(srv, token, MACHINE_A).status_code == 200
    for other in (MACHINE_B, None):
        r = feed(srv, token, other)
        assert r.status_code == 401 and r.json()["error"] == "machine_mismatch", r.text
        assert r.headers["WWW-Authenticate"] == "Bearer"
    assert feed(srv, token, MACHINE_A).status_code == 200
    bad = feed(srv, token, "not-a-machine-id")
    assert bad.status_code in (401, 422) and bad.json()["error"] in ("machine_invalid",
                                                                     "invalid_request")
    # Admin tokens (the province's scripts) are not bound.
    admin = service.add_device(srv.db, "ADMIN", role="admin")["token"]
    assert feed(srv, admin, MACHINE_A).status_code == 200
    assert feed(srv, admin, MACHINE_B).status_code == 200


def test_list_and_revoke_from_the_command_line_take_effect_on_the_next_request(
        server: tuple[ServerThread, Path], tmp_path: Path) -> None:
    srv, path = server
    token = service.add_device(srv.db, UNIT, "quầy 1")["token"]
    other = service.add_device(srv.db, UNIT, "quầy 2")["token"]
    assert feed(srv, token, MACHINE_A).status_code == 200
    listed = kiosk(tmp_path, "central", "--db", str(path), "device", "list")
    assert listed.returncode == 0, listed.stderr
    devices = {d["name"]: d for d in json.loads(listed.stdout)}
    first = devices["quầy 1"]
    assert first["unit_code"] == UNIT and first["machine_id"] == MACHINE_A
    assert first["last_seen_at"] and first["bound_at"] and first["created_at"]
    assert first["revoked"] is False and first["expires_at"] is None
    assert devices["quầy 2"]["machine_id"] is None and devices["quầy 2"]["last_seen_at"] is None
    assert "token" not in listed.stdout and token not in listed.stdout

    # A unique beginning of the id is enough; an unknown or ambiguous one is refused.
    revoked = kiosk(tmp_path, "central", "--db", str(path), "device", "revoke",
                    first["id"][:8])
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["revoked"] is True
    unknown = kiosk(tmp_path, "central", "--db", str(path), "device", "revoke", "deadbeef-00")
    assert unknown.returncode != 0 and unknown.returncode != 70
    assert "Không có thiết bị" in unknown.stderr and "Traceback" not in unknown.stderr

    r = feed(srv, token, MACHINE_A)  # the running server refuses it at once
    assert r.status_code == 401 and r.json()["error"] == "token_revoked"
    assert feed(srv, other, MACHINE_B).status_code == 200
    listed = json.loads(kiosk(tmp_path, "central", "--db", str(path), "device", "list").stdout)
    assert [d["revoked"] for d in listed if d["name"] == "quầy 1"] == [True]


def test_expired_tokens_are_refused(server: tuple[ServerThread, Path], tmp_path: Path) -> None:
    srv, path = server
    past = clock.iso(clock.now() - timedelta(minutes=1))
    old = service.add_device(srv.db, UNIT, "hết hạn", expires_at=past)["token"]
    r = feed(srv, old, MACHINE_A)
    assert r.status_code == 401 and r.json()["error"] == "token_expired"
    # --expires DAY: valid through that day, refused after; a past day is refused at once.
    today = clock.now().date()
    added = kiosk(tmp_path, "central", "--db", str(path), "device", "add", "--unit", UNIT,
                  "--expires", today.isoformat())
    assert added.returncode == 0, added.stderr
    made = json.loads(added.stdout)
    assert clock.parse_iso(made["expires_at"]).date() == today + timedelta(days=1)
    assert feed(srv, made["token"], MACHINE_A).status_code == 200
    yesterday = (today - timedelta(days=1)).isoformat()
    refused = kiosk(tmp_path, "central", "--db", str(path), "device", "add", "--unit", UNIT,
                    "--expires", yesterday)
    assert refused.returncode == 2 and "đã qua" in refused.stderr


def test_a_token_enrolled_on_one_counter_is_refused_on_another(
        server: tuple[ServerThread, Path], tmp_path: Path) -> None:
    srv, path = server
    token = service.add_device(srv.db, UNIT, "quầy 1")["token"]
    first, second = tmp_path / "counter-1", tmp_path / "counter-2"
    ok = kiosk(first, "sync", "enroll", "--server", srv.url, "--token", "-", stdin=token)
    assert ok.returncode == 0, ok.stderr
    again = kiosk(first, "sync", "enroll", "--server", srv.url, "--token", "-", stdin=token)
    assert again.returncode == 0, again.stderr  # the same machine may enrol again
    refused = kiosk(second, "sync", "enroll", "--server", srv.url, "--token", "-", stdin=token)
    assert refused.returncode == 2, refused.stderr
    assert "đã được đăng ký cho một máy khác" in refused.stderr
    assert "Traceback" not in refused.stderr
    status = json.loads(kiosk(second, "sync", "status").stdout)
    assert status["enrolled"] is False  # nothing was saved on the second counter
    listed = json.loads(kiosk(tmp_path, "central", "--db", str(path), "device", "list").stdout)
    assert len({d["machine_id"] for d in listed}) == 1
