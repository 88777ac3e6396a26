"""The queue call's sound on the citizen window (and the spoken call beside it)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class Chime:
    """The call sound (QtMultimedia's SoundEffect when the wheel has it; attempts logged).

    The sound is loaded by :meth:`load` (when a citizen window opens) or at the first play:
    QtMultimedia and the file cost ~30 ms, which a counter without a citizen screen never
    needs to pay at start.
    """

    def __init__(self, wav_path: str) -> None:
        self.wav_path = wav_path
        self.attempts = 0
        self.last_status = ""
        self._effect: Any = None
        self._loaded = False
        #: ``kiosk.ui.spoken_call.SpokenCall`` when the window speaks the call too.
        self.voice: Any = None

    def load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            from PySide6.QtCore import QUrl
            from PySide6.QtMultimedia import QSoundEffect

            self._effect = QSoundEffect()
            self._effect.setSource(QUrl.fromLocalFile(self.wav_path))
            self._effect.setVolume(0.9)
        except Exception as exc:  # no QtMultimedia: the call still shows, silently
            log.warning("citizen screen: no sound (%s)", exc)

    def play(self) -> None:
        self.load()
        self.attempts += 1
        if self._effect is None:
            self.last_status = "unavailable"
        else:
            self._effect.play()
            self.last_status = str(self._effect.status().name)
        log.info("queue call chime: play attempted (%s)", self.last_status)
