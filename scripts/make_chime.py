"""Generate assets/sounds/chime.wav: the two-tone call chime (16-bit mono, 22.05 kHz).

Generated rather than downloaded so its licence is the project's; run again to change it.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050


def tone(freq: float, seconds: float, volume: float = 0.5) -> list[int]:
    n = int(RATE * seconds)
    out = []
    for i in range(n):
        # A soft attack and an exponential decay: a bell, not a beep.
        env = min(1.0, i / (0.01 * RATE)) * math.exp(-3.0 * i / n)
        out.append(int(32767 * volume * env * math.sin(2 * math.pi * freq * i / RATE)))
    return out


def main() -> None:
    samples = tone(880.0, 0.45) + tone(659.25, 0.7)
    path = Path(__file__).resolve().parent.parent / "assets" / "sounds" / "chime.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    print(path, path.stat().st_size)


if __name__ == "__main__":
    main()
