"""The fake scanner, per-device defaults, the batch session and the device registry."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kiosk.config import Config
from kiosk.devices import registry
from kiosk.devices.pipeline.process import PipelineOptions
from kiosk.devices.scanner.defaults import remember, remembered, resolve_settings
from kiosk.devices.scanner.device_thread import DeviceThread
from kiosk.devices.scanner.errors import (
    FeederEmpty,
    NoScanner,
    PaperJam,
    ScannerError,
    ScannerIOError,
)
from kiosk.devices.scanner.fake import FakeScanDriver
from kiosk.devices.scanner.protocol import (
    CancelToken,
    Capabilities,
    Mode,
    ScanEnd,
    ScanPage,
    ScanSettings,
    Source,
)
from kiosk.devices.scanner.sane_driver import match_mode, match_source, pick_device
from kiosk.devices.scanner.session import scan_batch
from kiosk.errors import NotFound


def _lined_pages(n: int) -> list[np.ndarray]:
    """Tiny pages with a few "words" (separate dark marks, so they are not blank)."""
    page = np.full((300, 212, 3), 247, np.uint8)
    for x in range(30, 180, 40):
        page[100:110, x:x + 30] = 20
    return [page.copy() for _ in range(n)]


def test_fake_feeds_pages_and_injects_an_error_keeping_earlier_pages() -> None:
    fake = FakeScanDriver(pages=FakeScanDriver.blank_pages(5), fail_at=3,
                          fail_with=lambda n: PaperJam.create(pages_scanned=n))
    got: list[ScanPage] = []
    with pytest.raises(PaperJam) as info:
        fake.scan("fake:0", ScanSettings(), on_page=got.append)
    assert len(got) == 3 and info.value.pages_scanned == 3


def test_fake_empty_feeder_and_unknown_device() -> None:
    with pytest.raises(FeederEmpty):
        FakeScanDriver().scan("fake:0", ScanSettings(Source.ADF))
    with pytest.raises(NoScanner):
        FakeScanDriver().scan("nope", ScanSettings())


def test_fake_cancel_during_a_slow_page() -> None:
    fake = FakeScanDriver(pages=FakeScanDriver.blank_pages(4), delay_s=0.2)
    cancel = CancelToken()
    got: list[ScanPage] = []

    def on_page(page: ScanPage) -> None:
        got.append(page)
        cancel.cancel()

    outcome = fake.scan("fake:0", ScanSettings(), cancel=cancel, on_page=on_page)
    assert outcome.end is ScanEnd.CANCELLED and len(got) == 1


def test_cancel_token_runs_callbacks_once_and_late_registrations_at_once() -> None:
    token = CancelToken()
    calls: list[str] = []
    remove = token.add_callback(lambda: calls.append("a"))
    token.add_callback(lambda: calls.append("b"))()  # removed before cancel
    token.cancel()
    remove()
    token.add_callback(lambda: calls.append("late"))
    assert calls == ["a", "late"]


def test_device_thread_runs_work_on_one_named_thread() -> None:
    thread = DeviceThread("scanner")
    try:
        names = {thread.run(lambda: threading.current_thread().name) for _ in range(3)}
        assert len(names) == 1 and names.pop().startswith("scanner")
        with pytest.raises(RuntimeError):
            thread.assert_on_thread()
        thread.run(thread.assert_on_thread)
    finally:
        thread.shutdown()


def test_source_and_mode_names_of_real_backends_are_matched() -> None:
    # Names as reported by epson2, fujitsu, hp (hpaio) and the test backend
    assert match_source(["Flatbed", "ADF Front", "ADF Back", "ADF Duplex"]) == {
        Source.FLATBED: "Flatbed", Source.ADF: "ADF Front", Source.DUPLEX: "ADF Duplex"}
    assert match_source(["Automatic Document Feeder"]) == {
        Source.ADF: "Automatic Document Feeder"}
    assert match_mode(["Lineart", "Gray", "Color"]) == {
        Mode.LINEART: "Lineart", Mode.GRAY: "Gray", Mode.COLOR: "Color"}


def test_nearest_resolution_never_drops_below_what_was_asked() -> None:
    listed = Capabilities((Source.FLATBED,), (Mode.COLOR,), (75, 150, 300, 600), None)
    assert listed.nearest_resolution(200) == 300
    assert listed.nearest_resolution(1200) == 600
    ranged = Capabilities((Source.FLATBED,), (Mode.COLOR,), (), (50, 600))
    assert ranged.nearest_resolution(200) == 200 and ranged.nearest_resolution(9000) == 600


def test_per_device_defaults_are_remembered_and_ranked(tmp_path: Path) -> None:
    config = Config(tmp_path / "config.toml")
    config.set("scanner.resolution", 300)
    assert resolve_settings("dev", config).resolution == 300  # from config
    remember("dev", ScanSettings(Source.FLATBED, 150, Mode.GRAY))
    assert remembered("dev") == {"source": "flatbed", "resolution": 150, "mode": "gray"}
    settings = resolve_settings("dev", config)
    assert (settings.source, settings.resolution, settings.mode) == (
        Source.FLATBED, 150, Mode.GRAY)
    assert resolve_settings("dev", config, resolution=400).resolution == 400  # explicit wins
    assert resolve_settings("other", config).resolution == 300


def test_damaged_defaults_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text("{not json", encoding="utf-8")
    assert remembered("dev", path) == {}
    path.write_text('{"dev": {"source": "sideways"}}', encoding="utf-8")
    assert resolve_settings("dev", Config(tmp_path / "c.toml"), path=path).source is Source.ADF


def test_pick_device_without_any_scanner() -> None:
    with pytest.raises(NoScanner):
        pick_device(FakeScanDriver(devices=()))
    assert pick_device(FakeScanDriver()) == "fake:0"


def test_batch_keeps_processed_pages_when_the_scanner_fails() -> None:
    fake = FakeScanDriver(pages=_lined_pages(4), dpi=25, fail_at=2,
                          fail_with=lambda n: PaperJam.create(pages_scanned=n))
    result = scan_batch(fake, "fake:0", ScanSettings(), options=PipelineOptions())
    assert isinstance(result.error, PaperJam)
    assert len(result.component.pages) == 2
    assert result.component.pdf().startswith(b"%PDF-")


def test_registry_reports_a_failing_kind_without_hiding_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = type(registry)("fake_listers")

    def good(config: Any) -> list[dict[str, Any]]:
        return [{"name": "p1", "state": "ready"}]

    def bad(config: Any) -> list[dict[str, Any]]:
        raise NotFound("Không thấy máy in.", hint="Cắm máy in.")

    module.good, module.bad = good, bad  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "fake_listers", module)
    monkeypatch.setattr(registry, "LISTERS", {})
    registry.register("printers", "fake_listers:good")
    registry.register("barcode", "fake_listers:bad")
    out = registry.list_all(None)
    assert out["printers"] == [{"name": "p1", "state": "ready"}]
    assert out["barcode"][0]["state"] == "error" and out["barcode"][0]["hint"] == "Cắm máy in."
    assert registry.list_all(None, ["printers"]).keys() == {"printers"}
    with pytest.raises(ValueError):
        registry.register("x", "no_colon")


class Clerk:
    """A ScanHandler that answers from a script and records what it was asked."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def ask_continue(self, error: ScannerError) -> bool:
        self.asked.append(error.code)
        return self.answers.pop(0)




