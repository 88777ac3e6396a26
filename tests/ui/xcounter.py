"""The counter app on a private Xvfb, touched with real X input (xdotool / XTest).

:class:`Counter` runs ``tests/ui/xharness.py`` (the real window over demo services) and taps
the items it reports; :func:`close_window` is a window manager's close button
(``WM_DELETE_WINDOW``), which Xvfb has no window manager to send.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def start_xvfb(size: str = "1366x768") -> tuple[subprocess.Popen[bytes], str]:
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    return proc, f":{number}"


class Counter:
    """The app process, and a clerk's finger on its screen."""

    def __init__(self, display: str, env: dict[str, str], log: Path) -> None:
        self.display = display
        self.feeder = "flatbed"
        self.touches: list[str] = []
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.xharness"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True)

    def ask(self, op: str, **args: Any) -> Any:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"op": op, **args}, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the app process ended"
        reply = json.loads(line)
        assert reply["ok"], reply.get("error")
        return reply["value"]

    def wait(self, what: str, test: Any, timeout: float = 90.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = test()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}: {self.ask('state')}")

    def idle(self) -> dict[str, Any]:
        return self.wait("the app to be idle",
                         lambda: (lambda s: s if not s["busy"] else None)(self.ask("state")))

    def tap(self, name: str, *, settle: bool = True) -> None:
        """Click ``name``; with ``settle``, wait until the app is idle again."""
        try:
            spot = self.wait(f"{name} on screen", lambda: (lambda w: w if w and w["on_screen"]
                                                            and w["enabled"] else None)(
                self.ask("where", name=name)), timeout=30)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; {self.ask('where', name=name)}; on screen: "
                                 f"{self.ask('names', prefix=name.split('_')[0])}") from None
        # A person taps what has stopped moving: a list still gliding after a wheel turn
        # (or a dialog sliding above the keys) would take the click somewhere else.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.1)
            again = self.ask("where", name=name)
            if again and again["on_screen"] and (again["x"], again["y"]) == (spot["x"],
                                                                           spot["y"]):
                break
            spot = again or spot
        env = {**os.environ, "DISPLAY": self.display}
        subprocess.run(["xdotool", "mousemove", str(spot["x"]), str(spot["y"]),
                        "click", "1"], env=env, check=True, timeout=10)
        self.touches.append(name)
        time.sleep(0.35)  # the press/release animation; QML then acts on the click
        if settle:
            self.idle()

    def close(self) -> None:
        try:
            self.ask("quit")
        except AssertionError:
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()




class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                ("data", ctypes.c_long * 5)]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def close_window(display: str, pid: int) -> int:
    """Send ``WM_DELETE_WINDOW`` to every top-level window of process ``pid``, as a window
    manager does for its close button; returns how many windows were asked."""
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(pid), ""],
                           env={**os.environ, "DISPLAY": display}, capture_output=True,
                           text=True, check=False).stdout.split()
    x11 = ctypes.CDLL("libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.POINTER(_XEvent)]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    if not dpy:
        raise RuntimeError(f"cannot open display {display}")
    try:
        protocols = x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        delete = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        for window in found:
            event = _XEvent()
            event.xclient.type = 33  # ClientMessage
            event.xclient.window = int(window)
            event.xclient.message_type = protocols
            event.xclient.format = 32
            event.xclient.data[0] = delete
            event.xclient.data[1] = 0  # CurrentTime
            x11.XSendEvent(dpy, int(window), 0, 0, ctypes.byref(event))
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)
    return len(found)
