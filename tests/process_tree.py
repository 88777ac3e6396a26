"""Real processes, read from /proc: what a process started, and whether it is still running.

A zombie (state Z) counts as gone: it runs nothing and holds no memory, and an orphan's
zombie waits for whichever process reaps orphans here.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgrp: int
    state: str
    cmdline: str


def processes() -> dict[int, Proc]:
    found: dict[int, Proc] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # ended meanwhile
            continue
        # The command name in parentheses may hold spaces: split after its last ")".
        fields = stat[stat.rindex(")") + 2:].split()
        found[int(entry)] = Proc(int(entry), int(fields[1]), int(fields[2]), fields[0],
                                 cmdline)
    return found


def running(pid: int) -> bool:
    proc = processes().get(pid)
    return proc is not None and proc.state != "Z"


def descendants(pid: int) -> list[Proc]:
    """Every running process below ``pid``."""
    table = processes()
    children: dict[int, list[Proc]] = {}
    for proc in table.values():
        children.setdefault(proc.ppid, []).append(proc)
    out: list[Proc] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child.state != "Z":
                out.append(child)
            todo.append(child.pid)
    return out


def in_group(pgrp: int) -> list[Proc]:
    return [p for p in processes().values() if p.pgrp == pgrp and p.state != "Z"]


def still_running(pids: set[int], pgrp: int | None = None, timeout: float = 10.0) -> list[Proc]:
    """Poll until none of ``pids`` (nor anything in process group ``pgrp``) runs; returns
    what still runs after ``timeout`` seconds (empty when all ended)."""
    deadline = time.monotonic() + timeout
    while True:
        table = processes()
        left = [p for p in table.values() if p.state != "Z"
                and (p.pid in pids or (pgrp is not None and p.pgrp == pgrp))]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def wait_for(predicate: object, timeout: float, what: str) -> object:
    """Poll ``predicate()`` until it returns something true; fail with ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()  # type: ignore[operator]
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