def test_clerk_clears_a_jam_and_the_batch_continues_into_the_same_component() -> None:
    fake = FakeScanDriver(pages=_lined_pages(5), dpi=25, fail_at=2, fail_times=1,
                          fail_with=lambda n: PaperJam.create(pages_scanned=n))
    clerk = Clerk(True)
    result = scan_batch(fake, "fake:0", ScanSettings(), handler=clerk)
    assert clerk.asked == ["paper_jam"]
    assert result.error is None and len(result.component.pages) == 5
    assert [p.index for p in result.component.pages] == [0, 1, 2, 3, 4]


def test_clerk_stops_after_a_jam_keeping_the_pages() -> None:
    fake = FakeScanDriver(pages=_lined_pages(5), dpi=25, fail_at=2,
                          fail_with=lambda n: PaperJam.create(pages_scanned=n))
    result = scan_batch(fake, "fake:0", ScanSettings(), handler=Clerk(False))
    assert isinstance(result.error, PaperJam) and len(result.component.pages) == 2


def test_unrecoverable_errors_are_not_offered_to_the_clerk() -> None:
    fake = FakeScanDriver(pages=_lined_pages(3), dpi=25, fail_at=1,
                          fail_with=lambda n: ScannerIOError.create(pages_scanned=n))
    clerk = Clerk()
    result = scan_batch(fake, "fake:0", ScanSettings(), handler=clerk)
    assert clerk.asked == [] and isinstance(result.error, ScannerIOError)
    assert len(result.component.pages) == 1


def test_missing_python_sane_turns_scanning_off_with_a_typed_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kiosk.devices.scanner.sane_device import SaneApi
    from kiosk.devices.scanner.sane_driver import SaneScanDriver

    monkeypatch.setitem(__import__("sys").modules, "sane", None)  # import sane → ImportError
    driver = SaneScanDriver(SaneApi())
    try:
        with pytest.raises(ScannerError) as info:
            driver.list_devices()
    finally:
        driver.close()
    # The clerk reads plain words; SANE's own text stays in the details for the admin.
    assert info.value.message == "Máy quét báo lỗi." and info.value.hint
    assert "SANE unavailable" in info.value.details["sane_message"]
