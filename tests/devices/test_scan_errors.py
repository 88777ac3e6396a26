"""Every SANE message string maps to one typed error with a Vietnamese message and a hint."""

from __future__ import annotations

import pytest

from kiosk.devices.scanner.errors import (
    SANE_MESSAGES,
    CoverOpen,
    FeederEmpty,
    NoScanner,
    PaperJam,
    ScannerAccessDenied,
    ScannerBusy,
    ScannerFailure,
    ScannerIOError,
    ScannerUnplugged,
    ScannerUnsupported,
    from_sane_message,
)
from kiosk.errors import DeviceError
from kiosk.i18n import set_language


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Document feeder jammed", PaperJam),
        ("Scanner cover is open", CoverOpen),
        ("Error during device I/O", ScannerIOError),
        ("Device busy", ScannerBusy),
        ("Access to resource has been denied", ScannerAccessDenied),
        ("Operation not supported", ScannerUnsupported),
        ("Document feeder out of documents", FeederEmpty),
        ("Scanner returned no data", ScannerIOError),
        ("No such scan device 'x'", ScannerUnplugged),
        ("Out of memory", ScannerFailure),
        ("Something new from a backend", ScannerFailure),
    ],
)
def test_message_maps_to_type(message: str, expected: type) -> None:
    error = from_sane_message(message, pages_scanned=2, device="epson2:libusb:001:004")
    assert type(error) is expected
    assert isinstance(error, DeviceError)
    assert error.message and error.hint
    assert error.to_json()["details"]["code"] == error.code
    assert error.pages_scanned == 2


def test_every_listed_message_is_mapped() -> None:
    for message in SANE_MESSAGES:
        assert from_sane_message(message).code != ""


def test_invalid_argument_when_opening_means_no_scanner() -> None:
    assert isinstance(from_sane_message("Invalid argument", opening=True, device="x"), NoScanner)
    assert isinstance(from_sane_message("Invalid argument"), ScannerUnsupported)


def test_kept_pages_are_mentioned_only_when_there_are_some() -> None:
    assert "3 trang" in (from_sane_message("Document feeder jammed", pages_scanned=3).hint or "")
    assert "trang quét trước" not in (from_sane_message("Document feeder jammed").hint or "")


def test_unknown_message_keeps_sane_text_for_a_maintainer() -> None:
    error = from_sane_message("Weird backend thing")
    # The clerk reads plain words; SANE's text is for the log and the admin's details.
    assert error.message == "Máy quét báo lỗi." and "Weird" not in str(error)
    assert error.details["sane_message"] == "Weird backend thing"
    assert "Weird backend thing" in error.technical()


def test_messages_follow_the_language() -> None:
    try:
        set_language("en")
        error = from_sane_message("Document feeder jammed", pages_scanned=1)
        assert error.message == "Paper jam in the document feeder."
    finally:
        set_language("vi")
