"""The Detail screen's «Số, ngày» for a scanned document (issue 24 §3/§4): after the
background reader has read the scan (real Tesseract, in its helper), the dialog opens with
the number and dates the text suggests; the clerk corrects one and confirms with touches;
the citizen's store then carries them, and the expired paper is no longer offered."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk import ocr
from kiosk.clock import now
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput
from kiosk.storage import papers as local_papers
from tests.ocr.test_ocr_search import typed_page
from tests.ocr.test_paper_facts import PAPER
from tests.ui.conftest import wait_idle
from tests.ui.qml_items import click, item_value, keyboard_up, qml, reach, type_into

pytestmark = pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr-vie not installed")
OWNER = "001158024485"


def test_the_clerk_confirms_the_suggested_number_and_dates(qtbot: Any, window: Any) -> None:
    store = window.services.store
    saved = store.save_dossier(DossierInput(
        "1.004222", ApplicantInput("Trần Văn Quý", id_number=OWNER),
        components=[ComponentInput("Giấy tờ chứng minh chỗ ở hợp pháp", code="CO",
                                   pages=[PageInput(store.put_file(typed_page(PAPER)),
                                                    "application/pdf")])]), actor="canbo")
    assert window.app.signIn("1234")
    reader = window.services.extras["ocr"]
    reader.poke()
    assert reader.wait(300) and reader.read == 1
    window.detail.load(saved.code)
    window.app.go("detail", saved.code)
    wait_idle(qtbot, window)
    facts = window.services.extras["paper_facts"]
    click(qtbot, window, "factsButton_0")
    qtbot.waitUntil(lambda: facts.paperId != "", timeout=10_000)
    wait_idle(qtbot, window)
    assert item_value(qtbot, window, "factsNumber", "text") == "125/2025/GXN"
    assert item_value(qtbot, window, "factsIssued", "text") == "05/03/2025"
    assert item_value(qtbot, window, "factsUntil", "text") == "05/09/2025"
    assert "Gợi ý từ chữ đọc được" in item_value(qtbot, window, "factsSource", "text")
    # A wrong date typed is refused with a message; nothing recorded, the dialog stays.
    type_into(qtbot, window, "factsIssued", "31/02/2025")
    typed(qtbot, window, "31/02/2025")
    click(qtbot, window, "factsConfirm")
    qtbot.waitUntil(lambda: "«31/02/2025» không hợp lệ" in str(qml(window, "toastText", "text")),
                    timeout=10_000)
    assert facts.paperId and not _papers(store)[0]["issued"]
    type_into(qtbot, window, "factsIssued", "05/03/2025")
    typed(qtbot, window, "05/03/2025")
    # With the keyboard up, Confirm stays in the dialog's fixed row above the keys (it used
    # to scroll with the fields, under the keys): reached without closing them.
    assert keyboard_up(window)
    qtbot.waitUntil(lambda: reach(window, "factsConfirm") == "ok", timeout=10_000)
    click(qtbot, window, "factsConfirm")
    qtbot.waitUntil(lambda: _papers(store)[0]["issued"] == "2025-03-05", timeout=10_000)
    [paper] = _papers(store)
    assert (paper["number"], paper["valid_until"], paper["expired"]) == (
        "125/2025/GXN", "2025-09-05", True)
    # Opened again: what was confirmed, not the suggestion.
    qtbot.waitUntil(lambda: qml(window, "factsConfirm") is None, timeout=10_000)  # closed
    click(qtbot, window, "factsButton_0")
    qtbot.waitUntil(lambda: "Đã xác nhận" in str(facts.source), timeout=10_000)
    assert item_value(qtbot, window, "factsIssued", "text") == "05/03/2025"


def typed(qtbot: Any, window: Any, text: str) -> None:
    """Until the field shows what was typed: the wedge filter may hold a person's keys a
    moment before the field gets them, and Confirm reads the field."""
    qtbot.waitUntil(lambda: item_value(qtbot, window, "factsIssued", "text") == text,
                    timeout=10_000)


def _papers(store: Any) -> list[dict[str, Any]]:
    return store.read(lambda db: local_papers.for_id_number(db, OWNER, now().date()))
