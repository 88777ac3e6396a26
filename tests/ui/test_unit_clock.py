"""The unit's clock everywhere: the app and the CLI run with the machine's TZ set to UTC and to
America/New_York, and every time a clerk sees is the unit's (Asia/Ho_Chi_Minh, +07:00)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.ui.xserver import ROOT, AppProcess

UNIT = ZoneInfo("Asia/Ho_Chi_Minh")
MACHINE_ZONES = ["UTC", "America/New_York"]


def clock_texts(around: datetime) -> set[str]:
    """What the header may show at ``around`` (the minute may turn while we look)."""
    return {f"{t:%H:%M}  {t:%d/%m/%Y}" for t in
            (around - timedelta(minutes=1), around, around + timedelta(minutes=1))}


def wall(iso_text: str) -> str:
    """``HH:MM dd/MM/yyyy`` of a stored time, in the unit's zone."""
    return f"{datetime.fromisoformat(iso_text).astimezone(UNIT):%H:%M %d/%m/%Y}"


@pytest.fixture(params=MACHINE_ZONES)
def app_in_zone(request: pytest.FixtureRequest, kiosk_home: Path) -> Iterator[AppProcess]:
    proc = AppProcess(None, kiosk_home, {"TZ": request.param})
    yield proc
    proc.stop()


def shown_texts(app: AppProcess) -> list[str]:
    """The texts of every visible item of the window: what the clerk sees."""
    return list(app.call(
        "from kiosk.ui.qt import QQuickItem\n"
        "result = [str(i.property('text')) for i in root.findChildren(QQuickItem) "
        "if i.isVisible() and i.property('text')]"))


def test_header_clock_and_dossier_times_are_the_units(app_in_zone: AppProcess) -> None:
    app = app_in_zone
    machine = app.call("import time\nresult = time.strftime('%z')")
    assert machine in ("+0000", "-0500", "-0400")  # the app really runs in that zone
    app.call("from kiosk.demo import seed\nresult = seed(services.store, progress=True)\n"
             "assert app.signIn('1234')")
    app.wait_for("result = root.findChild(QObject, 'headerClock') is not None", True)
    header = app.call("result = root.findChild(QObject, 'headerClock').property('text')")
    assert header in clock_texts(datetime.now(UNIT)), header
    machine_now = datetime.now().astimezone()
    assert f"{machine_now:%H:%M}" not in header  # not the machine's time (7+ hours apart)

    stored = app.call("result = dict(services.store.list_dossiers(limit=50)[0])")
    code = stored["code"]
    app.call(f"win.detail.load({code!r}); app.go('detail', {code!r})")
    assert app.wait_for("result = (win.detail.dossier or {}).get('code')", code) == code
    received, due = wall(stored["received_at"]), wall(stored["due_at"])
    joined = "\n".join(shown_texts(app))
    assert received in joined, (received, joined[:2000])
    assert due in joined, (due, joined[:2000])
    # The timeline: each event's time is the stored one, in the unit's zone.
    shown_events = app.call("result = [win.detail.events.get(i)['at'] for i in "
                            "range(win.detail.events.rowCount())]")
    stored_events = app.call(f"result = [e['at'] for e in services.store.get_dossier("
                             f"{code!r})['events']]")
    assert shown_events and sorted(shown_events) == sorted(wall(t) for t in stored_events)
    # The overdue list (the seed has overdue dossiers) shows due times the same way.
    app.call("win.lookup.loadOverdue()")
    overdue = app.wait_for("result = win.lookup.overdue.rowCount() > 0", True)
    assert overdue
    first = app.call("result = win.lookup.overdue.get(0)")
    stored_due = app.call(f"result = services.store.get_dossier({first['code']!r})['due']")
    # The list adds how late it is ("· trễ 2,72 ngày làm việc") after the due time.
    assert first["due"].split(" · ")[0] == wall(stored_due)


def run_cli(tz: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TZ": tz, "KIOSK_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("tz", MACHINE_ZONES)
def test_cli_times_are_the_units(tz: str, kiosk_home: Path) -> None:
    due = run_cli(tz, kiosk_home, "due", "--received", "2026-12-01T16:30", "--same-day")
    assert due.returncode == 0, due.stderr
    assert json.loads(due.stdout)["received"] == "2026-12-01T16:30:00+07:00"
    new = run_cli(tz, kiosk_home, "dossier", "new", "--procedure", "1.001193",
                  "--name", "Nguyễn Văn An", "--actor", "test")
    assert new.returncode == 0, new.stderr
    saved = json.loads(new.stdout.splitlines()[0])
    shown = run_cli(tz, kiosk_home, "dossier", "show", saved["code"])
    received = datetime.fromisoformat(json.loads(shown.stdout)["received_at"])
    assert received.utcoffset() == timedelta(hours=7)
    assert abs(received - datetime.now(UNIT)) < timedelta(minutes=2)
    # The code's day is the unit's day, not the machine's.
    assert saved["code"].split("-")[1] == f"{received:%y%m%d}"


def test_the_zone_is_configurable_and_checked(kiosk_home: Path) -> None:
    from kiosk import clock
    from kiosk.config import Config
    from kiosk.errors import KioskError

    config = Config.load()
    assert clock.now().utcoffset() == timedelta(hours=7)
    with pytest.raises(KioskError):
        config.set("unit.timezone", "Asia/Hanoi_Typo")
    try:
        config.set("unit.timezone", "Asia/Tokyo")
        config.save()
        assert Config.load().get("unit.timezone") == "Asia/Tokyo"
        assert clock.now().utcoffset() == timedelta(hours=9)
        assert clock.iso(datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("UTC"))) == (
            "2026-12-01T19:00:00+09:00")
    finally:
        config.set("unit.timezone", "Asia/Ho_Chi_Minh")
        config.save()
    assert clock.now().utcoffset() == timedelta(hours=7)
