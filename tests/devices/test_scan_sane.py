"""Scanning for real through python-sane and the SANE ``test`` backend (assets/sane)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from kiosk.devices.scanner.errors import (
    CoverOpen,
    FeederEmpty,
    NoScanner,
    PaperJam,
    ScannerBusy,
    ScannerError,
    ScannerIOError,
    ScannerUnplugged,
    ScannerUnsupported,
)
from kiosk.devices.scanner.protocol import (
    CancelToken,
    Mode,
    ScanEnd,
    ScanPage,
    ScanSettings,
    Source,
)
from kiosk.devices.scanner.sane_device import SaneApi, SaneHandle, prepare_environment
from kiosk.devices.scanner.sane_driver import SaneScanDriver
from kiosk.paths import asset

sane = pytest.importorskip("sane")

DEVICE = "test:0"
#: 75 dpi keeps each A4 page small; the code paths are the same as at 200 dpi.
FAST = 75


@pytest.fixture(autouse=True)
def project_sane_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANE_CONFIG_DIR", str(asset("sane")))


class InjectingApi(SaneApi):
    """The real SANE API, but the k-th ``start`` first sets the test backend's
    ``read-return-value`` so that sane_read returns the given status (real SANE strings)."""

    def __init__(self, status: str, at_start: int, extra: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.status, self.at_start, self.extra = status, at_start, extra or {}

    def open(self, name: str) -> SaneHandle:
        handle = super().open(name)
        api = self

        class Handle(SaneHandle):
            starts = 0

            def start(self) -> None:
                Handle.starts += 1
                if Handle.starts == api.at_start:
                    self.set("read_return_value", api.status)
                super().start()

        wrapped = Handle(handle._dev)
        for key, value in self.extra.items():
            wrapped.set(key, value)
        return wrapped


def run(driver: SaneScanDriver, settings: ScanSettings, **kw: Any) -> tuple[Any, list[ScanPage]]:
    pages: list[ScanPage] = []
    try:
        outcome = driver.scan(DEVICE, settings, on_page=pages.append, **kw)
    finally:
        driver.close()
    return outcome, pages


def test_environment_respects_existing_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANE_CONFIG_DIR", "/somewhere/else")
    assert prepare_environment() == "/somewhere/else"
    monkeypatch.delenv("SANE_CONFIG_DIR")
    assert prepare_environment("/etc/sane.d") == "/etc/sane.d"  # the setting, when given
    monkeypatch.delenv("SANE_CONFIG_DIR")
    assert prepare_environment() == str(asset("sane"))
    assert os.environ["SANE_CONFIG_DIR"] == str(asset("sane"))


def test_lists_the_test_device_and_reads_its_capabilities() -> None:
    driver = SaneScanDriver()
    try:
        names = [d.name for d in driver.list_devices()]
        caps = driver.capabilities(DEVICE)
    finally:
        driver.close()
    assert DEVICE in names
    assert caps.sources == (Source.FLATBED, Source.ADF)
    assert caps.modes == (Mode.COLOR, Mode.GRAY)
    assert caps.resolution_range == (50, 600)
    # test.conf's geometry must hold a whole A4 sheet
    assert caps.max_area_mm is not None and caps.max_area_mm[1] >= 297


def test_flatbed_page_is_a4_at_the_requested_resolution() -> None:
    outcome, pages = run(SaneScanDriver(), ScanSettings(Source.FLATBED, FAST, Mode.COLOR))
    assert outcome.end is ScanEnd.DONE and outcome.pages == 1
    (page,) = pages
    assert page.dpi == FAST
    h, w, channels = page.image.shape
    assert channels == 3
    # SANE rounds the scan area down to whole pixels
    assert abs(w - 210 / 25.4 * FAST) <= 1 and abs(h - 297 / 25.4 * FAST) <= 1


def test_gray_mode_gives_single_channel_pages() -> None:
    _, pages = run(SaneScanDriver(), ScanSettings(Source.FLATBED, FAST, Mode.GRAY))
    assert pages[0].image.ndim == 2


def test_full_adf_batch_ends_normally_when_the_feeder_runs_out() -> None:
    outcome, pages = run(SaneScanDriver(), ScanSettings(Source.ADF, FAST))
    # The test backend's feeder holds 10 sheets; "out of documents" then is the normal end.
    assert outcome.end is ScanEnd.DONE
    assert outcome.pages == len(pages) == 10
    assert [p.index for p in pages] == list(range(10))


@pytest.mark.parametrize(
    ("status", "at_start", "error", "kept"),
    [
        ("SANE_STATUS_JAMMED", 4, PaperJam, 3),
        ("SANE_STATUS_COVER_OPEN", 1, CoverOpen, 0),
        ("SANE_STATUS_IO_ERROR", 3, ScannerIOError, 2),
        ("SANE_STATUS_DEVICE_BUSY", 1, ScannerBusy, 0),
        ("SANE_STATUS_NO_DOCS", 1, FeederEmpty, 0),
    ],
)
def test_device_errors_are_typed_and_keep_earlier_pages(
    status: str, at_start: int, error: type, kept: int
) -> None:
    driver = SaneScanDriver(InjectingApi(status, at_start))
    pages: list[ScanPage] = []
    with pytest.raises(error) as info:
        try:
            driver.scan(DEVICE, ScanSettings(Source.ADF, FAST), on_page=pages.append)
        finally:
            driver.close()
    raised = info.value
    assert isinstance(raised, ScannerError)
    assert len(pages) == kept
    assert raised.pages_scanned == kept
    assert raised.message and raised.hint
    if kept:
        assert str(kept) in raised.hint  # the clerk is told the pages are kept


def test_empty_feeder_after_some_pages_is_the_normal_end() -> None:
    outcome, pages = run(SaneScanDriver(InjectingApi("SANE_STATUS_NO_DOCS", 3)),
                         ScanSettings(Source.ADF, FAST))
    assert outcome.end is ScanEnd.DONE and len(pages) == 2


def test_cancel_between_pages_stops_the_batch() -> None:
    cancel = CancelToken()
    pages: list[ScanPage] = []

    def on_page(page: ScanPage) -> None:
        pages.append(page)
        if len(pages) == 2:
            cancel.cancel()

    driver = SaneScanDriver()
    try:
        outcome = driver.scan(DEVICE, ScanSettings(Source.ADF, FAST), cancel=cancel,
                              on_page=on_page)
    finally:
        driver.close()
    assert outcome.end is ScanEnd.CANCELLED and outcome.pages == 2 and len(pages) == 2


def test_cancel_while_a_page_is_being_read_drops_the_partial_page() -> None:
    cancel = CancelToken()
    pages: list[ScanPage] = []

    def on_progress(index: int, fraction: float) -> None:
        if index == 1 and fraction > 0.3:
            cancel.cancel()  # calls sane_cancel while sane_read is mid-page

    # Small reads so progress is reported many times per page.
    api = InjectingApi("Default", 0, {"read_limit": True, "read_limit_size": 2048})
    driver = SaneScanDriver(api)
    try:
        outcome = driver.scan(DEVICE, ScanSettings(Source.ADF, FAST), cancel=cancel,
                              on_page=pages.append, on_progress=on_progress)
    finally:
        driver.close()
    assert outcome.end is ScanEnd.CANCELLED
    assert len(pages) == 1
    assert abs(pages[0].image.shape[0] - 297 / 25.4 * FAST) <= 1  # only whole pages


def test_unknown_device_is_no_scanner() -> None:
    driver = SaneScanDriver()
    try:
        with pytest.raises(NoScanner) as info:
            driver.scan("test:9", ScanSettings(Source.FLATBED, FAST))
    finally:
        driver.close()
    assert "test:9" in info.value.message


def test_source_the_device_lacks_is_unsupported() -> None:
    driver = SaneScanDriver()
    try:
        with pytest.raises(ScannerUnsupported):
            driver.scan(DEVICE, ScanSettings(Source.DUPLEX, FAST))
    finally:
        driver.close()


def test_io_error_with_the_device_gone_is_unplugged() -> None:
    class VanishingApi(InjectingApi):
        def get_devices(self, local_only: bool = False) -> list[tuple[str, str, str, str]]:
            return []  # as if the cable was pulled when the error came

    driver = SaneScanDriver(VanishingApi("SANE_STATUS_IO_ERROR", 2))
    pages: list[ScanPage] = []
    with pytest.raises(ScannerUnplugged) as info:
        try:
            driver.scan(DEVICE, ScanSettings(Source.ADF, FAST), on_page=pages.append)
        finally:
            driver.close()
    assert info.value.pages_scanned == 1 and len(pages) == 1


def test_lineart_is_scanned_grey_for_the_pipeline_to_binarise() -> None:
    outcome, pages = run(SaneScanDriver(), ScanSettings(Source.FLATBED, FAST, Mode.LINEART))
    assert outcome.pages == 1 and pages[0].image.ndim == 2
