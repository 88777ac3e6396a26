"""The camera source on OpenCV's real capture, fed a video file of 1920×1080 frames (no
camera needed), plus a capture that never ends (stop) and one that does not open."""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from kiosk.devices.barcode import synth
from kiosk.devices.barcode.camera import CameraSource
from kiosk.devices.barcode.source import Read
from kiosk.errors import DeviceError

PAYLOAD = "001158024485||Lê Thị Ỷ Lan|08101958|Nữ|Phường Ỷ La, Tuyên Quang|24042021"
CODE = "000.00.04.H40-261122-1001"


def write_video(path: Path, frames: list[np.ndarray]) -> None:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (width, height))
    if not writer.isOpened():
        pytest.skip("this OpenCV build cannot write MJPG video")
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()


def test_reads_codes_from_frames_and_hands_out_previews(tmp_path: Path) -> None:
    empty = synth.camera_frame(np.full((10, 10), 255, np.uint8), seed=1)
    qr = synth.camera_frame(synth.qr_image(PAYLOAD, module_px=6), seed=2, angle=8)
    bar = synth.camera_frame(synth.code128_image(CODE, module_px=3), seed=3)
    video = tmp_path / "counter.avi"
    write_video(video, [empty, qr, qr, qr, empty, bar, bar])
    previews: list[tuple[int, ...]] = []
    reads: list[Read] = []
    errors: list[DeviceError] = []
    source = CameraSource(str(video), on_frame=lambda f: previews.append(f.shape))
    source.start(reads.append, errors.append)
    assert source.finished.wait(30)
    source.stop()
    assert errors == []
    assert len(previews) == 7 and previews[0][:2] == (1080, 1920)
    # The QR held over three frames is one read.
    assert [(r.text, r.symbology) for r in reads] == [(PAYLOAD, "qr"), (CODE, "code128")]
    assert reads[0].source == f"camera:{video}"


class EndlessCapture:
    """A capture that keeps producing the same frame, like a live camera."""

    def __init__(self, frame: np.ndarray) -> None:
        self.frame = frame
        self.released = threading.Event()

    def isOpened(self) -> bool:
        return True

    def read(self) -> tuple[bool, np.ndarray]:
        return True, self.frame

    def release(self) -> None:
        self.released.set()


def test_stop_ends_capture_and_releases_the_camera() -> None:
    capture = EndlessCapture(synth.camera_frame(synth.qr_image("Lý"), seed=4))
    got: queue.Queue[Read] = queue.Queue()
    source = CameraSource(0, opener=lambda _d: capture, decode_every=2, repeat_s=3600)
    source.start(got.put)
    assert got.get(timeout=10).text == "Lý"
    source.stop()
    assert capture.released.is_set()
    frames = source.frames
    assert got.empty()  # the same code in later frames was not read again
    assert source.frames == frames  # nothing runs after stop


def test_a_camera_that_does_not_open_is_reported() -> None:
    errors: list[DeviceError] = []

    class Closed:
        def isOpened(self) -> bool:
            return False

        def release(self) -> None:
            pass

    def opener(_device: Any) -> Closed:
        return Closed()

    source = CameraSource(7, opener=opener)
    source.start(lambda r: None, errors.append)
    assert source.finished.wait(5)
    source.stop()
    assert len(errors) == 1 and "7" in errors[0].message and errors[0].hint


def test_a_missing_video_device_is_reported_through_real_opencv(tmp_path: Path) -> None:
    errors: list[DeviceError] = []
    source = CameraSource(str(tmp_path / "no-such-camera.avi"))
    source.start(lambda r: None, errors.append)
    assert source.finished.wait(10)
    source.stop()
    assert len(errors) == 1
