"""The citizen window's model beside the real clerk's window (offscreen, both on screen 0):
the save waits for the confirmation, a change after it voids it, a rating needs an armed
dossier, the idle timeout clears the screen, and the chime's play is attempted and logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.ui.conftest import configure, wait_idle

CCCD = ("036085007788|162345678|Phạm Quốc Việt|05031985|Nam|"
        "Thôn Nam, xã Mẫu, huyện Thường Tín, Hà Nội|11062021")


@pytest.fixture
def both(qapp: Any, kiosk_home: Any) -> Iterator[tuple[Any, Any]]:
    from kiosk.ui.app import build_services, create_window

    config = configure()
    config.set("ui.citizen_screen", "0")  # offscreen has one screen: put it there
    config.save()
    win = create_window(build_services(config, demo=True))
    side = next(e for e in win.extras if type(e).__name__ == "CitizenSide")
    yield win, side
    win.close()
    qapp.processEvents()


def _to_review(qtbot: Any, win: Any) -> None:
    intake = win.intake
    assert win.app.signIn("1234")
    intake.start()
    win.app.go("intake")
    intake.search("xac nhan tinh trang hon nhan")
    intake.chooseProcedure(intake.procedures.get(0)["code"])
    win.services.extras["route_read"](CCCD)
    intake.next()
    for i, comp in enumerate(intake.session.components):
        intake.setChecked(i, comp.mandatory)
    intake.next()
    for i, comp in enumerate(intake.session.components):
        if comp.checked and comp.copy_kind != "present":
            intake.selectComponent(i)
            intake.scan()
            wait_idle(qtbot, win)
    intake.next()
    wait_idle(qtbot, win)
    assert intake.stepName == "review", intake.problems


def test_save_waits_for_the_citizen_and_stores_the_confirmation(
        qtbot: Any, both: tuple[Any, Any]) -> None:
    win, side = both
    citizen = side.model
    assert win.engine.rootContext().contextProperty("citizen") is None
    assert side.engine.rootContext().contextProperty("app") is None  # no clerk actions
    _to_review(qtbot, win)
    assert citizen.mode == "check" and citizen.check["idNumber"].endswith("7788")
    win.intake.save()
    wait_idle(qtbot, win)
    assert not win.intake.saved  # refused: not confirmed
    citizen.askCorrection()
    assert "đề nghị sửa" in side.link.text
    win.intake.setField("phone", "0912345678")  # the clerk corrects
    citizen.confirm()
    assert side.link.confirmed
    win.intake.setField("phone", "0912345679")  # changed after the confirmation: void
    assert not side.link.confirmed and not citizen.confirmed
    citizen.confirm()
    win.intake.save()
    wait_idle(qtbot, win)
    code = win.intake.saved["code"]
    record = win.services.store.get_dossier(code)
    conf = record["citizen_confirmation"]
    assert conf["corrections"] == 1 and conf["shown"]["phone"] == "0912345679"
    assert conf["shown"]["idNumber"] == "••••••••7788"
    assert citizen.mode == "rating" and citizen.ratingOccasion == "intake"
    citizen.rate(2)
    wait_idle(qtbot, win)
    rows = win.services.store.read(lambda db: db.execute(
        "SELECT level, clerk, occasion FROM ratings").fetchall())
    assert rows == [(2, "canbo", "intake")]  # the clerk who received it
    citizen.rate(3)  # nothing armed any more: ignored
    wait_idle(qtbot, win)
    assert win.services.store.read(lambda db: db.execute(
        "SELECT count(*) FROM ratings").fetchone()[0]) == 1


def test_idle_timeout_clears_the_screen_and_the_chime_is_attempted(
        qtbot: Any, both: tuple[Any, Any], caplog: pytest.LogCaptureFixture) -> None:
    _win, side = both
    citizen = side.model
    citizen.select("1.001193")
    assert citizen.mode == "procedure"
    citizen._idle.start(50)
    qtbot.waitUntil(lambda: citizen.mode == "board", timeout=5000)
    assert citizen.selected == {} and citizen.check == {}
    with caplog.at_level(logging.INFO, logger="kiosk.ui.chime"):
        citizen.announce({"label": "A005", "called_counter": 2, "serviceName": "Tiếp nhận"})
    assert citizen.mode == "called" and citizen.called["label"] == "A005"
    assert side.chime.attempts == 1
    assert "queue call chime: play attempted" in caplog.text


def test_which_screen_the_citizen_window_takes() -> None:
    from kiosk.ui.citizen_window import choose_screen

    clerk, second, third = object(), object(), object()
    screens = [clerk, second, third]
    assert choose_screen("auto", screens, clerk) is second
    assert choose_screen("auto", [clerk], clerk) is None  # one monitor: no citizen window
    assert choose_screen("off", screens, clerk) is None
    assert choose_screen("2", screens, clerk) is third
    assert choose_screen("5", screens, clerk) is None  # no such screen: logged, none
