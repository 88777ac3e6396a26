"""The app reads the text of saved scans in the page pipeline's helper process (never on
the GUI thread), and Look-up finds a dossier by words of its scans (issue 24 §4)."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk import ocr
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput
from tests.ocr.test_ocr_search import LINES, typed_page
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr-vie not installed")


def test_saved_scans_are_read_in_the_helper_and_found_by_their_words(
        qtbot: Any, window: Any) -> None:
    store = window.services.store
    saved = store.save_dossier(DossierInput(
        "1.004222", ApplicantInput("Trần Văn Quý", id_number="001158024485"),
        components=[ComponentInput("Giấy tờ chứng minh chỗ ở hợp pháp", code="CO",
                                   pages=[PageInput(store.put_file(typed_page(LINES)))])]),
        actor="canbo")
    assert window.app.signIn("1234")
    reader = window.services.extras["ocr"]
    reader.poke()  # as after an intake save
    assert reader.wait(300) and reader.read == 1
    from kiosk.storage import texts

    sha = store.get_dossier(saved.code)["components"][0]["pages"][0]["sha256"]
    text = store.read(lambda db: texts.text_of(db, sha))
    assert text is not None and "thuê nhà" in text.lower()
    window.app.go("lookup", "search")
    window.lookup.search("hop dong thue nha")
    wait_idle(qtbot, window)
    codes = [window.lookup.results.get(i)["code"] for i in range(window.lookup.results.count)]
    assert codes == [saved.code]
