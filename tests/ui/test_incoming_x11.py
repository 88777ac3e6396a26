"""Issue 25 "Done when": an online dossier submitted to the real central server appears on a
counter under Xvfb and is accepted with real X input (xdotool taps), then reaches the server
as a received dossier of channel 2 through the app's own sync."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sync.conftest import central, rig  # noqa: F401 - the server and proxy fixtures
from tests.sync.hostile import ROOT, Rig
from tests.sync.test_incoming import submission
from tests.ui.test_touch_count import Counter, start_xvfb

#: Where a test run leaves what the screen showed, for a person to look at.
SHOTS = os.environ.get("KIOSK_TEST_SHOTS", "")


@pytest.fixture
def counter_x(rig: Rig, tmp_path: Path) -> Iterator[tuple[Counter, Rig]]:  # noqa: F811
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    code, _out, err = rig.kiosk("sync", "enroll", "--server", rig.central.url,
                                "--token", rig.central.token)
    assert code == 0, err
    xvfb, display = start_xvfb()
    env = {**rig.env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
    app = Counter(display, env, tmp_path / "app.log")
    try:
        app.wait("the sign-in screen", lambda: app.ask("where", name="pinDots"))
        yield app, rig
    finally:
        app.close()
        xvfb.terminate()
        xvfb.wait(10)
        print((tmp_path / "app.log").read_text(errors="replace")[-3000:])


def _shot(app: Counter, tmp_path: Path, name: str) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    assert app.ask("grab", path=str(folder / f"{name}.png"))


def test_online_dossier_accepted_with_real_taps(counter_x: Any, tmp_path: Path) -> None:
    app, the_rig = counter_x
    r = httpx.post(f"{the_rig.central.url}/v1/admin/incoming", json=submission(),
                   headers={"Authorization": f"Bearer {the_rig.central.admin_token}"})
    assert r.status_code == 201, r.text
    sub_id = r.json()["id"]
    assert app.ask("signin", pin="1234")
    app.wait("the online dossier on Home", lambda: app.ask("where", name="openIncoming"),
             timeout=90)
    _shot(app, tmp_path, "incoming-home")
    app.tap("openIncoming")
    app.tap("incoming_0")
    app.wait("its files downloaded", lambda: (lambda w: w and w["enabled"])(
        app.ask("where", name="incomingFile_0")), timeout=60)
    app.tap("incomingFile_0")
    app.wait("the viewer", lambda: app.ask("where", name="incomingViewerClose"))
    _shot(app, tmp_path, "incoming-viewer")
    app.tap("incomingViewerClose")
    app.tap("incomingFile_1")  # the birth certificate, a photo
    app.wait("the viewer", lambda: app.ask("where", name="incomingViewerClose"))
    _shot(app, tmp_path, "incoming-viewer-photo")
    app.tap("incomingViewerClose")
    _shot(app, tmp_path, "incoming-open")
    app.tap("incomingAccept")
    state = app.wait("the acceptance said", lambda: (lambda s: s if any(
        "Đã tiếp nhận hồ sơ" in m for m in s["messages"]) else None)(app.ask("state")),
        timeout=60)
    assert app.touches == ["openIncoming", "incoming_0", "incomingFile_0",
                           "incomingViewerClose", "incomingFile_1", "incomingViewerClose",
                           "incomingAccept"], state
    db = the_rig.central.db

    def on_server() -> Any:
        with db.transaction(write=False) as tx:
            sub = tx.one("SELECT state FROM incoming_dossiers WHERE id = ?", (sub_id,))
            row = tx.one("SELECT code, status, body FROM dossiers")
        return row if sub and sub["state"] == "accepted" and row else None

    row = app.wait("the accepted dossier pushed by the app's sync", on_server, timeout=90)
    assert row["status"] == 2 and json.loads(row["body"])["channel"] == 2
