"""The spoken call (issue 27): «Mời số A012 đến quầy số 2» as a WAV file, synthesised by
espeak-ng's Vietnamese voice (Debian's ``espeak-ng`` package, GPL, run as a program so
nothing of it is linked into the app).

The number is spoken as a person says it: the group letter, then the number without its
leading zeros (``A012`` → «A mười hai»); an offline number ``A2-07`` is said «A2, số 7».
The WAV is what the counter PC plays after the chime and what a display page can fetch.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError
from kiosk.i18n import _

#: Long enough for espeak-ng to start cold on a slow PC, short enough not to hold a call.
SYNTH_TIMEOUT = 20.0


class SpeechUnavailable(KioskError):
    kind = "speech_unavailable"


def spoken_label(label: str) -> str:
    """``A012`` → ``A 12``; ``A2-07`` → ``A2, số 7`` (digits are then read as a number)."""
    m = re.fullmatch(r"([A-Z])(\d{3})", label)
    if m:
        return f"{m.group(1)} {int(m.group(2))}"
    m = re.fullmatch(r"([A-Z]\d)-(\d+)", label)
    if m:
        return f"{m.group(1)}, số {int(m.group(2))}"
    return label


def call_text(label: str, counter: int) -> str:
    """What is shown under the spoken call (the words as written)."""
    return _("Mời số {label} đến quầy số {counter}", label=label, counter=counter)


def render_call(label: str, counter: int, out: Path, config: Any) -> dict[str, Any]:
    """Write the spoken call to ``out`` (WAV) and return ``{"file", "text", "spoken"}``."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SpeechUnavailable(_("Máy chưa cài espeak-ng nên chưa đọc số bằng giọng nói được."),
                                hint=_("Cài gói espeak-ng (sudo apt install espeak-ng)."))
    # The spoken sentence is fixed Vietnamese (the voice is Vietnamese whatever the UI's
    # language); the written one follows the UI.
    spoken = f"Mời số {spoken_label(label)}, đến quầy số {counter}"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [exe, "-v", str(config.get("queue.voice")), "-s",
             str(int(config.get("queue.voice_speed"))), "-w", str(out), spoken],
            capture_output=True, text=True, timeout=SYNTH_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise SpeechUnavailable(_("espeak-ng không trả lời sau {seconds} giây.",
                                  seconds=int(SYNTH_TIMEOUT))) from None
    if done.returncode != 0 or not out.is_file() or out.stat().st_size < 1000:
        raise SpeechUnavailable(_("espeak-ng không tạo được tệp âm thanh: {detail}",
                                  detail=(done.stderr or "").strip()[:200] or "—"))
    return {"file": str(out), "text": call_text(label, counter), "spoken": spoken}
