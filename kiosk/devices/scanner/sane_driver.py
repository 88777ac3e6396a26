"""The SANE scan driver: option matching, the page loop and error mapping, on a device thread.

Everything that talks to libsane runs on one :class:`DeviceThread`; public methods block the
caller until done (the UI calls them from its task runner, never the GUI thread). Page
assembly, option matching and error mapping live here and are tested against a fake
:class:`SaneApi`-like object as well as the real SANE ``test`` backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from kiosk.devices.scanner.device_thread import DeviceThread
from kiosk.devices.scanner.errors import (
    FeederEmpty,
    NoScanner,
    ScannerError,
    ScannerUnplugged,
    ScannerUnsupported,
    from_sane_message,
    is_feeder_empty,
)
from kiosk.devices.scanner.protocol import (
    CancelToken,
    Capabilities,
    Mode,
    PageCallback,
    ProgressCallback,
    ScanEnd,
    ScannerInfo,
    ScanOutcome,
    ScanPage,
    ScanSettings,
    Source,
)
from kiosk.devices.scanner.sane_device import OptionInfo, SaneApi, SaneFailure

#: Hears how a scan ended (its outcome, or the error it raises) before the device is released.
SettledCallback = Callable[["ScanOutcome | ScannerError"], None]


class SaneHandleLike(Protocol):
    def options(self) -> dict[str, OptionInfo]: ...
    def get(self, name: str) -> Any: ...
    def set(self, name: str, value: Any) -> None: ...
    def start(self) -> None: ...
    def snap(self, progress: Any = None) -> Any: ...
    def cancel(self) -> None: ...
    def close(self) -> None: ...


class SaneApiLike(Protocol):
    def init(self) -> None: ...
    def get_devices(self, local_only: bool = False) -> list[tuple[str, str, str, str]]: ...
    def open(self, name: str) -> SaneHandleLike: ...
    def exit(self) -> None: ...


# Backends name the same things differently; match on lower-case words, first hit wins.
_SOURCE_WORDS: dict[Source, tuple[str, ...]] = {
    Source.DUPLEX: ("duplex",),
    Source.ADF: ("adf", "feeder", "adf front", "automatic document feeder"),
    Source.FLATBED: ("flatbed", "platen", "glass", "normal"),
}
_MODE_WORDS: dict[Mode, tuple[str, ...]] = {
    Mode.COLOR: ("color", "colour", "24bit"),
    Mode.GRAY: ("gray", "grey", "8bit"),
    Mode.LINEART: ("lineart", "binary", "black & white", "halftone"),
}


def match_source(names: list[str]) -> dict[Source, str]:
    found: dict[Source, str] = {}
    for name in names:
        low = name.lower()
        if "duplex" in low:
            found.setdefault(Source.DUPLEX, name)
        elif "back" in low:
            continue  # back-side-only feeds are not a useful choice at the counter
        elif any(w in low for w in _SOURCE_WORDS[Source.ADF]):
            found.setdefault(Source.ADF, name)
        elif any(w in low for w in _SOURCE_WORDS[Source.FLATBED]):
            found.setdefault(Source.FLATBED, name)
    return found


def match_mode(names: list[str]) -> dict[Mode, str]:
    found: dict[Mode, str] = {}
    for name in names:
        low = name.lower()
        for mode, words in _MODE_WORDS.items():
            if any(w in low for w in words):
                found.setdefault(mode, name)
                break
    return found


def capabilities_from_options(options: dict[str, OptionInfo]) -> Capabilities:
    source_opt = options.get("source")
    if source_opt is not None and isinstance(source_opt.constraint, list):
        sources = match_source([str(s) for s in source_opt.constraint])
    else:
        sources = {Source.FLATBED: ""}
    mode_opt = options.get("mode")
    modes = match_mode([str(m) for m in mode_opt.constraint]) if (
        mode_opt is not None and isinstance(mode_opt.constraint, list)) else {}
    res_opt = options.get("resolution")
    resolutions: tuple[int, ...] = ()
    res_range: tuple[int, int] | None = None
    if res_opt is not None:
        if isinstance(res_opt.constraint, tuple):
            res_range = (int(res_opt.constraint[0]), int(res_opt.constraint[1]))
        elif isinstance(res_opt.constraint, list):
            resolutions = tuple(sorted(int(r) for r in res_opt.constraint))
    area: tuple[float, float] | None = None
    bx, by = options.get("br_x"), options.get("br_y")
    if bx and by and bx.unit == "mm" and isinstance(bx.constraint, tuple) and isinstance(
            by.constraint, tuple):
        area = (float(bx.constraint[1]), float(by.constraint[1]))
    order = [s for s in (Source.FLATBED, Source.ADF, Source.DUPLEX) if s in sources]
    mode_order = [m for m in (Mode.COLOR, Mode.GRAY, Mode.LINEART) if m in modes]
    return Capabilities(tuple(order), tuple(mode_order), resolutions, res_range, area)


class SaneScanDriver:
    """:class:`~kiosk.devices.scanner.protocol.ScanDriver` over python-sane."""

    def __init__(self, api: SaneApiLike | None = None, *, local_only: bool = False) -> None:
        self._api: SaneApiLike = api or SaneApi()
        self._local_only = local_only
        self._thread = DeviceThread("scanner")

    # --- the protocol -------------------------------------------------------------------

    def list_devices(self) -> list[ScannerInfo]:
        return self._thread.run(self._list_devices)

    def capabilities(self, device: str) -> Capabilities:
        return self._thread.run(self._capabilities, device)

    def scan(
        self,
        device: str,
        settings: ScanSettings,
        *,
        cancel: CancelToken | None = None,
        on_progress: ProgressCallback | None = None,
        on_page: PageCallback | None = None,
        on_settled: SettledCallback | None = None,
    ) -> ScanOutcome:
        """``on_settled`` (the scanner process's reply) hears the outcome or the error as
        soon as it is known, before the device is released: releasing can hang in a
        backend, and by then every page has been handed over."""
        token = cancel or CancelToken()
        return self._thread.run(self._scan, device, settings, token, on_progress, on_page,
                                on_settled)

    def close(self) -> None:
        try:
            self._thread.run(self._api.exit)
        finally:
            self._thread.shutdown()

    # --- on the device thread -----------------------------------------------------------

    def _list_devices(self) -> list[ScannerInfo]:
        self._thread.assert_on_thread()
        try:
            found = self._api.get_devices(self._local_only)
        except SaneFailure as exc:
            raise from_sane_message(exc.message) from exc
        return [ScannerInfo(name, vendor, model, kind) for name, vendor, model, kind in found]

    def _open(self, device: str, pages: int = 0) -> SaneHandleLike:
        try:
            return self._api.open(device)
        except SaneFailure as exc:
            raise from_sane_message(exc.message, device=device, opening=True,
                                    pages_scanned=pages) from exc

    def _capabilities(self, device: str) -> Capabilities:
        self._thread.assert_on_thread()
        handle = self._open(device)
        try:
            return capabilities_from_options(handle.options())
        finally:
            handle.close()

    def _apply(self, handle: SaneHandleLike, device: str, settings: ScanSettings) -> None:
        options = handle.options()
        caps = capabilities_from_options(options)
        source_opt = options.get("source")
        if source_opt is not None and isinstance(source_opt.constraint, list):
            names = match_source([str(s) for s in source_opt.constraint])
            if settings.source not in names:
                raise ScannerUnsupported.create(device=device, detail=settings.source.value)
            self._set(handle, device, "source", names[settings.source])
        elif settings.source is not Source.FLATBED:
            raise ScannerUnsupported.create(device=device, detail=settings.source.value)
        mode_opt = options.get("mode")
        if mode_opt is not None and isinstance(mode_opt.constraint, list):
            modes = match_mode([str(m) for m in mode_opt.constraint])
            wanted: Mode | None = settings.mode if settings.mode in modes else None
            if settings.mode is Mode.LINEART and Mode.GRAY in modes:
                # Scan grey and let the pipeline binarise (background-normalised, at 1.5×):
                # better text than a scanner's fixed threshold, and it avoids 1-bit packed
                # frames, whose layout differs between backends.
                wanted = Mode.GRAY
            if wanted is None:
                raise ScannerUnsupported.create(device=device, detail=settings.mode.value)
            self._set(handle, device, "mode", modes[wanted])
        if "resolution" in options and options["resolution"].settable:
            self._set(handle, device, "resolution", caps.nearest_resolution(settings.resolution))
        # Scan area: A4 from the top-left corner, clipped to what the device can do.
        for name, value in (("tl_x", 0.0), ("tl_y", 0.0),
                            ("br_x", settings.page_mm[0]), ("br_y", settings.page_mm[1])):
            opt = options.get(name)
            if opt is None or not (opt.active and opt.settable) or opt.unit != "mm":
                continue
            if isinstance(opt.constraint, tuple):
                value = max(float(opt.constraint[0]), min(float(opt.constraint[1]), value))
            self._set(handle, device, name, value)

    def _set(self, handle: SaneHandleLike, device: str, name: str, value: Any) -> None:
        try:
            handle.set(name, value)
        except SaneFailure as exc:
            raise ScannerUnsupported.create(device=device, detail=f"{name}={value}") from exc

    def _scan(
        self,
        device: str,
        settings: ScanSettings,
        cancel: CancelToken,
        on_progress: ProgressCallback | None,
        on_page: PageCallback | None,
        on_settled: SettledCallback | None = None,
    ) -> ScanOutcome:
        self._thread.assert_on_thread()
        handle = self._open(device)
        remove_cancel = cancel.add_callback(handle.cancel)
        try:
            try:
                outcome = self._read_pages(handle, device, settings, cancel, on_progress,
                                           on_page)
            except ScannerError as exc:
                if on_settled is not None:
                    on_settled(exc)
                raise
            if on_settled is not None:
                on_settled(outcome)
            return outcome
        finally:
            remove_cancel()
            handle.cancel()  # SANE: ends the batch (and releases the feeder)
            handle.close()

    def _read_pages(
        self,
        handle: SaneHandleLike,
        device: str,
        settings: ScanSettings,
        cancel: CancelToken,
        on_progress: ProgressCallback | None,
        on_page: PageCallback | None,
    ) -> ScanOutcome:
        pages = 0
        end = ScanEnd.DONE
        self._apply(handle, device, settings)
        dpi = round(float(handle.get("resolution"))) if "resolution" in \
            handle.options() else settings.resolution
        while True:
            if cancel.cancelled:
                end = ScanEnd.CANCELLED
                break
            try:
                handle.start()
                index = pages

                def progress(done: int, total: int, index: int = index) -> None:
                    if on_progress is not None and total > 0:
                        on_progress(index, min(1.0, done / total))

                image = handle.snap(progress)
            except SaneFailure as exc:
                if cancel.cancelled:
                    end = ScanEnd.CANCELLED
                    break
                if is_feeder_empty(exc.message):
                    if pages == 0 and settings.source is not Source.FLATBED:
                        raise FeederEmpty.create(device=device) from exc
                    break  # the normal end of an ADF batch
                raise self._mid_batch_error(exc.message, device, pages) from exc
            if cancel.cancelled:
                # A cancelled read returns a truncated frame: never pass half a page on.
                end = ScanEnd.CANCELLED
                break
            side = "back" if settings.source is Source.DUPLEX and pages % 2 else "front"
            page = ScanPage(index=pages, image=image, dpi=dpi, side=side)
            pages += 1
            if on_page is not None:
                on_page(page)
            if settings.source is Source.FLATBED:
                break
        return ScanOutcome(pages=pages, end=end, device=device, settings=settings)

    def _mid_batch_error(self, message: str, device: str, pages: int) -> ScannerError:
        error = from_sane_message(message, device=device, pages_scanned=pages)
        if error.code == "io_error":
            # An I/O error is also what an unplugged cable looks like; tell them apart by
            # asking whether the device is still there (slow with many backends, but we are
            # already on the device thread and the batch is over).
            try:
                present = any(d[0] == device for d in self._api.get_devices(self._local_only))
            except SaneFailure:
                present = False
            if not present:
                return ScannerUnplugged.create(device=device, pages_scanned=pages)
        return error


def pick_device(driver: Any, wanted: str = "") -> str:
    """The device to use: ``wanted`` if given (checked lazily at open), else the first found."""
    if wanted:
        return wanted
    devices = driver.list_devices()
    if not devices:
        raise NoScanner.create()
    return str(devices[0].name)
