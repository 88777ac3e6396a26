"""The labelled page set: colour, blank and fault decisions against their labels."""

from __future__ import annotations

import pytest

from kiosk.devices.pipeline.page_set import Labelled, generated, sane_pages
from kiosk.devices.pipeline.process import Component, process_page

DPI = 200


def _check(page: Labelled) -> None:
    done = process_page(page.image, page.dpi)
    facts = done.facts
    got = (facts.color, facts.blank, facts.fault)
    assert got == (page.color, page.blank, page.fault), (page.name, facts)
    if page.encodings:
        assert done.encoded.encoding in page.encodings, (page.name, done.encoded.encoding)
    if not page.color and not page.blank and not page.fault and not facts.photo:
        assert done.encoded.encoding == "g4", page.name  # black text stays 1-bit


@pytest.mark.parametrize("page", list(generated(DPI)), ids=lambda p: p.name)
def test_generated_page_decisions(page: Labelled) -> None:
    _check(page)


def test_every_sane_test_picture_gets_its_label() -> None:
    pages = list(sane_pages(DPI))
    if not pages:
        pytest.skip("python-sane with the test backend is not available")
    assert len(pages) == 8
    for page in pages:
        _check(page)


def test_an_all_black_sheet_is_kept_and_reported_not_set_aside() -> None:
    page = next(p for p in generated(DPI) if p.fault == "all_black")
    done = process_page(page.image, page.dpi)
    component = Component([done])
    assert component.kept() == [done] and component.set_aside() == []
    assert done.to_json()["fault"] == "all_black"
