"""One feeder pass for the whole dossier, split at blank separator sheets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.ui.conftest import configure, wait_idle


@pytest.fixture
def adf_window(qapp: Any, kiosk_home: Any) -> Iterator[Any]:
    from kiosk.devices.pipeline.samples import gray_letter, letter_page
    from kiosk.devices.scanner.fake import FakeScanDriver
    from kiosk.ui.app import build_services, create_window

    letter, gray = letter_page(200)[0], gray_letter(200)[0]
    blank = FakeScanDriver.blank_pages(1, size=letter.shape[:2])[0]
    # Declaration (2 sheets) | separator | birth certificate | separator | power of attorney
    driver = FakeScanDriver(pages=[letter, gray, blank, letter, blank, gray])
    services = build_services(configure(source="adf", resolution=200), demo=True,
                              scanner_factory=lambda: driver)
    win = create_window(services)
    yield win
    win.close()
    qapp.processEvents()


def test_one_pass_split_at_blank_sheets(qtbot: Any, adf_window: Any) -> None:
    win = adf_window
    intake = win.intake
    assert win.app.signIn("1234")
    intake.start()
    intake.chooseProcedure("1.001193")
    intake.setField("name", "Nguyễn Thị Hồng Nhung")
    intake.next()
    intake.tick(0, "")
    intake.tick(1, "")
    intake.tick(2, "")  # the ID card shown
    intake.tick(3, "certified_copy")
    intake.next()
    assert intake.canScanAll
    intake.scanAll()
    wait_idle(qtbot, win, timeout=120_000)
    comps = intake.session.components
    assert [len(c.kept_pages()) for c in comps] == [2, 1, 0, 1]
    # Each separator is kept aside (blank) with the document it ends, not thrown away.
    assert [sum(p.blank for p in c.pages) for c in comps] == [1, 1, 0, 0]
    assert not intake.session.problems("scan")
    assert not intake.canScanAll


def test_printed_separator_sheet_splits_in_duplex_too(qtbot: Any, qapp: Any, kiosk_home: Any,
                                                      tmp_path: Any) -> None:
    """The sheet ``kiosk separator`` prints, rasterised as a scanner would read it."""
    from kiosk.cli import main
    from kiosk.devices.pipeline.samples import gray_letter, letter_page
    from kiosk.devices.scanner.fake import FakeScanDriver
    from kiosk.ui.app import build_services, create_window
    from tests.forms.helpers import rasterize

    pdf = tmp_path / "sep.pdf"
    assert main(["separator", "--out", str(pdf)]) == 0
    import numpy as np
    from PIL import Image

    sheet = np.asarray(Image.open(rasterize(pdf, 200)[0]).convert("RGB"))
    letter, gray = letter_page(200)[0], gray_letter(200)[0]
    back = FakeScanDriver.blank_pages(1, size=letter.shape[:2])[0]
    # Duplex: every sheet has a front and a back; the letters' backs are blank.
    driver = FakeScanDriver(pages=[letter, back, gray, back, sheet, back, letter, back])
    services = build_services(configure(source="duplex", resolution=200), demo=True,
                              scanner_factory=lambda: driver)
    win = create_window(services)
    try:
        intake = win.intake
        assert win.app.signIn("1234")
        intake.start()
        intake.chooseProcedure("2.000815")  # certified copy: the original and its copies
        intake.setField("name", "Phạm Quốc Việt")
        intake.next()
        intake.tick(0, "")
        intake.tick(1, "")
        intake.next()
        assert intake.canScanAll
        intake.scanAll()
        wait_idle(qtbot, win, timeout=120_000)
        comps = intake.session.components
        # Blank backs stay with their document; only the printed sheet splits.
        assert [len(c.kept_pages()) for c in comps] == [2, 1]
        assert sum(p.separator for p in comps[0].pages) == 1
    finally:
        win.close()
        qapp.processEvents()
