"""A real Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
fd 3 in, fd 4 out, JSON messages ended by NUL), so a test needs neither a WebSocket client
nor a driver download: only the Debian ``chromium`` package. (bash, not sh, moves the pipe
ends to fds 3 and 4: dash takes only one-digit fd numbers in a redirection.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any


class Chromium:
    def __init__(self, url: str, profile: Path) -> None:
        exe = next((p for p in ("/usr/lib/chromium/chromium", shutil.which("chromium"),
                    shutil.which("chromium-browser")) if p and Path(p).is_file()), None)
        assert exe, "chromium is not installed"
        self._cmd_r, self._cmd_w = os.pipe()
        self._res_r, self._res_w = os.pipe()
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{self._cmd_r} 4>&{self._res_w}', exe,
             "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", "--autoplay-policy=no-user-gesture-required",
             f"--user-data-dir={profile}",
             "--window-size=1366,768", url],
            pass_fds=(self._cmd_r, self._res_w), stdout=subprocess.DEVNULL,
            stderr=(profile.parent / "chromium.log").open("w"))
        os.close(self._cmd_r)
        os.close(self._res_w)
        self._buf = b""
        self._id = 0
        self.session = self._attach()

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buf:
            chunk = os.read(self._res_r, 65536)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return dict(json.loads(raw))

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return dict(answer.get("result") or {})

    def _attach(self) -> str:
        end = time.monotonic() + 30
        while time.monotonic() < end:
            pages = [t for t in self.send("Target.getTargets")["targetInfos"]
                     if t["type"] == "page"]
            if pages:
                return str(self.send("Target.attachToTarget", {
                    "targetId": pages[0]["targetId"], "flatten": True})["sessionId"])
            time.sleep(0.1)
        raise RuntimeError("chromium opened no page")

    def eval(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True}, self.session)
        return result.get("result", {}).get("value")

    def screenshot(self, path: Path) -> None:  # for a person checking the page by eye
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png"}, self.session)["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            os.close(self._cmd_w)
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self._res_r)
