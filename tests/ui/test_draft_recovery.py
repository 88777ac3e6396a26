"""An intake in progress survives a killed process and is offered back on restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests.ui.conftest import configure, wait_idle

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import sys, time
    from kiosk.ui.qt import QGuiApplication
    qa = QGuiApplication(sys.argv[:1])
    from kiosk.ui.app import build_services, create_window
    w = create_window(build_services(demo=True))
    def pump(seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            qa.processEvents(); time.sleep(0.01)
    def idle():
        while w.tasks.pending or w.intake.scanner.active or w.intake._draft_timer.isActive():
            pump(0.05)
    w.app.signIn("1234")
    w.intake.start()
    w.intake.chooseProcedure("2.000815")
    w.intake.applyCccd("034092001122|151234567|Trần Văn Đức|03021992|Nam|Xóm Bến, xã Mẫu|01022022")
    w.intake.next()
    for i, c in enumerate(w.intake.session.components):
        w.intake.setChecked(i, True)
    w.intake.next()
    w.intake.selectComponent(0)
    w.intake.scan()
    idle()
    pump(0.5)
    idle()
    print("READY", len(w.intake.session.components[0].pages), w.intake.scanStatus, flush=True)
    pump(600)  # killed here, mid-intake
""")


def test_draft_survives_kill_and_is_offered_back(qtbot: Any, qapp: Any, kiosk_home: Path) -> None:
    configure()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("READY"), line
        pages = int(line.split()[1])
        assert pages >= 1, line
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)

    from kiosk.ui.app import build_services, create_window

    win = create_window(build_services(configure(), demo=True))
    messages: list[tuple[str, str]] = []
    win.app.message.connect(lambda text, kind: messages.append((text, kind)))
    try:
        assert win.app.signIn("1234")
        win.intake.loadDrafts()
        qtbot.waitUntil(lambda: win.intake.drafts.count == 1, timeout=10_000)
        draft = win.intake.drafts.get(0)
        assert "Trần Văn Đức" in draft["label"]
        win.intake.resumeDraft(draft["id"])
        session = win.intake.session
        assert win.app.screen == "intake"
        assert session.step_name == "scan"
        assert session.applicant.name == "Trần Văn Đức"
        assert len(session.components[0].pages) == pages
        # Every page file the draft references is still in the store (not collected).
        for page in session.components[0].pages:
            assert win.services.store.file_path(page.pdf_sha256).exists()
        win.intake.selectComponent(1)
        win.intake.scan()
        wait_idle(qtbot, win)
        win.intake.next()
        win.intake.save()
        wait_idle(qtbot, win)
        assert "code" in win.intake.saved, messages
        code = win.intake.saved["code"]
        record = win.services.store.get_dossier(code)
        assert record["applicant"]["id_number"] == "034092001122"
        assert win.services.store.load_drafts() == []
    finally:
        win.close()
