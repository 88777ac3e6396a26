"""A stop signal that arrives while the app is still starting (services, the demo seed, the
window) closes it as soon as its event loop starts, instead of being lost: ``quit()`` before
``exec()`` does nothing in Qt 6. Found as a flaky ``make run`` Ctrl-C test under load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent("""
    import logging, os, signal, sys, time
    logging.basicConfig(level=logging.INFO)
    from kiosk.ui.qt import QGuiApplication, QTimer
    from kiosk.ui.stop_signals import end_by_signal, quit_on_stop_signals

    app = QGuiApplication(sys.argv[:1])
    stop = quit_on_stop_signals(app)
    os.kill(os.getpid(), signal.SIG{name})   # while "starting": no event loop yet
    time.sleep(0.2)                          # more start-up work after the signal
    QTimer.singleShot(20_000, lambda: app.exit(7))  # the lost request: still running
    started = time.monotonic()
    code = app.exec()
    stop.restore()
    print("exec", code, round(time.monotonic() - started, 1), flush=True)
    end_by_signal(stop.received)
    print("still here", flush=True)
""")


@pytest.mark.parametrize("name", ["TERM", "INT", "HUP"])
def test_a_stop_signal_during_start_up_closes_the_app(name: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", CHILD.replace("{name}", name)], env=env,
                          capture_output=True, text=True, timeout=60)
    # After the orderly close it ends by the signal, so a shell knows it was interrupted.
    assert done.returncode == -getattr(signal, f"SIG{name}"), (done.returncode, done.stderr)
    words = done.stdout.split()
    assert words[:2] == ["exec", "0"], done.stdout  # 7: the request was lost
    assert "still here" not in done.stdout
    assert "closing the counter app" in done.stderr, done.stderr
