"""A camera (webcam or document camera) as a barcode source, through OpenCV.

Capture and decoding run on the source's own thread. Every frame goes to ``on_frame`` for
whoever shows a preview (the UI converts it on its side; nothing here knows Qt), and every
``decode_every``-th frame is decoded. The same code held in front of the camera is read in
every frame: only a change of text (or the same text after ``repeat_s``) is reported; the
router's window merges the rest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from kiosk.devices.barcode.decode import ImageDecoder
from kiosk.devices.barcode.source import ErrorCallback, Read, ReadCallback, ThreadedSource
from kiosk.errors import DeviceError
from kiosk.i18n import _

FrameCallback = Callable[[np.ndarray], None]


def _open_capture(device: int | str) -> Any:
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
        repeat_s: float = 2.0,
        opener: Callable[[int | str], Any] = _open_capture,
    ) -> None:
        self.device = device
        # Frames come many times a second: no upscale/deskew retries, the next frame is
        # another chance.
        self.decoder = decoder or ImageDecoder(retries=False)
        self.on_frame = on_frame
        self.decode_every = max(1, decode_every)
        self.repeat_s = repeat_s
        self._opener = opener
        super().__init__()
        self.frames = 0
        #: Set when the capture ends by itself (a video file ran out, the camera vanished).
        self.finished = threading.Event()

    @property
    def name(self) -> str:
        return f"camera:{self.device}"

    def _starting(self) -> None:
        self.finished.clear()

    def _run(self, on_read: ReadCallback, on_error: ErrorCallback) -> None:
        try:
            capture = self._opener(self.device)
        except (OverflowError, ValueError, TypeError, OSError):
            capture = None  # an impossible device number: reported below like a missing one
        try:
            if capture is None or not capture.isOpened():
                on_error(DeviceError(
                    _("Không mở được camera {device}.", device=str(self.device)),
                    hint=_("Kiểm tra camera đã cắm và số thứ tự camera trong Cài đặt "
                           "(barcode.camera)."),
                ))
                return
            last: dict[str, float] = {}
            while not self._stop.is_set():
                ok, frame = capture.read()
                if not ok or frame is None:
                    break
                self.frames += 1
                if self.on_frame is not None:
                    self.on_frame(frame)
                if self.frames % self.decode_every:
                    continue
                now = time.monotonic()
                for found in self.decoder.decode(frame):
                    if now - last.get(found.text, -1e9) < self.repeat_s:
                        last[found.text] = now
                        continue
                    last[found.text] = now
                    on_read(Read(found.text, found.symbology, self.name, raw=found.raw))
        finally:
            if capture is not None:
                capture.release()
            self.finished.set()
