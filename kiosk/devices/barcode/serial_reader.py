"""Serial and virtual-COM (USB CDC) readers, the mode the CCCD QR needs: the reader sends
the payload's UTF-8 bytes unchanged, so no keyboard layout can drop a diacritic.

One thread per reader reads bytes, cuts them into codes at CR/LF (or after a short silence,
for readers set up without a terminator) and decodes each as UTF-8. When the port goes
away (the reader is unplugged) the thread reports it once and reopens the port every
``reconnect_s`` until it is back; ``stop()`` ends it within one read timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from kiosk.devices.barcode.source import (
    UNKNOWN,
    ErrorCallback,
    Read,
    ReadCallback,
    ThreadedSource,
)
from kiosk.errors import DeviceError
from kiosk.i18n import _

_TERMINATORS = (b"\r", b"\n")


def _open_serial(port: str, baudrate: int, timeout: float) -> Any:
    import serial

    # serial_for_url takes device paths (/dev/ttyACM0, COM3) and pyserial URLs (loop://).
    return serial.serial_for_url(port, baudrate=baudrate, timeout=timeout)


class SerialSource(ThreadedSource):
    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        reconnect_s: float = 1.0,
        idle_flush_s: float = 0.15,
        read_timeout_s: float = 0.05,
        opener: Callable[[str, int, float], Any] = _open_serial,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.reconnect_s = reconnect_s
        self.idle_flush_s = idle_flush_s
        self.read_timeout_s = read_timeout_s
        self._opener = opener
        super().__init__()
        #: True while the port is open; the UI shows it on the device-health line.
        self.connected = threading.Event()

    @property
    def name(self) -> str:
        return f"serial:{self.port}"


    def _run(self, on_read: ReadCallback, on_error: ErrorCallback) -> None:
        reported = False
        while not self._stop.is_set():
            try:
                port = self._opener(self.port, self.baudrate, self.read_timeout_s)
            except Exception as exc:  # pyserial raises SerialException or OSError
                if not reported:
                    on_error(self._error(_("Không mở được đầu đọc mã vạch ở cổng {port}: {error}",
                                           port=self.port, error=str(exc))))
                    reported = True
                self._stop.wait(self.reconnect_s)
                continue
            if reported:
                reported = False
            self.connected.set()
            try:
                self._pump(port, on_read, on_error)
            except Exception as exc:
                on_error(self._error(_("Mất kết nối với đầu đọc mã vạch ở cổng {port}: {error}",
                                       port=self.port, error=str(exc))))
                reported = True
            finally:
                self.connected.clear()
                try:
                    port.close()
                except Exception:  # closing a vanished port may fail too: nothing to keep
                    pass
            self._stop.wait(self.reconnect_s)

    def _pump(self, port: Any, on_read: ReadCallback, on_error: ErrorCallback) -> None:
        buffer = bytearray()
        last = time.monotonic()
        while not self._stop.is_set():
            chunk = port.read(port.in_waiting or 1)
            now = time.monotonic()
            if chunk:
                buffer.extend(chunk)
                last = now
                while True:
                    cut = min((i for i in (buffer.find(t) for t in _TERMINATORS) if i >= 0),
                              default=-1)
                    if cut < 0:
                        break
                    line, buffer = bytes(buffer[:cut]), buffer[cut + 1:]
                    self._deliver(line, on_read, on_error)
            elif buffer and now - last >= self.idle_flush_s:
                line, buffer = bytes(buffer), bytearray()
                self._deliver(line, on_read, on_error)

    def _deliver(self, line: bytes, on_read: ReadCallback, on_error: ErrorCallback) -> None:
        if not line.strip():
            return  # the LF of a CR LF pair, or a lone terminator
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            on_error(DeviceError(
                _("Đầu đọc ở cổng {port} gửi dữ liệu không phải UTF-8; đã bỏ qua lần quét này.",
                  port=self.port),
                hint=_("Đặt đầu đọc về chế độ UTF-8 (xem sách hướng dẫn của đầu đọc) rồi quét lại."),
                raw=line.hex(),
            ))
            return
        on_read(Read(text, UNKNOWN, self.name, raw=line))

    def _error(self, message: str) -> DeviceError:
        return DeviceError(
            message,
            hint=_("Kiểm tra cáp và cổng trong Cài đặt; phần mềm tự kết nối lại khi đầu đọc "
                   "được cắm lại."),
            port=self.port,
        )
