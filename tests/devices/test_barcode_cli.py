"""``kiosk decode`` on generated images and PDFs, its exit codes; ``kiosk listen`` on a
serial pseudo-terminal and on a wedge typing into its standard input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.cli import main
from kiosk.devices.barcode import synth

CCCD = "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Khánh Vân, Khánh Hà, Thường Tín, Hà Nội|24042021"
CODE = "000.00.04.H40-261122-1001"


def lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_decode_prints_one_line_per_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card = tmp_path / "cccd.png"
    cv2.imwrite(str(card), synth.camera_frame(synth.qr_image(CCCD, module_px=5), seed=1))
    receipt = tmp_path / "receipt.png"
    cv2.imwrite(str(receipt), synth.a4_page([synth.qr_image("https://x.vn/tra-cuu/" + CODE),
                                             synth.code128_image(CODE, module_px=3)]))
    assert main(["decode", str(card), str(receipt)]) == 0
    out = lines(capsys.readouterr().out)
    assert out[0]["file"] == str(card) and out[0]["kind"] == "cccd"
    assert out[0]["text"] == CCCD and out[0]["symbology"] == "qr"
    assert isinstance(out[0]["parsed"], dict) and out[0]["parsed"]["full_name"] == "Đinh Thị Huyền"
    rest = sorted((o["symbology"], o["kind"], o["text"]) for o in out[1:])
    assert rest == [("code128", "dossier_code", CODE), ("qr", "dossier_code",
                                                        "https://x.vn/tra-cuu/" + CODE)]


def test_decode_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((400, 400), 255, np.uint8))
    other = tmp_path / "other.png"
    cv2.imwrite(str(other), synth.qr_image("xin chào"))
    assert main(["decode", str(other), str(blank)]) == 1
    captured = capsys.readouterr()
    assert lines(captured.out) == [{"file": str(other), "text": "xin chào", "symbology": "qr",
                                    "kind": "other", "parsed": None, "engine": "zxing"}]
    assert "blank.png" in captured.err
    assert main(["decode", str(tmp_path / "missing.png"), str(other)]) == 2
    assert "missing.png" in capsys.readouterr().err


def test_decode_formats_option_and_bad_format(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import zxingcpp

    made = zxingcpp.create_barcode("HS-0001", zxingcpp.BarcodeFormat.DataMatrix)
    path = tmp_path / "dm.png"
    cv2.imwrite(str(path), np.pad(np.asarray(made.to_image(scale=6)), 20, constant_values=255))
    assert main(["decode", str(path)]) == 1
    assert main(["decode", "--formats", "DataMatrix", str(path)]) == 0
    assert lines(capsys.readouterr().out)[0]["symbology"] == "datamatrix"
    assert main(["decode", "--formats", "hologram", str(path)]) == 2
    assert "hologram" in capsys.readouterr().err


def test_decode_with_zbar_engine_reads_vietnamese(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.devices.barcode import zbar_binary

    if not zbar_binary.available():
        pytest.skip("libzbar0 is not installed")
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), synth.qr_image(CCCD, module_px=4))
    assert main(["decode", "--engine", "zbar", str(path)]) == 0
    out = lines(capsys.readouterr().out)
    assert out[0]["text"] == CCCD and out[0]["engine"] == "zbar"


def test_listen_without_a_reader_says_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["listen", "--duration", "0.1"]) != 0
    err = capsys.readouterr().err
    assert "--serial" in err


def _kiosk(*args: str, **kw: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "kiosk", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kw)  # type: ignore[call-overload]


def test_listen_prints_serial_reads(tmp_path: Path) -> None:
    master, slave = os.openpty()
    proc = _kiosk("listen", "--serial", os.ttyname(slave), "--count", "2", "--duration", "20")
    try:
        time.sleep(1.5)  # let the command start and open the port
        os.write(master, CCCD.encode() + b"\r")
        os.write(master, CCCD.encode() + b"\r")  # merged: within the window
        os.write(master, b"000.00.00.H49-261122-1001\r")
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0, err.decode()
    got = lines(out.decode())
    assert [g["kind"] for g in got] == ["cccd", "dossier_code"]
    assert got[0]["parsed"]["full_name"] == "Đinh Thị Huyền"  # type: ignore[index]
    assert got[1]["message"] and "000.00.00.H49" in str(got[1]["message"])


def test_listen_wedge_separates_a_scan_from_typing() -> None:
    proc = _kiosk("listen", "--wedge", "--duration", "20", "--count", "1",
                  stdin=subprocess.PIPE)
    assert proc.stdin is not None
    time.sleep(1.0)
    for ch in "abc\n":  # typed by a person: slow keys
        proc.stdin.write(ch.encode())
        proc.stdin.flush()
        time.sleep(0.15)
    proc.stdin.write((CODE + "\n").encode())  # a scanner: one burst
    proc.stdin.flush()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    got = lines(out.decode())
    assert {"typing": "abc"} in got
    assert [g["text"] for g in got if "text" in g] == [CODE]


def test_listen_reads_a_camera_given_as_a_video_file(tmp_path: Path) -> None:
    frames = [synth.camera_frame(synth.qr_image(CCCD, module_px=6), seed=i) for i in range(3)]
    video = tmp_path / "cam.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"MJPG"), 10, (1920, 1080))
    if not writer.isOpened():
        pytest.skip("this OpenCV build cannot write MJPG video")
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    proc = _kiosk("listen", "--camera", str(video), "--count", "1", "--duration", "30")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    got = lines(out.decode())
    assert [(g["kind"], g["text"]) for g in got] == [("cccd", CCCD)]
    assert str(got[0]["source"]).startswith("camera:")
