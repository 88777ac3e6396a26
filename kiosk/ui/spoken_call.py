"""The spoken call after the chime on the counter PC (issue 27): «Mời số A 12, đến quầy số 2»
rendered by espeak-ng (``kiosk.citizen.announce``) off the GUI thread, kept in the data
folder so a number called again is not rendered twice, and played with QtMultimedia once
the chime has sounded. Without espeak-ng (or with ``queue.spoken_call`` off) the chime and
the number on the screen remain: logged once, never an error for the clerk."""

from __future__ import annotations

import logging
import shutil
from typing import Any

from kiosk import paths

log = logging.getLogger(__name__)
#: The chime's length: the voice starts when it is over (ms).
AFTER_CHIME_MS = 1200


class SpokenCall:
    def __init__(self, config: Any, tasks: Any) -> None:
        self.config, self.tasks = config, tasks
        self.attempts = 0
        self.last_status = ""
        self._effect: Any = None
        self._warned = False

    def say(self, label: str, counter: int | None) -> None:
        if not counter or not bool(self.config.get("queue.spoken_call")):
            return
        if shutil.which("espeak-ng") is None:
            if not self._warned:
                self._warned = True
                log.warning("queue spoken call: espeak-ng is not installed, chime only")
            return
        out = paths.data_dir() / "calls" / f"{label}-{counter}.wav"

        def render() -> str:
            if not out.is_file():
                from kiosk.citizen.announce import render_call

                render_call(label, int(counter), out, self.config)
            return str(out)

        self.tasks.run(render, self._play,
                       lambda exc: log.warning("queue spoken call not rendered: %s", exc),
                       lane="work")

    def _play(self, path: str) -> None:
        from PySide6.QtCore import QTimer, QUrl

        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError as exc:
            log.warning("queue spoken call: no sound (%s)", exc)
            return
        if self._effect is None:
            self._effect = QSoundEffect()
            self._effect.setVolume(1.0)

        def play() -> None:
            self._effect.setSource(QUrl.fromLocalFile(path))
            self._effect.play()
            self.attempts += 1
            self.last_status = str(self._effect.status().name)
            log.info("queue spoken call: play attempted (%s) %s", self.last_status, path)

        QTimer.singleShot(AFTER_CHIME_MS, play)
