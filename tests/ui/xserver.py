"""A private X server (Xvfb) and the counter app running on it, driven by real X input.

Keys are sent with ``xdotool`` (the XTest extension), so they travel the path a USB reader's
keys travel: X server → Qt's xcb plugin (→ an input method, when one runs) → the app. The app
runs in its own process (a QGuiApplication cannot change platform inside the test process,
which is offscreen); :class:`AppProcess` sends it small Python snippets over a pipe to set up
screens and read back what a clerk would see.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def missing_tools() -> str | None:
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/system-packages.txt; make setup)"
    return None


_KEYSYMS = {" ": "space", "|": "bar", ".": "period", "-": "minus", ",": "comma",
            "/": "slash", ":": "colon", "_": "underscore", "#": "numbersign", "]": "bracketright"}


def keysyms(text: str) -> list[str]:
    """X keysym names for ``xdotool key`` (it adds Shift where the keysym needs it)."""
    return [_KEYSYMS.get(ch, ch) for ch in text]


class XServer:
    """``Xvfb -displayfd``: the server picks a free display number (others run Xvfb too)."""

    def __init__(self, size: str = "1366x768x24") -> None:
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", size, "-nolisten", "tcp",
             "-noreset"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(write_fd)
        # Read up to the newline, and keep the pipe open: Xvfb dies of a write to a closed one.
        self._displayfd = read_fd
        data = b""
        deadline = time.monotonic() + 20
        while not data.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read_fd], [], [], 1)
            chunk = os.read(read_fd, 32) if ready else b""
            if ready and not chunk:
                break
            data += chunk
        number = data.decode().strip()
        if not number:
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.display}

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env(), check=True, timeout=60)

    def map_letters(self, text: str) -> None:
        """Give the letters of ``text`` that the keymap lacks (Vietnamese ones) keys of
        their own, lower case and Shift upper case, as a Vietnamese keyboard layout would.
        Without this xdotool maps each onto a spare key for one press and maps it back
        straight after; an app that reads the keymap only then (under load) sees the old
        one and the letter is lost."""
        out = subprocess.run(["xmodmap", "-pke"], env=self.env(), capture_output=True,
                             text=True, check=True, timeout=30).stdout
        spare = [int(line.split()[1]) for line in out.splitlines()
                 if line.startswith("keycode") and line.split("=")[1].strip() == ""]
        letters = sorted({ch.lower() for ch in text if ord(ch) > 127})
        if len(letters) > len(spare) - 2:  # leave xdotool a spare key or two
            raise ValueError(f"not enough spare keys for {letters}")
        for keycode, letter in zip(spare, letters, strict=False):
            subprocess.run(["xmodmap", "-e", f"keycode {keycode} = U{ord(letter):04X} "
                            f"U{ord(letter.upper()):04X}"], env=self.env(), check=True,
                           timeout=30)

    def scan(self, text: str, suffix: str = "Return", delay_ms: int = 10) -> None:
        """Type ``text`` then ``suffix`` as a reader does: one xdotool run (a second process
        would leave a gap of its start-up time), Shift around capitals and ``|``."""
        self.xdotool("key", "--delay", str(delay_ms), *keysyms(text), suffix)

    def caps_lock_on(self) -> bool:
        out = subprocess.run(["xset", "q"], env=self.env(), capture_output=True, text=True,
                             check=False).stdout if shutil.which("xset") else ""
        return "Caps Lock:   on" in out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._displayfd)


class AppProcess:
    """The real window (``kiosk.ui.app.create_window``, demo services) under ``xserver``
    (or offscreen without one)."""

    def __init__(self, xserver: XServer | None, home: Path,
                 env: dict[str, str] | None = None) -> None:
        base = xserver.env() if xserver is not None else dict(os.environ)
        environment = {**base, "KIOSK_HOME": str(home), "PYTHONPATH": str(ROOT),
                       "QT_QPA_PLATFORM": "xcb" if xserver is not None else "offscreen",
                       **(env or {})}
        environment.pop("QT_QPA_PLATFORMTHEME", None)
        self.log = home / "app.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.x11_driver"], cwd=ROOT, env=environment,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log.open("w"),
            text=True, bufsize=1)
        self.call("result = 'ready'", timeout=90)

    def call(self, code: str, timeout: float = 30) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"code": code}) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"the app did not answer; its log:\n{self.log.read_text()[-4000:]}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise RuntimeError(reply["error"])
        return reply["value"]

    def wait_for(self, code: str, expected: Any, timeout: float = 15) -> Any:
        """Evaluate ``code`` (setting ``result``) until it equals ``expected``."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.call(code)
            if value == expected:
                return value
            time.sleep(0.1)
        return value

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.call("quit_app()", timeout=20)
            except (RuntimeError, OSError, ValueError):
                pass
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
