"""Routing reads: CCCD → applicant (with the lost-diacritics warning), dossier code of this
unit → the dossier from a real Store, other units and unknown codes → clear messages,
the de-duplication window, and the fake source feeding a router from its thread."""

from __future__ import annotations

import queue
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.clock import TZ
from kiosk.devices.barcode.fake import FakeSource, Step
from kiosk.devices.barcode.routing import Router, classify, dossier_code_in, store_lookup
from kiosk.devices.barcode.source import UNKNOWN, Read
from kiosk.errors import DeviceError

CCCD = "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Khánh Vân, Khánh Hà, Thường Tín, Hà Nội|24042021"
UNIT = "000.00.04.H40"


def read(text: str) -> Read:
    return Read(text, UNKNOWN, "test")


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_cccd_variants_become_an_applicant() -> None:
    for text in (CCCD, "\ufeff" + CCCD + "\r\n", CCCD.replace("|110419092|", "||") + "||||"):
        c = classify(text)
        assert c.kind == "cccd" and c.problem is None and c.warning is None
        assert c.parsed is not None
        assert c.parsed["full_name"] == "Đinh Thị Huyền"
        assert c.parsed["id_number"] == "001158024485"


def test_cccd_that_lost_its_diacritics_is_flagged() -> None:
    ascii_only = "001158024485|110419092|Dinh Thi Huyen|08101958|Nu|Khanh Van, Ha Noi|24042021"
    mangled = CCCD.replace("Đinh Thị Huyền", "?inh Th? Huy?n")
    for text in (ascii_only, mangled):
        c = classify(text)
        assert c.kind == "cccd" and c.problem is None
        assert c.warning is not None and "serial" in c.warning
    routed = Router(UNIT).route(read(ascii_only))
    assert routed is not None and routed.ok and routed.warning  # usable, with the doubt shown


def test_malformed_cccd_is_a_clear_message() -> None:
    routed = Router(UNIT).route(read("001158024485|110419092|Đinh Thị Huyền|31021958|Nữ|Hà Nội|x"))
    assert routed is not None and routed.kind == "cccd" and not routed.ok
    assert routed.message and routed.hint


def test_dossier_codes_plain_and_in_a_lookup_url() -> None:
    code = f"{UNIT}-261122-1001"
    assert dossier_code_in(code) == code
    assert dossier_code_in(f"https://dichvucong.example.vn/tra-cuu/{code}") == code
    assert dossier_code_in(f"https://x.vn/tra-cuu?ma={code}&lang=vi") == code
    assert dossier_code_in("https://x.vn/tra-cuu?ma=123") is None
    c = classify(f"https://x.vn/tra-cuu?ma={code}")
    assert c.kind == "dossier_code" and c.parsed is not None
    assert c.parsed == {"code": code, "unit_code": UNIT, "day": "2026-11-22", "seq": 1001,
                        "counter": 1}


def test_other_text_and_bad_dates_get_messages() -> None:
    for text in ("https://example.com", "hello", f"{UNIT}-261340-1001"):
        routed = Router(UNIT).route(read(text))
        assert routed is not None and routed.message and routed.hint is not None, text


def test_other_unit_and_missing_dossier() -> None:
    router = Router(UNIT, lookup=lambda code: None)
    other = router.route(read("000.00.00.H49-261122-1001"))
    assert other is not None and other.message and "000.00.00.H49" in other.message
    missing = router.route(read(f"{UNIT}-261122-1001"))
    assert missing is not None and missing.dossier is None
    assert missing.message and f"{UNIT}-261122-1001" in missing.message


def test_duplicates_within_the_window_are_merged() -> None:
    clock = Clock()
    router = Router(UNIT, window_s=2.0, clock=clock)
    assert router.route(read(CCCD)) is not None
    clock.t += 1.0
    assert router.route(read(CCCD + "\r")) is None  # same code, scanner added CR
    clock.t += 1.5  # still held in view: the window slides
    assert router.route(read(CCCD)) is None
    clock.t += 2.5
    assert router.route(read(CCCD)) is not None
    assert router.route(read(f"{UNIT}-261122-1001")) is not None  # another code: not merged


def test_routes_to_a_dossier_saved_in_a_real_store(kiosk_home: Path) -> None:
    from kiosk.storage import ApplicantInput, DossierInput, Store

    store = Store(orphan_grace_seconds=None)
    try:
        saved = store.save_dossier(
            DossierInput("1.001193", ApplicantInput("Đinh Thị Huyền", id_number="001158024485"),
                         components=[], received_at=datetime(2026, 11, 23, 9, 0, tzinfo=TZ)),
            actor="test",
        )
        code = saved.code
        router = Router(str(store.config.get("unit.code")), lookup=store_lookup(store))
        routed = router.route(read(code))
        assert routed is not None and routed.ok and routed.dossier is not None
        assert routed.dossier["code"] == code
        payload = routed.to_json()
        assert payload["kind"] == "dossier_code" and payload["found"] is True
        unknown = router.route(read(code[:-4] + "1999"))
        assert unknown is not None and unknown.dossier is None and unknown.message
    finally:
        store.close()


def test_fake_source_feeds_a_router_from_its_thread() -> None:
    router = Router(UNIT)
    routed: queue.Queue[object] = queue.Queue()
    errors: list[DeviceError] = []
    problem = DeviceError("Đầu đọc bị rút ra.")
    source = FakeSource([Step(CCCD), Step(CCCD, 0.01), Step(error=problem),
                         Step(f"{UNIT}-261122-1001", 0.01)])
    source.start(lambda r: routed.put(router.route(r)), errors.append)
    assert source.done.wait(5)
    source.stop()
    results = [routed.get_nowait() for _ in range(3)]
    assert results[1] is None  # the second CCCD read within the window
    kinds = [getattr(r, "kind", None) for r in results]
    assert kinds == ["cccd", None, "dossier_code"]
    assert errors == [problem]


@pytest.mark.parametrize("text", ["", "   ", "\ufeff"])
def test_empty_reads_are_other(text: str) -> None:
    assert classify(text).kind == "other"
