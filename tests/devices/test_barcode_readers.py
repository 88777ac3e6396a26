"""The configured readers run side by side (:mod:`kiosk.devices.barcode.readers`): which
settings make which reader, a setting changed while they run, state changes reported once,
everything stopped at exit. Serial readers are real pseudo-terminals."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from kiosk.config import Config
from kiosk.devices.barcode.readers import CAMERA, SERIAL, Readers, ReaderSpec, configured
from kiosk.devices.barcode.source import OPEN, RETRYING, Read
from kiosk.errors import DeviceError
from tests.devices.test_barcode_serial import Pty


def test_settings_make_the_readers(tmp_path: Path) -> None:
    config = Config(tmp_path / "config.toml")
    assert configured(config) == []
    config.set("barcode.serial_port", "/dev/ttyACM0")
    config.set("barcode.serial_baudrate", 115200)
    config.set("barcode.serial_suffix", "#")
    config.set("barcode.camera", 0)
    specs = configured(config)
    assert [(s.kind, s.target) for s in specs] == [(SERIAL, "/dev/ttyACM0"), (CAMERA, "0")]
    serial = specs[0].create()
    assert (serial.baudrate, serial.suffix) == (115200, b"#")  # type: ignore[attr-defined]
    assert specs[1].create().device == 0  # type: ignore[attr-defined]
    # An IP camera or a video file takes the camera number's place.
    config.set("barcode.camera_url", "rtsp://user:secret@10.0.0.7/stream")
    camera = configured(config)[1].create()
    assert camera.device == "rtsp://user:secret@10.0.0.7/stream"  # type: ignore[attr-defined]
    assert "secret" not in camera.name  # names go to logs and to the panel
    config.set("barcode.camera_url", "")
    config.set("barcode.camera", -1)
    config.set("barcode.serial_port", "")
    assert configured(config) == []


class Heard:
    def __init__(self) -> None:
        self.reads: queue.Queue[Read] = queue.Queue()
        self.errors: queue.Queue[DeviceError] = queue.Queue()
        self.changes = 0
        self.changed = threading.Event()

    def change(self) -> None:
        self.changes += 1
        self.changed.set()


def spec(link: Path) -> ReaderSpec:
    return ReaderSpec(SERIAL, str(link))


def wait_state(readers: Readers, index: int, state: str) -> None:
    for _attempt in range(500):
        states = readers.states()
        if len(states) > index and states[index][1].state == state:
            return
        threading.Event().wait(0.02)
    raise AssertionError(f"never {state}: {readers.states()}")


def test_a_setting_changed_moves_the_reader_and_silences_the_old_port(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    old, new = Pty(first), Pty(second)
    heard = Heard()
    readers = Readers(heard.reads.put, heard.errors.put, heard.change)
    try:
        readers.apply([spec(first)])
        wait_state(readers, 0, OPEN)
        old.write(b"before\r")
        assert heard.reads.get(timeout=5).text == "before"
        readers.apply([spec(second)])  # returns at once; the old reader ends on its thread
        wait_state(readers, 0, OPEN)
        assert [s.target for s, _status in readers.states()] == [str(second)]
        old.write(b"from-the-old-port\r")
        new.write(b"after\r")
        assert heard.reads.get(timeout=5).text == "after"
        assert heard.reads.empty()
        # The same list again changes nothing: the running reader is kept.
        running = readers.states()
        readers.apply([spec(second)])
        assert readers.states() == running
    finally:
        assert readers.stop() == []
        old.unplug()
        new.unplug()


def test_a_missing_port_is_one_change_and_one_error_however_often_it_is_retried(
        tmp_path: Path) -> None:
    link = tmp_path / "absent"
    heard = Heard()
    created: list[object] = []

    def create(reader: ReaderSpec) -> object:
        from kiosk.devices.barcode.serial_reader import SerialSource

        source = SerialSource(reader.target, reconnect_s=0.01, max_reconnect_s=0.02)
        created.append(source)
        return source

    readers = Readers(heard.reads.put, heard.errors.put, heard.change,
                      create=create)  # type: ignore[arg-type]
    try:
        readers.apply([spec(link)])
        wait_state(readers, 0, RETRYING)
        error = heard.errors.get(timeout=5)
        assert str(link) in error.message and error.details["reason"] == "missing"
        changes = heard.changes
        retried = threading.Event()
        source = created[0]
        source.on_status = (lambda status, before=source.on_status:  # type: ignore[attr-defined]
                            (before(status), retried.set()))
        for _ in range(5):  # several more attempts, each setting its status again
            retried.clear()
            assert retried.wait(5)
        assert heard.changes == changes and heard.errors.empty()
        pty = Pty(link)
        wait_state(readers, 0, OPEN)
        assert heard.changes > changes
        pty.write(b"plugged\r")
        assert heard.reads.get(timeout=5).text == "plugged"
        pty.unplug()
    finally:
        assert readers.stop() == []
    assert not [t for t in threading.enumerate() if t.name.startswith("barcode-serial")]


def test_after_stop_nothing_starts_again(tmp_path: Path) -> None:
    link = tmp_path / "port"
    pty = Pty(link)
    heard = Heard()
    readers = Readers(heard.reads.put, heard.errors.put, heard.change)
    readers.apply([spec(link)])
    wait_state(readers, 0, OPEN)
    assert readers.stop() == []
    # A setting saved while the app closes must not reopen the port behind its back.
    readers.apply([spec(link)])
    assert readers.states() == []
    assert not [t for t in threading.enumerate() if t.name.startswith("barcode-serial")]
    pty.unplug()
