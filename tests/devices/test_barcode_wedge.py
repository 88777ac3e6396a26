"""The keyboard-wedge burst detector on timing traces: a fast scanner, a slow scanner, a fast
typist (with key rollover), mixtures, and the configurable prefix/suffix/minimum length.

Traces follow measured shapes: USB HID scanners send a key every 1–8 ms (fast) or 15–30 ms
(slow, or a Bluetooth link); typists at 100+ words a minute leave 40–200 ms between most
keys, with the odd 10–25 ms pair when two keys overlap (rollover)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.devices.barcode.source import Read
from kiosk.devices.barcode.wedge import ENTER, KeyEvent, WedgeDetector, WedgeSettings, feed_trace

CODE = "000.00.04.H40-261122-1001"


def scanner_trace(text: str, start: float, gap_ms: tuple[float, float], seed: int = 0,
                  enter: bool = True) -> list[KeyEvent]:
    rng = random.Random(seed)
    t, out = start, []
    for ch in text:
        out.append(KeyEvent(ch, t))
        t += rng.uniform(*gap_ms) / 1000
    if enter:
        out.append(KeyEvent("", t, ENTER))
    return out


def typist_trace(text: str, start: float, seed: int = 0, rollover_every: int = 4,
                 enter: bool = True) -> list[KeyEvent]:
    rng = random.Random(seed)
    t, out = start, []
    for i, ch in enumerate(text):
        out.append(KeyEvent(ch, t))
        fast_pair = i % rollover_every == rollover_every - 1
        t += (rng.uniform(10, 25) if fast_pair else rng.uniform(45, 200)) / 1000
    if enter:
        out.append(KeyEvent("", t + rng.uniform(60, 200) / 1000, ENTER))
    return out


def run(trace: list[KeyEvent], settings: WedgeSettings | None = None) -> tuple[list[str], str]:
    reads: list[Read] = []
    detector = WedgeDetector(settings, on_read=reads.append)
    typed = feed_trace(detector, trace)
    return [r.text for r in reads], typed


def test_fast_scanner_is_one_read_and_nothing_typed() -> None:
    for seed in range(50):
        reads, typed = run(scanner_trace(CODE, 10.0, (1, 8), seed))
        assert (reads, typed) == ([CODE], "")


def test_slow_scanner_within_the_gap_is_a_read() -> None:
    for seed in range(50):
        reads, typed = run(scanner_trace(CODE, 10.0, (15, 40), seed))
        assert (reads, typed) == ([CODE], "")


def test_slow_scanner_beyond_the_default_gap_needs_the_setting() -> None:
    trace = scanner_trace(CODE, 0.0, (55, 70), 1)
    assert run(trace) == ([], CODE + "\n")
    assert run(trace, WedgeSettings(max_gap_ms=80)) == ([CODE], "")


def test_fast_typist_is_never_a_scan() -> None:
    for seed in range(100):
        text = "Nguyen Van An 0912345678"
        reads, typed = run(typist_trace(text, 5.0, seed, rollover_every=2 + seed % 4))
        assert reads == []
        assert typed == text + "\n"


def test_typing_then_scan_then_typing_keeps_both_apart() -> None:
    before = typist_trace("ghi chu", 0.0, 1, enter=False)
    scan = scanner_trace(CODE, before[-1].t + 0.3, (2, 6), 2)
    after = typist_trace(" xong", scan[-1].t + 0.4, 3)
    reads, typed = run(before + scan + after)
    assert reads == [CODE]
    assert typed == "ghi chu xong\n"


def test_short_burst_and_burst_without_enter_are_typing() -> None:
    assert run(scanner_trace("12345", 0.0, (1, 3))) == ([], "12345\n")
    assert run(scanner_trace(CODE, 0.0, (1, 3), enter=False)) == ([], CODE)


def test_enter_after_a_pause_does_not_make_a_scan() -> None:
    trace = scanner_trace(CODE, 0.0, (1, 3), enter=False)
    trace.append(KeyEvent("", trace[-1].t + 0.5, ENTER))
    assert run(trace) == ([], CODE + "\n")


def test_prefix_and_suffix_are_required_and_stripped() -> None:
    settings = WedgeSettings(prefix="]", suffix="#")
    assert run(scanner_trace("]" + CODE + "#", 0.0, (1, 4)), settings) == ([CODE], "")
    # Without the prefix the same burst is typing; other keys pass at once, unheld.
    assert run(scanner_trace(CODE + "#", 0.0, (1, 4)), settings) == ([], CODE + "#\n")
    detector = WedgeDetector(settings)
    assert detector.feed(KeyEvent("a", 0.0)) == [KeyEvent("a", 0.0)]
    assert not detector.holding


def test_keys_are_held_then_released_by_poll() -> None:
    detector = WedgeDetector()
    first = KeyEvent("a", 1.0)
    assert detector.feed(first) == []
    assert detector.holding
    assert detector.poll(1.010) == []
    assert detector.poll(1.5) == [first]
    assert not detector.holding


def test_non_character_keys_flush_and_pass() -> None:
    detector = WedgeDetector()
    detector.feed(KeyEvent("a", 0.0))
    tab = KeyEvent("", 0.001, "Tab")
    assert detector.feed(tab) == [KeyEvent("a", 0.0), tab]


def test_cccd_with_vietnamese_text_through_the_wedge() -> None:
    payload = "001158024485||Đinh Thị Huyền|08101958|Nữ|Khánh Hà, Thường Tín, Hà Nội|24042021"
    reads, typed = run(scanner_trace(payload, 0.0, (1, 5)))
    assert (reads, typed) == ([payload], "")


def test_settings_from_config() -> None:
    from kiosk.config import Config

    config = Config.load()
    config.set("barcode.wedge_max_gap_ms", 50)
    config.set("barcode.wedge_prefix", "]")
    settings = WedgeSettings.from_config(config)
    assert settings == WedgeSettings(max_gap_ms=50.0, min_length=6, prefix="]", suffix="")


def test_wedge_that_dropped_diacritics_is_flagged_by_the_router() -> None:
    from kiosk.devices.barcode.routing import Router

    # What a wedge reader under a US layout types for the card of "Đinh Thị Huyền".
    typed = "001158024485|110419092|inh Th Huyn|08101958|N|Khnh Vn, H Ni|24042021"
    reads: list[Read] = []
    detector = WedgeDetector(on_read=reads.append)
    assert feed_trace(detector, scanner_trace(typed, 0.0, (1, 5))) == ""
    routed = Router("000.00.04.H40").route(reads[0])
    assert routed is not None and routed.kind == "cccd"
    assert not routed.ok and routed.message  # "N" is not a sex: the parser refuses it
    assert routed.warning is not None and "serial" in routed.warning  # and says why


# --- properties over arbitrary texts and timings --------------------------------------------

_chars = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\n")


@settings(max_examples=200, deadline=None)
@given(text=st.text(_chars, min_size=6, max_size=120),
       gaps=st.lists(st.floats(0.0, 49.0), min_size=120, max_size=120))
def test_any_burst_with_enter_is_exactly_one_read(text: str, gaps: list[float]) -> None:
    t, trace = 0.0, []
    for ch, gap in zip(text, gaps, strict=False):
        trace.append(KeyEvent(ch, t))
        t += gap / 1000
    trace.append(KeyEvent("", t, ENTER))
    assert run(trace) == ([text], "")


@settings(max_examples=200, deadline=None)
@given(text=st.text(_chars, min_size=1, max_size=60),
       gaps=st.lists(st.floats(51.0, 400.0), min_size=60, max_size=60))
def test_keys_slower_than_the_gap_are_always_typing(text: str, gaps: list[float]) -> None:
    t, trace = 0.0, []
    for ch, gap in zip(text, gaps, strict=False):
        trace.append(KeyEvent(ch, t))
        t += gap / 1000
    trace.append(KeyEvent("", t, ENTER))
    assert run(trace) == ([], text + "\n")


# --- what a USB reader really types: Shift around capitals, Enter or Tab, CapsLock ------------

def reader_trace(text: str, start: float, gap_ms: float, suffix: str = ENTER,
                 caps_lock: bool = False) -> list[KeyEvent]:
    """Shift pressed before each capital and ``|:/`` (on a US layout), as a reader sends it."""
    from kiosk.devices.barcode.wedge import MODIFIER

    t, out = start, []
    for ch in text:
        if ch.isupper() or ch in '|:/_"?':
            out.append(KeyEvent("", t, MODIFIER, caps_lock))
            t += gap_ms / 3000
        out.append(KeyEvent(ch.swapcase() if caps_lock else ch, t, "", caps_lock))
        t += gap_ms / 1000
    out.append(KeyEvent("", t, suffix, caps_lock))
    return out


def test_shift_never_splits_a_burst() -> None:
    from kiosk.devices.barcode.wedge import TAB

    payload = "001189012345||Nguyen Thi Hong Nhung|12051989|Nu|Thon Dong, Xa Mau|20042021"
    for gap in (2, 10, 40):
        assert run(reader_trace(payload, 1.0, gap)) == ([payload], "")
        assert run(reader_trace(CODE, 1.0, gap, TAB)) == ([CODE], "")


def test_tab_after_typing_is_a_key_for_the_field() -> None:
    from kiosk.devices.barcode.wedge import TAB

    trace = typist_trace("Nguyen", 0.0, 1, enter=False)
    trace.append(KeyEvent("", trace[-1].t + 0.2, TAB))
    assert run(trace) == ([], "Nguyen\t")


def test_caps_lock_inverted_reads_route_as_what_they_invert() -> None:
    from kiosk.devices.barcode.routing import classify

    reads, _ = run(reader_trace(CODE, 1.0, 5, caps_lock=True))
    assert reads == [CODE.swapcase()]
    c = classify(reads[0])
    assert c.kind == "dossier_code" and str(c.record) == CODE
    payload = "001189012345||Nguyen Thi Hong Nhung|12051989|Nu|Thon Dong, Xa Mau|20042021"
    reads, _ = run(reader_trace(payload, 1.0, 5, caps_lock=True))
    c = classify(reads[0])
    assert c.kind == "cccd" and c.restored == payload
    assert c.record is not None and c.record.full_name == "Nguyen Thi Hong Nhung"
    # A text in its right case is never inverted, whatever its letters.
    assert classify(payload).restored is None
    assert classify("001189012345||NGUYỄN THỊ HOA|12051989|Nữ|HÀ NỘI|20042021").restored is None
