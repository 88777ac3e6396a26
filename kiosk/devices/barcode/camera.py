"""A camera (webcam, document camera, IP camera) or a video file as a barcode source,
through OpenCV.

Capture and decoding run on the source's own thread (zxing-cpp releases the GIL while it
decodes). Every frame goes to ``on_frame`` for whoever shows a preview (nothing here knows
Qt); a live camera's frames are decoded at most every ``min_decode_interval_s`` (a 30 fps
camera would otherwise keep a core busy), a video file's every ``decode_every``-th frame.
The same code held in front of the camera is in every frame: it is reported once, and again
only after it has been out of view for ``repeat_s``.

A live camera that cannot be opened, or stops giving frames (unplugged), is tried again
after a back-off until ``stop()``; a video file that cannot be opened or has played to its
end ends the source (status ENDED).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from kiosk.devices.barcode.camera_names import is_video_file, shown_device
from kiosk.devices.barcode.decode import ImageDecoder
from kiosk.devices.barcode.source import (
    ENDED,
    OPEN,
    RETRYING,
    Backoff,
    ErrorCallback,
    Read,
    ReadCallback,
    SourceStatus,
    ThreadedSource,
)
from kiosk.errors import DeviceError
from kiosk.i18n import _

FrameCallback = Callable[[np.ndarray], None]


def camera_label(device: int | str) -> str:
    """How the device panel and messages name a camera."""
    if isinstance(device, int) or device.lstrip("-").isdigit():
        return _("camera {n}", n=str(device))
    return os.path.basename(device) if is_video_file(device) else shown_device(device)


def _open_capture(device: int | str) -> Any:
    # OpenCV logs its own warnings for a missing camera; the source's message says it.
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
    import cv2

    return cv2.VideoCapture(device)


class CameraSource(ThreadedSource):
    def __init__(
        self,
        device: int | str,
        *,
        decoder: ImageDecoder | None = None,
        on_frame: FrameCallback | None = None,
        decode_every: int = 1,
        min_decode_interval_s: float | None = None,
        repeat_s: float = 2.0,
        reconnect_s: float = 1.0,
        max_reconnect_s: float = 10.0,
        opener: Callable[[int | str], Any] = _open_capture,
    ) -> None:
        self.device = device
        self.live = not is_video_file(device)
        # Frames come many times a second: no upscale/deskew retries, the next frame is
        # another chance.
        self.decoder = decoder or ImageDecoder(retries=False)
        self.on_frame = on_frame
        self.decode_every = max(1, decode_every)
        self.min_decode_interval_s = (min_decode_interval_s if min_decode_interval_s is not None
                                      else (0.1 if self.live else 0.0))
        self.repeat_s = repeat_s
        self.reconnect_s = reconnect_s
        self.max_reconnect_s = max_reconnect_s
        self._opener = opener
        super().__init__()
        self.frames = 0
        #: When each text was last seen in a frame (kept across reconnections).
        self._seen: dict[str, float] = {}
        #: Set when the source has ended (a video file ran out or did not open; stop()).
        self.finished = threading.Event()

    @property
    def name(self) -> str:
        return f"camera:{shown_device(self.device)}"

    def _starting(self) -> None:
        self.finished.clear()

    def _run(self, on_read: ReadCallback, on_error: ErrorCallback) -> None:
        try:
            self._supervise(on_read, on_error)
        finally:
            self.finished.set()

    def _supervise(self, on_read: ReadCallback, on_error: ErrorCallback) -> None:
        backoff = Backoff(self.reconnect_s, self.max_reconnect_s)
        reported: str | None = None
        while not self._stop.is_set():
            capture = self._open()
            if capture is None:
                problem = self._problem(_("Không mở được camera {device}.",
                                          device=camera_label(self.device)))
            else:
                backoff.reset()
                reported = None
                self._set_status(SourceStatus(OPEN))
                try:
                    self._frames(capture, on_read)
                finally:
                    capture.release()
                if self._stop.is_set():
                    return
                if not self.live:
                    self._set_status(SourceStatus(ENDED))
                    return
                problem = self._problem(_("Mất hình từ camera {device}.",
                                          device=camera_label(self.device)), "lost")
            if not self.live:
                self._set_status(SourceStatus(ENDED, problem))
                on_error(problem)
                return
            wait = backoff.next()
            self._set_status(SourceStatus(RETRYING, problem, wait))
            if problem.message != reported:
                on_error(problem)
                reported = problem.message
            self._stop.wait(wait)

    def _open(self) -> Any | None:
        try:
            capture = self._opener(self.device)
        except (OverflowError, ValueError, TypeError, OSError):
            return None  # an impossible device number: reported like a missing one
        if capture is None:
            return None
        if not capture.isOpened():
            capture.release()
            return None
        return capture

    def _frames(self, capture: Any, on_read: ReadCallback) -> None:
        """Read and decode until the capture gives no frame or ``stop``."""
        last_decode = -1e9
        while not self._stop.is_set():
            ok, frame = capture.read()
            if not ok or frame is None:
                return
            self.frames += 1
            if self.on_frame is not None:
                self.on_frame(frame)
            now = time.monotonic()
            if self.frames % self.decode_every or now - last_decode < self.min_decode_interval_s:
                continue
            last_decode = now
            for found in self.decoder.decode(frame):
                if self._seen_recently(found.text, now):
                    continue
                on_read(Read(found.text, found.symbology, self.name, raw=found.raw))

    def _seen_recently(self, text: str, now: float) -> bool:
        recent = now - self._seen.get(text, -1e9) < self.repeat_s
        self._seen[text] = now  # a code held in view stays merged
        if len(self._seen) > 256:
            self._seen = {t: s for t, s in self._seen.items() if now - s < self.repeat_s}
        return recent

    def _problem(self, message: str, reason: str = "open") -> DeviceError:
        if self.live:
            hint = _("Kiểm tra camera đã cắm và số thứ tự camera (barcode.camera) hoặc địa chỉ "
                     "camera (barcode.camera_url) trong Cài đặt; phần mềm tự thử lại.")
        else:
            hint = _("Kiểm tra đường dẫn tệp video trong barcode.camera_url.")
        return DeviceError(message, hint=hint, device=shown_device(self.device),
                           connection=True, reason=reason)
