"""An admin retries an item the server refused with one real tap on Home (issue 22 §1).

The app runs in its own process on a real X server (Xvfb), its sync worker talking to the
real central server through a proxy (tests/sync/hostile.py) that forged a 422 for the
dossier; the tap is a real X pointer click (xdotool) at the centre of the "Gửi lại" button.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from central import service
from kiosk.storage import ApplicantInput, DossierInput, Store
from tests.sync.conftest import central, rig  # noqa: F401 - the server and proxy fixtures
from tests.sync.hostile import ROOT, Rig
from tests.ui.test_touch_count import Counter, start_xvfb


@pytest.fixture
def admin_home(rig: Rig, tmp_path: Path  # noqa: F811
               ) -> Iterator[tuple[Counter, Rig, Any]]:
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    code, _out, err = rig.kiosk("sync", "enroll", "--server", rig.hostile.url,
                                "--token", rig.central.token)
    assert code == 0, err
    store = Store(orphan_grace_seconds=None)
    try:
        saved = store.save_dossier(DossierInput(
            "2.000815", ApplicantInput(name="Hà Thị Thu Hương", id_number="001190004321")),
            "canbo")
    finally:
        store.close()
    # Refused, then refused again by the one retry after a clean pass: parked for good.
    rig.hostile.mode = "forge_422"
    for _pass in range(2):
        code, out, err = rig.kiosk("sync", "--once")
        assert code == 1 and out["needs_attention"] == 1, (out, err)
    code, parked, err = rig.kiosk("sync", "parked")
    assert [p["auto_retried"] for p in parked["parked"]] == [True], parked
    rig.hostile.mode = "pass"  # the proxy is gone; only a person's retry sends it now
    xvfb, display = start_xvfb()
    env = {**rig.env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
    app = Counter(display, env, tmp_path / "app.log")
    try:
        app.wait("the sign-in screen", lambda: app.ask("where", name="pinDots"))
        yield app, rig, saved
    finally:
        app.close()
        xvfb.terminate()
        xvfb.wait(10)
        print((tmp_path / "app.log").read_text(errors="replace")[-3000:])


def _scroll_to(app: Counter, name: str) -> None:
    """Wheel down over Home until ``name`` is on screen (Home scrolls on a small screen)."""
    env = {**os.environ, "DISPLAY": app.display}
    for _turn in range(12):
        spot = app.ask("where", name=name)
        if spot and spot["on_screen"]:
            return
        subprocess.run(["xdotool", "mousemove", "683", "500", "click", "5"], env=env,
                       check=True, timeout=10)
        time.sleep(0.2)


def test_admin_retries_a_refused_item_with_one_tap(admin_home: Any) -> None:
    app, proxy_rig, saved = admin_home
    assert app.ask("signin", pin="9999")  # the admin
    name = f"retryParked_{saved.code}"
    app.wait("the refused item on Home", lambda: app.ask("where", name=name), timeout=60)
    _scroll_to(app, name)
    assert app.ask("where", name="auditLine") is not None  # the admin's audit line
    app.tap(name)
    app.wait("the dossier on the server",
             lambda: service.find_dossier(proxy_rig.central.db, dossier_id=saved.id), timeout=60)
    assert app.touches == [name]
    app.wait("the button gone", lambda: app.ask("where", name=name) is None, timeout=60)
