"""``make run`` (scripts/run.sh) for real: whatever ends it, nothing it started stays.

The script starts the reference central server, a private cupsd (where this machine allows
one), enrols, seeds the demo and runs ``kiosk run`` (offscreen here). Ended by Ctrl-C (SIGINT
to its process group, as a terminal sends it), SIGTERM, the app crashing (SIGKILL of the
app) or SIGKILL of the script itself: every process it started ends, the server's port is
free and the cupsd of its KIOSK_HOME no longer answers. A central server already on the
port (another checkout's) is reported before anything starts.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from kiosk.devices.printer.private_cups import home_server
from tests.process_tree import descendants, still_running, wait_for

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "run.sh"

pytestmark = pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "kiosk").exists(),
                                reason="scripts/run.sh runs the project's .venv (make setup)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def start(home: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "KIOSK_HOME": str(home), "KIOSK_CENTRAL_PORT": str(port),
           "QT_QPA_PLATFORM": "offscreen"}
    env.pop("DISPLAY", None)
    # The suite's in-memory keyring would lose the enrolment between the script's commands:
    # the script picks its own file keyring, as on a developer's machine.
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return subprocess.Popen(["bash", str(SCRIPT)], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


@pytest.mark.parametrize("end", ["ctrl_c", "sigterm", "app_crash", "script_killed"])
def test_make_run_leaves_nothing_running(end: str, tmp_path: Path) -> None:
    home, port = tmp_path / "home", free_port()
    script = start(home, port)
    try:
        app = wait_for(lambda: next((p for p in descendants(script.pid)
                                     if " run --demo" in p.cmdline), None), 180, "the app")
        wait_for(lambda: any("kiosk.child_process" in p.cmdline
                             for p in descendants(script.pid)), 60, "the app's helper")
        started = {p.pid for p in descendants(script.pid)}
        assert port_open(port), "the central server listens"
        cups_ran = home_server(home).answers()
        if end == "ctrl_c":
            os.killpg(script.pid, signal.SIGINT)
        elif end == "sigterm":
            script.send_signal(signal.SIGTERM)
        elif end == "app_crash":
            os.kill(app.pid, signal.SIGKILL)  # type: ignore[attr-defined]
        else:
            script.kill()
        output = script.communicate(timeout=120)[0]
        left = still_running(started, pgrp=script.pid, timeout=20)
    finally:
        if script.poll() is None:
            script.kill()
            script.wait()
    assert left == [], (left, output[-3000:])
    assert not port_open(port), "the central server stopped"
    assert not home_server(home).answers(), f"cupsd stopped (it ran: {cups_ran})"
    assert script.returncode == {"ctrl_c": 130, "sigterm": 143, "app_crash": 137,
                                 "script_killed": -9}[end], output[-3000:]
    if end in ("ctrl_c", "sigterm"):
        assert "closing the counter app" in output, output[-3000:]
        assert "Traceback" not in output, output[-3000:]


def test_a_server_already_on_the_port_is_named_before_anything_starts(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with socket.socket() as other:  # another checkout's central server
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        script = start(home, port)
        output = script.communicate(timeout=120)[0]
    assert script.returncode == 1, output
    assert f"Cổng {port} đã có một máy chủ trung tâm khác" in output, output
    assert f"KIOSK_CENTRAL_PORT={port + 1} make run" in output, output
    assert "Máy chủ không nhận mã truy cập này" not in output
    assert not home_server(home).answers(), "nothing was started"
    assert not (home / "central.log").exists()
