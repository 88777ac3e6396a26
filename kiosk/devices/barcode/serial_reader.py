"""Serial and virtual-COM (USB CDC) readers, the mode the CCCD QR needs: the reader sends
the payload's UTF-8 bytes unchanged, so no keyboard layout can drop a diacritic.

One thread per reader reads bytes, cuts them into codes at CR/LF (or a configured suffix,
or after a short silence, for readers set up without a terminator) and decodes each as
UTF-8. When the port is missing or goes away (the reader is unplugged) the thread reports it
once and tries the port again after a back-off (``reconnect_s`` doubling up to
``max_reconnect_s``) until it is back; ``stop()`` ends it within one read timeout.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from typing import Any

from kiosk.devices.barcode.source import (
    OPEN,
    RETRYING,
    UNKNOWN,
    Backoff,
    ErrorCallback,
    Read,
    ReadCallback,
    SourceStatus,
    ThreadedSource,
)
from kiosk.errors import DeviceError
from kiosk.i18n import _

_LINE_ENDS = (b"\r", b"\n")


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
        suffix: str = "",
        reconnect_s: float = 0.5,
        max_reconnect_s: float = 5.0,
        idle_flush_s: float = 0.15,
        read_timeout_s: float = 0.05,
        opener: Callable[[str, int, float], Any] = _open_serial,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        #: A terminator the reader is set to send besides CR/LF (its UTF-8 bytes).
        self.suffix = suffix.encode("utf-8")
        self.reconnect_s = reconnect_s
        self.max_reconnect_s = max_reconnect_s
        self.idle_flush_s = idle_flush_s
        self.read_timeout_s = read_timeout_s
        self._opener = opener
        super().__init__()

    @property
    def name(self) -> str:
        return f"serial:{self.port}"

    def _run(self, on_read: ReadCallback, on_error: ErrorCallback) -> None:
        backoff = Backoff(self.reconnect_s, self.max_reconnect_s)
        reported: str | None = None  # the message last reported: each problem once
        while not self._stop.is_set():
            try:
                port = self._opener(self.port, self.baudrate, self.read_timeout_s)
            except Exception as exc:  # pyserial raises SerialException (an OSError) or ValueError
                problem = self._open_error(exc)
                wait = backoff.next()
                self._set_status(SourceStatus(RETRYING, problem, wait))
                if problem.message != reported:
                    on_error(problem)
                    reported = problem.message
                self._stop.wait(wait)
                continue
            reported = None
            backoff.reset()
            self._set_status(SourceStatus(OPEN))
            try:
                self._pump(port, on_read, on_error)
            except Exception as exc:
                problem = self._error(
                    _("Mất kết nối với đầu đọc ở cổng {port}.", port=self.port), exc, "lost")
                self._set_status(SourceStatus(RETRYING, problem, self.reconnect_s))
                on_error(problem)
                reported = problem.message
            finally:
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
                while (cut := self._frame_end(buffer)) is not None:
                    start, end = cut
                    line, buffer = bytes(buffer[:start]), buffer[end:]
                    self._deliver(line, on_read, on_error)
            elif buffer and now - last >= self.idle_flush_s:
                line, buffer = bytes(buffer), bytearray()
                self._deliver(line, on_read, on_error)

    def _frame_end(self, buffer: bytearray) -> tuple[int, int] | None:
        """Where the first terminator in ``buffer`` starts and ends, if there is one."""
        ends = [(buffer.find(t), len(t)) for t in (*_LINE_ENDS, self.suffix) if t]
        found = [(i, i + n) for i, n in ends if i >= 0]
        return min(found) if found else None

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

    def _open_error(self, exc: Exception) -> DeviceError:
        code = getattr(exc, "errno", None)
        if code in (errno.EACCES, errno.EPERM):
            return DeviceError(
                _("Không mở được cổng {port}: không có quyền truy cập cổng.", port=self.port),
                hint=_("Thêm tài khoản chạy phần mềm vào nhóm dialout (sudo usermod -aG "
                       "dialout TÊN) rồi đăng nhập lại; phần mềm tự thử lại."),
                port=self.port, connection=True, reason="permission", error=str(exc))
        if code in (errno.ENOENT, errno.ENXIO, errno.ENODEV):
            return DeviceError(
                _("Không mở được cổng {port}: đầu đọc chưa cắm hoặc sai tên cổng.",
                  port=self.port),
                hint=_("Cắm đầu đọc (phần mềm tự kết nối khi thấy cổng) hoặc sửa "
                       "barcode.serial_port trong Cài đặt."),
                port=self.port, connection=True, reason="missing", error=str(exc))
        return self._error(_("Không mở được đầu đọc mã vạch ở cổng {port}.", port=self.port), exc)

    def _error(self, message: str, exc: Exception, reason: str = "open") -> DeviceError:
        return DeviceError(
            message,
            hint=_("Kiểm tra cáp và cổng trong Cài đặt; phần mềm tự kết nối lại khi đầu đọc "
                   "được cắm lại."),
            port=self.port, connection=True, reason=reason, error=str(exc),
        )
