"""The serial reader through real pseudo-terminal pairs (the reader's end is the pty master):
UTF-8 payloads, CR/LF and silence as terminators, non-UTF-8 bytes, unplug and reconnect.

The port is a symlink, as /dev/serial/by-id/... is on a counter PC: "unplugging" closes the
pty, "plugging back" points the link at a new one."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devices.barcode.serial_reader import SerialSource
from kiosk.devices.barcode.source import OPEN, STOPPED, Read
from kiosk.errors import DeviceError

Running = tuple[SerialSource, "Collector"]
PAYLOAD = "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Khánh Vân, Khánh Hà, Thường Tín, Hà Nội|24042021"


class Pty:
    def __init__(self, link: Path) -> None:
        self.master, self.slave = os.openpty()
        tmp = link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(self.slave))
        os.replace(tmp, link)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        os.close(self.master)
        os.close(self.slave)


class Collector:
    def __init__(self) -> None:
        self.reads: queue.Queue[Read] = queue.Queue()
        self.errors: queue.Queue[DeviceError] = queue.Queue()

    def read(self, timeout: float = 5.0) -> Read:
        return self.reads.get(timeout=timeout)

    def error(self, timeout: float = 5.0) -> DeviceError:
        return self.errors.get(timeout=timeout)


@pytest.fixture
def link(tmp_path: Path) -> Path:
    return tmp_path / "usb-reader"


@pytest.fixture
def running(link: Path) -> Iterator[Running]:
    source = SerialSource(str(link), reconnect_s=0.05, idle_flush_s=0.2)
    got = Collector()
    yield source, got
    source.stop()


def wait_connected(source: SerialSource) -> None:
    assert source.wait_for(OPEN, 5), f"the reader never connected: {source.status}"
    time.sleep(0.05)  # pyserial sets raw mode right after opening


def test_utf8_payloads_with_cr_lf_and_crlf(link: Path, running: Running) -> None:
    source, got = running
    pty = Pty(link)
    source.start(got.reads.put, got.errors.put)
    wait_connected(source)
    pty.write(PAYLOAD.encode() + b"\r")
    pty.write(b"000.00.04.H40-261122-1001\r\n")
    pty.write("Lý\n".encode())
    reads = [got.read() for _ in range(3)]
    assert [r.text for r in reads] == [PAYLOAD, "000.00.04.H40-261122-1001", "Lý"]
    assert reads[0].raw == PAYLOAD.encode()
    assert reads[0].source == f"serial:{link}"
    assert got.reads.empty() and got.errors.empty()
    pty.unplug()


def test_payload_split_over_writes_and_ended_by_silence(link: Path, running: Running) -> None:
    source, got = running
    pty = Pty(link)
    source.start(got.reads.put, got.errors.put)
    wait_connected(source)
    data = PAYLOAD.encode()
    # Split inside a multi-byte letter: decoding must wait for the whole code.
    cut = data.index("Đ".encode()) + 1
    pty.write(data[:cut])
    time.sleep(0.05)
    pty.write(data[cut:])  # no terminator: the reader is set up without one
    assert got.read().text == PAYLOAD
    pty.unplug()


def test_non_utf8_bytes_are_reported_not_read(link: Path, running: Running) -> None:
    source, got = running
    pty = Pty(link)
    source.start(got.reads.put, got.errors.put)
    wait_connected(source)
    pty.write("Lê Văn".encode("cp1258") + b"\r")  # a reader left in Windows-1258
    error = got.error()
    assert "UTF-8" in error.message and error.hint
    pty.write(b"after\r")
    assert got.read().text == "after"
    pty.unplug()


def test_unplug_is_reported_and_the_reader_reconnects(link: Path, running: Running) -> None:
    source, got = running
    first = Pty(link)
    source.start(got.reads.put, got.errors.put)
    wait_connected(source)
    first.write(b"before\r")
    assert got.read().text == "before"
    first.unplug()
    error = got.error()
    assert str(link) in error.message and error.hint
    second = Pty(link)
    wait_connected(source)
    second.write(b"after\r")
    assert got.read().text == "after"
    second.unplug()


def test_missing_port_reported_once_then_connects_when_plugged(link: Path, running: Running) -> None:
    source, got = running
    source.start(got.reads.put, got.errors.put)
    error = got.error()
    assert "usb-reader" in error.message
    time.sleep(0.3)  # several retries happen, reported only once
    assert got.errors.empty()
    pty = Pty(link)
    wait_connected(source)
    pty.write(b"hello-serial\r")
    assert got.read().text == "hello-serial"
    pty.unplug()


def test_stop_ends_the_thread(link: Path) -> None:
    pty = Pty(link)
    source = SerialSource(str(link))
    got = Collector()
    source.start(got.reads.put, got.errors.put)
    wait_connected(source)
    source.stop()
    assert source.status.state == STOPPED
    assert not any(t.name == f"barcode-serial:{link}" for t in __import__("threading").enumerate())
    pty.unplug()


def test_a_configured_suffix_ends_a_code_and_a_bom_is_kept_for_the_router(link: Path) -> None:
    from kiosk.devices.barcode.routing import Router

    source = SerialSource(str(link), suffix="#~", idle_flush_s=30)
    got = Collector()
    pty = Pty(link)
    source.start(got.reads.put, got.errors.put)
    try:
        wait_connected(source)
        # A reader set to send a BOM first and "#~" last, two codes in one write.
        pty.write(b"\xef\xbb\xbf" + PAYLOAD.encode() + b"#~000.00.04.H40-261122-1001#~")
        first, second = got.read(), got.read()
        assert first.text == "\ufeff" + PAYLOAD and second.text == "000.00.04.H40-261122-1001"
        routed = Router("000.00.04.H40").route(first)
        assert routed is not None and routed.kind == "cccd" and routed.message is None
        assert routed.record.full_name == "Đinh Thị Huyền"  # type: ignore[union-attr]
    finally:
        source.stop()
        pty.unplug()


def test_permission_denied_says_dialout_and_retries_with_a_growing_wait(link: Path) -> None:
    import errno
    import threading

    import serial

    from kiosk.devices.barcode.source import RETRYING, SourceStatus

    # Tests run as root here, which no file mode keeps out: the refusal is injected.
    def opener(port: str, _baud: int, _timeout: float) -> object:
        raise serial.SerialException(errno.EACCES, f"could not open port {port}: Permission denied")

    waits: list[float] = []
    enough = threading.Event()

    def on_status(status: SourceStatus) -> None:
        if status.state == RETRYING and status.retry_s is not None:
            waits.append(status.retry_s)
            if len(waits) >= 5:
                enough.set()

    source = SerialSource(str(link), reconnect_s=0.01, max_reconnect_s=0.05, opener=opener)
    source.on_status = on_status
    got = Collector()
    source.start(got.reads.put, got.errors.put)
    try:
        error = got.error()
        assert "quyền" in error.message and "dialout" in (error.hint or "")
        assert error.details["reason"] == "permission" and "Permission denied" in error.technical()
        assert enough.wait(10)
        assert waits[:5] == [0.01, 0.02, 0.04, 0.05, 0.05]
        assert got.errors.empty()  # reported once, not at every attempt
    finally:
        source.stop()
