"""Issue 25 §2 on the touch screen: the papers of a supplement brought to the counter are
scanned into the dossier from its screen (SANE test backend, the scanner process and the
page pipeline helper), recorded as new components beside the old ones, the due time moved
by the rule of the request (hand-computed as in tests/storage/test_supplements.py: 3
working days, received Mon 2 Nov 2026 09:00, asked Tue 09:00, papers Wed 09:00), and the
receipt printed listing them. Printing goes to the fake print system, as in the other
offscreen tests; the receipt's PDF is read back."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk import clock
from kiosk.dossier import Status
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput
from tests.forms.helpers import pdf_text
from tests.ui.conftest import wait_idle
from tests.ui.qml_items import click, qml

PROC = "1.004873"  # 3 working days


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=clock.TZ)


def idle(qtbot: Any, win: Any, model: Any) -> None:
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: not model.busy and win.tasks.pending == 0, timeout=120_000)


@pytest.mark.parametrize(("rule", "new_due"), [
    ("pause", "2026-11-06T09:00"),     # one working day waited: Thu → Fri
    ("restart", "2026-11-09T09:00"),   # three days again from Wed 09:00: Thu, Fri, Mon
])
def test_papers_brought_are_scanned_in_and_the_receipt_prints(
        qtbot: Any, window: Any, tmp_path: Path, rule: str, new_due: str) -> None:
    from kiosk.devices.printer.fake import FakePrinter

    win = window
    store = win.services.store
    store.config.set("supplement.clock_rule", rule)
    fake = FakePrinter()
    win.services.printer.printer = fake
    win.services.config.set("printer.name", "Fake-A4")
    assert win.app.signIn("1234")
    messages: list[tuple[str, str]] = []
    win.app.message.connect(lambda text, kind: messages.append((text, kind)))
    try:
        clock.set_source(lambda: at("2026-11-02T09:00"))
        first = store.put_file(b"%PDF-1.4 to khai")
        code = store.save_dossier(DossierInput(
            PROC, ApplicantInput("Lê Văn Cường", id_number="001085001234"),
            components=[ComponentInput("Tờ khai", code="TK", pages=[PageInput(first)])]),
            "canbo").code
        assert store.get_dossier(code)["due_at"] == clock.iso(at("2026-11-05T09:00"))
        win.detail.load(code)
        win.app.go("detail", code)
        wait_idle(qtbot, win)
        assert qml(win, "receiveSupplementButton") is None  # only while waiting (5)
        clock.set_source(lambda: at("2026-11-03T09:00"))
        assert win.detail.askSupplement("Bản sao giấy xác nhận cư trú")
        wait_idle(qtbot, win)
        qtbot.waitUntil(lambda: win.detail.dossier.get("status") == 5, timeout=30_000)
        fake.jobs.clear()  # Mẫu 02

        clock.set_source(lambda: at("2026-11-04T09:00"))
        model = win.services.extras["supplement"]
        click(qtbot, win, "receiveSupplementButton")
        idle(qtbot, win, model)
        assert model.code == code and model.asked == ["Bản sao giấy xác nhận cư trú"]
        rows = model.rows
        assert rows and rows[-1]["name"] == "Giấy tờ bổ sung khác"
        assert qml(win, "supplementAsked", "text") == "Đã yêu cầu: Bản sao giấy xác nhận cư trú"
        # Nothing scanned yet: nothing to record.
        assert not model.receive()
        assert messages[-1][1] == "error"
        assert messages[-1][0].startswith("Chưa quét giấy tờ bổ sung nào."), messages[-1]
        other = len(rows) - 1
        click(qtbot, win, f"supplementScan_{other}")
        qtbot.waitUntil(lambda: model.pageCount >= 1 and not model.busy, timeout=120_000)
        idle(qtbot, win, model)
        assert model.rows[other]["pages"] == 1
        if os.environ.get("KIOSK_SHOTS"):
            win.root().grabWindow().save(str(Path(os.environ["KIOSK_SHOTS"]) /
                                             f"supplement-scanned-{rule}.png"))
        click(qtbot, win, "supplementReceiveConfirm")
        qtbot.waitUntil(lambda: bool(model.result.get("due")), timeout=60_000)
        idle(qtbot, win, model)

        record = store.get_dossier(code)
        assert record["status"] == int(Status.RECEIVED)
        assert record["due_at"] == clock.iso(at(new_due))
        # Append-only: the first paper kept, the supplement a new component after it.
        comps = record["components"]
        assert [c["code"] for c in comps] == ["TK", "BS"]
        assert comps[0]["pages"][0]["sha256"] == first
        assert comps[1]["name"] == "Giấy tờ bổ sung khác" and len(comps[1]["pages"]) == 1
        assert store.files.read(comps[1]["pages"][0]["sha256"])[:5] == b"%PDF-"
        round_ = record["supplements"][0]
        assert round_["received_at"] == clock.iso(at("2026-11-04T09:00"))
        assert round_["new_due_at"] == clock.iso(at(new_due))
        assert round_["previous_due_at"] == clock.iso(at("2026-11-05T09:00"))
        # The new due time on the dialog and on the dossier screen.
        want = new_due[8:10] + "/" + new_due[5:7] + "/" + new_due[:4]
        status_text = qml(win, "supplementStatus", "text")
        assert "Hẹn trả mới" in status_text and want in status_text, status_text
        qtbot.waitUntil(lambda: want in win.detail.dossier.get("due", ""), timeout=30_000)
        assert any(k == "ok" and "Đã nhận 1 giấy tờ bổ sung" in t for t, k in messages)
        # The receipt: printed once, listing the supplement's paper and the new date.
        qtbot.waitUntil(lambda: len(fake.jobs) == 1, timeout=60_000)
        receipt = tmp_path / "bien-nhan.pdf"
        receipt.write_bytes(next(iter(fake.jobs.values())).pdf)
        text = pdf_text(receipt)
        assert code in text and "Giấy tờ bổ sung khác" in text, text
        words = f"09 giờ 00 phút, ngày {new_due[8:10]} tháng {new_due[5:7]} năm {new_due[:4]}"
        assert f"Thời gian hẹn trả kết quả: {words}" in text, text
        if os.environ.get("KIOSK_SHOTS"):
            win.root().grabWindow().save(str(Path(os.environ["KIOSK_SHOTS"]) /
                                             f"supplement-received-{rule}.png"))
        # A second round is not offered: the dossier is back at 2.
        click(qtbot, win, "supplementReceiveClose")
        wait_idle(qtbot, win)
        assert qml(win, "receiveSupplementButton") is None
    finally:
        clock.set_source(None)
