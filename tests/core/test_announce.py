"""The spoken call (issue 27) rendered by espeak-ng's Vietnamese voice to a WAV whose length
and loudness sox measures."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from kiosk.citizen.announce import spoken_label

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None,
                                reason="espeak-ng and sox are not installed")


def test_labels_are_spoken_as_numbers() -> None:
    assert spoken_label("A012") == "A 12"
    assert spoken_label("B100") == "B 100"
    assert spoken_label("A2-07") == "A2, số 7"


def _stat(path: Path) -> dict[str, float]:
    out = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True,
                         check=True).stderr
    return {m.group(1).strip(): float(m.group(2))
            for m in re.finditer(r"^([A-Za-z ()]+):\s+(-?[\d.]+)\s*$", out, re.M)}


def test_cli_renders_the_call_to_a_wav_sox_can_measure(kiosk_home: Path,
                                                         tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), "KIOSK_HOME": str(kiosk_home), "PATH": "/usr/bin:/bin"}
    wav = tmp_path / "call.wav"
    done = subprocess.run([sys.executable, "-m", "kiosk", "queue", "announce", "A012",
                           "--counter", "2", "--out", str(wav)], capture_output=True,
                          text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["text"] == "Mời số A012 đến quầy số 2"
    assert answer["spoken"] == "Mời số A 12, đến quầy số 2"
    with wave.open(str(wav)) as w:
        assert w.getnchannels() == 1 and w.getframerate() >= 16000
    stat = _stat(wav)
    # A sentence of nine syllables: about 2–5 s at 140 words a minute; clearly audible.
    assert 1.5 < stat["Length (seconds)"] < 6.0, stat
    assert stat["Maximum amplitude"] > 0.3 and stat["RMS     amplitude"] > 0.02, stat
    bad = subprocess.run([sys.executable, "-m", "kiosk", "queue", "announce", "12",
                          "--out", str(wav)], capture_output=True, text=True, cwd=ROOT,
                         env=env)
    assert bad.returncode == 2 and "Số «12» không hợp lệ" in bad.stderr
