"""Reusing a paper the citizen already has digitised, from the intake screen (issue 24 §3),
offscreen over the real window: the CCCD read looks the citizen's papers up off the GUI
thread; nothing is offered until the citizen agrees (told to the clerk here; on the citizen
screen when there is one, tested below on the citizen model); one tap reuses the proof of
residence for the matching item, which then needs no scan; the saved dossier links the
earlier file and is flagged reused."""

from __future__ import annotations

from typing import Any

from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput
from tests.signing.helpers import scan_pdf
from tests.ui.conftest import wait_idle

CCCD = ("001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|"
        "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")
ID = "001189012345"


def _earlier(store: Any) -> tuple[str, str]:
    sha = store.put_file(scan_pdf("HỢP ĐỒNG THUÊ NHÀ"))
    saved = store.save_dossier(DossierInput(
        "1.004222", ApplicantInput("Nguyễn Thị Hồng Nhung", id_number=ID),
        components=[ComponentInput("Tờ khai CT01", code="CT01",
                                   pages=[PageInput(store.put_file(scan_pdf("CT01")))]),
                    ComponentInput("Giấy tờ chứng minh chỗ ở hợp pháp", code="CO",
                                   pages=[PageInput(sha)])]), actor="canbo")
    return saved.id, sha


def _rows(intake: Any) -> list[dict[str, Any]]:
    return [intake.components.get(i) for i in range(intake.components.count)]


def test_one_tap_reuses_the_proof_of_residence(qtbot: Any, window: Any) -> None:
    app, intake, store = window.app, window.intake, window.services.store
    earlier_id, sha = _earlier(store)
    assert app.signIn("1234")
    intake.start()
    app.go("intake")
    intake.chooseProcedure("1.004194")  # temporary residence: CT01 + CO
    window.services.extras["route_read"](CCCD)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: intake.papers["state"] != "looking", timeout=30_000)
    intake.setField("phone", "0912345678")
    intake.next()
    assert intake.session.step_name == "checklist"
    # Found, but nothing shown before the citizen agrees.
    assert intake.papers["state"] == "waiting" and intake.papers["count"] == 2
    co = next(i for i, c in enumerate(intake.session.components) if c.code == "CO")
    assert _rows(intake)[co]["offers"] == []
    intake.agreePapers(True)
    offers = _rows(intake)[co]["offers"]
    assert [o["id"] for o in offers] == [f"{earlier_id}:CO"]
    assert offers[0]["short"].startswith("Dùng lại bản ")
    # The declaration form is never offered.
    ct01 = next(i for i, c in enumerate(intake.session.components) if c.code == "CT01")
    assert _rows(intake)[ct01]["offers"] == []
    intake.reusePaper(co, offers[0]["id"])
    row = _rows(intake)[co]
    assert row["checked"] and row["reused"] == offers[0]["id"] and not row["needsScan"]
    assert "hồ sơ" in row["reusedLabel"]
    intake.setChecked(ct01, True)
    intake.next()
    assert intake.session.step_name == "scan"
    # Only the declaration waits for the scanner.
    assert [c.code for c in intake.session.unscanned()] == ["CT01"]
    intake.selectComponent(ct01)
    intake.scan()
    wait_idle(qtbot, window)
    intake.next()
    assert intake.session.step_name == "review" and intake.problems == []
    intake.save()
    wait_idle(qtbot, window)
    record = store.get_dossier(intake.saved["code"])
    reused = next(c for c in record["components"] if c["code"] == "CO")
    assert reused["from_national_db"] is True
    assert [p["sha256"] for p in reused["pages"]] == [sha]  # the same file, not a copy
    assert any(e["action"] == "papers.lookup" for e in store.audit_log())


def test_the_citizen_refuses_and_nothing_is_offered(qtbot: Any, window: Any) -> None:
    app, intake, store = window.app, window.intake, window.services.store
    _earlier(store)
    assert app.signIn("1234")
    # As the citizen window wires it: the question goes to the citizen's screen.
    asked: list[tuple[int, Any]] = []
    intake.paper_store.ask_citizen = lambda n, answer: asked.append((n, answer))
    intake.start()
    app.go("intake")
    intake.chooseProcedure("1.004194")
    window.services.extras["route_read"](CCCD)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: bool(asked), timeout=30_000)
    assert asked[0][0] == 2 and intake.papers["citizenScreen"] is True
    asked[0][1](False)  # «Không» on the citizen screen
    assert intake.papers["state"] == "refused"
    co = next(i for i, c in enumerate(intake.session.components) if c.code == "CO")
    assert _rows(intake)[co]["offers"] == []
    intake.reusePaper(co, "anything")  # nothing happens
    assert not intake.session.components[co].reused


def test_the_citizen_agrees_on_the_citizen_screen(qtbot: Any, qapp: Any,
                                                  kiosk_home: Any) -> None:
    from kiosk.ui.app import build_services, create_window
    from tests.ui.conftest import configure

    config = configure()
    config.set("ui.citizen_screen", "0")  # offscreen has one screen: put it there
    config.save()
    win = create_window(build_services(config, demo=True))
    try:
        side = next(e for e in win.extras if type(e).__name__ == "CitizenSide")
        citizen, intake = side.model, win.intake
        earlier_id, _sha = _earlier(win.services.store)
        assert win.app.signIn("1234")
        intake.start()
        win.app.go("intake")
        intake.chooseProcedure("1.004194")
        win.services.extras["route_read"](CCCD)
        wait_idle(qtbot, win)
        qtbot.waitUntil(lambda: citizen.papersAsk == 2, timeout=30_000)
        assert citizen.mode == "check"
        assert intake.papers["state"] == "waiting" and intake.papers["citizenScreen"]
        citizen.answerPapers(True)  # «Đồng ý» on the citizen's screen
        assert citizen.papersAsk == 0 and intake.papers["state"] == "agreed"
        co = next(i for i, c in enumerate(intake.session.components) if c.code == "CO")
        assert [o["id"] for o in _rows(intake)[co]["offers"]] == [f"{earlier_id}:CO"]
    finally:
        win.close()
        qapp.processEvents()
