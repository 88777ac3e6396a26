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
from kiosk.devices.barcode.source import ENDED, OPEN, RETRYING, STOPPED, Read, SourceStatus
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


class Closed:
    def isOpened(self) -> bool:
        return False

    def release(self) -> None:
        pass


def test_a_camera_that_does_not_open_is_retried_with_a_back_off_until_it_comes() -> None:
    errors: queue.Queue[DeviceError] = queue.Queue()
    got: queue.Queue[Read] = queue.Queue()
    plugged = threading.Event()
    waits: list[float] = []
    frame = synth.camera_frame(synth.qr_image("Lý"), seed=5)

    def opener(_device: Any) -> Any:
        return EndlessCapture(frame) if plugged.is_set() else Closed()

    retried = threading.Event()

    def on_status(status: SourceStatus) -> None:
        if status.state == RETRYING and status.retry_s is not None:
            waits.append(status.retry_s)
            if len(waits) >= 5:
                retried.set()

    source = CameraSource(7, opener=opener, reconnect_s=0.01, max_reconnect_s=0.04)
    source.on_status = on_status
    source.start(got.put, errors.put)
    error = errors.get(timeout=5)
    assert "camera 7" in error.message and error.hint and error.details["connection"]
    assert retried.wait(10)
    # Each problem is reported once; the waits double up to the cap.
    assert errors.empty()
    assert waits[:4] == [0.01, 0.02, 0.04, 0.04]
    plugged.set()
    assert got.get(timeout=10).text == "Lý"
    assert source.status.state == OPEN and not source.finished.is_set()
    source.stop()
    assert source.finished.is_set() and source.status.state == STOPPED


class Unplugged(EndlessCapture):
    """A camera that gives ``frames`` frames, then nothing (the cable was pulled)."""

    def __init__(self, frame: np.ndarray, frames: int) -> None:
        super().__init__(frame)
        self.left = frames

    def read(self) -> tuple[bool, np.ndarray]:
        self.left -= 1
        return (True, self.frame) if self.left >= 0 else (False, self.frame)


def test_a_camera_lost_is_reported_and_reopened_and_a_code_held_stays_one_read() -> None:
    frame = synth.camera_frame(synth.qr_image(PAYLOAD, module_px=6), seed=6)
    captures = [Unplugged(frame, 3), EndlessCapture(frame)]
    errors: queue.Queue[DeviceError] = queue.Queue()
    got: queue.Queue[Read] = queue.Queue()
    seen_again = threading.Event()

    def on_frame(_frame: np.ndarray) -> None:
        if not captures and source.frames > 8:  # frames from the camera plugged back
            seen_again.set()

    source = CameraSource(0, opener=lambda _d: captures.pop(0), reconnect_s=0.01,
                          min_decode_interval_s=0, repeat_s=3600, on_frame=on_frame)
    source.start(got.put, errors.put)
    assert got.get(timeout=10).text == PAYLOAD
    error = errors.get(timeout=10)
    assert "Mất hình" in error.message and error.details["reason"] == "lost"
    assert seen_again.wait(10) and source.status.state == OPEN
    source.stop()
    # The same code, still in view after the camera came back, was not read again.
    assert got.empty()


def test_a_video_file_that_ends_ends_the_source(tmp_path: Path) -> None:
    video = tmp_path / "short.avi"
    write_video(video, [synth.camera_frame(np.full((10, 10), 255, np.uint8), seed=7)] * 2)
    errors: list[DeviceError] = []
    source = CameraSource(str(video))
    source.start(lambda r: None, errors.append)
    assert source.finished.wait(20)
    assert source.status.state == ENDED and source.status.problem is None and errors == []
    source.stop()
    assert source.status.state == ENDED


def test_a_missing_video_device_is_reported_through_real_opencv(tmp_path: Path) -> None:
    errors: list[DeviceError] = []
    source = CameraSource(str(tmp_path / "no-such-camera.avi"))
    source.start(lambda r: None, errors.append)
    assert source.finished.wait(10)
    source.stop()
    assert len(errors) == 1
