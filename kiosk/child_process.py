"""Helper processes that never outlive the process that started them.

The app runs libsane and the page pipeline in processes of their own (a stuck driver or a
GIL-heavy encoder must not freeze the window). Whatever ends the app — a clean exit, SIGTERM,
SIGINT, a crash, ``kill -9`` — its helpers must end with it, so two mechanisms that need no
cleanup code in the parent back each other:

* the child asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``), which
  also ends a child that is stopped or blocked inside a C library, and checks right after
  that its parent is still the one that started it (the parent may have died before);
* the child's end of a socket pair is its only link to the parent; end of file on it means
  the parent is gone or done, and the child exits.

Linux sends the death signal when the *thread* that forked the child ends, not the process,
so every child is forked on one long-lived thread (:data:`_SPAWNER`), never on a pool thread
that may end while its children are still wanted.

No ``multiprocessing`` process, queue or lock is used: with the ``spawn`` method those start
the multiprocessing resource tracker, one more process per app start that stayed alive while
the old pipeline worker held its pipe. :class:`multiprocessing.connection.Connection` is only
a message framing over a file descriptor and starts nothing.

A child runs ``python -m kiosk.child_process TARGET FD PARENT_PID``; ``TARGET`` is
``module:function``, called with the connection once the child has the parent's
``sys.path``. Its stdout is /dev/null (the CLI's stdout carries JSON); stderr is shared. It
has a process group of its own: Ctrl-C in a terminal signals the foreground group, and it is
the parent that decides when its helpers end (``kiosk scan`` cancels, and its scanner must
report the pages read; a helper still starting would die with a traceback).
"""

from __future__ import annotations

import ctypes
import importlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

PR_SET_PDEATHSIG = 1


class ChildProcess:
    """One helper process and the connection to it."""

    def __init__(self, target: str, *, args: tuple[Any, ...] = (), name: str = "",
                 idle: bool = False) -> None:
        """``idle``: the child runs only on CPU time nobody else wants (SCHED_IDLE, nice 19)
        from its first instruction on, its imports included (the OCR reader's helper)."""
        self.target = target
        self.name = name or target
        ours, theirs = socket.socketpair()
        try:
            self.popen = _SPAWNER.run(lambda: subprocess.Popen(
                [sys.executable, "-m", "kiosk.child_process", target, str(theirs.fileno()),
                 str(os.getpid())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, process_group=0))
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.conn.send({"sys_path": list(sys.path), "args": args, "idle": idle})

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL (also ends a stopped child) and reap it: no zombie is left behind."""
        if self.popen.poll() is None:
            try:
                self.popen.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.popen.wait()
        self._close_conn()

    def close(self, grace: float = 3.0) -> None:
        """Close the connection (the child ends on end of file); kill it after ``grace`` s."""
        self._close_conn()
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            self.kill()

    def exit_description(self) -> str:
        code = self.popen.poll()
        if code is None:
            return "running"
        if code < 0:
            try:
                return f"signal {signal.Signals(-code).name}"
            except ValueError:
                return f"signal {-code}"
        return f"exit status {code}"

    def _close_conn(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass


class _Spawner:
    """One daemon thread that lives as long as the process and forks every child."""

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = \
            queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, make: Callable[[], Any]) -> Any:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="kiosk-spawner",
                                                daemon=True)
                self._thread.start()
        done: Future[Any] = Future()
        self._requests.put((make, done))
        return done.result()

    def _serve(self) -> None:
        while True:
            make, done = self._requests.get()
            try:
                done.set_result(make())
            except BaseException as exc:  # handed to the caller's thread
                done.set_exception(exc)


_SPAWNER = _Spawner()


def die_with_parent(parent: int) -> None:
    """In a child: SIGKILL when the parent dies; exit now if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the socket's end of file still ends us
        pass
    if os.getppid() != parent:
        os._exit(0)


def main(argv: list[str]) -> None:
    target, fd, parent = argv
    die_with_parent(int(parent))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C aimed at its group by name
    conn = Connection(int(fd))
    try:
        start = conn.recv()
    except (EOFError, OSError):
        os._exit(0)
    if start.get("idle"):
        os.setpriority(os.PRIO_PROCESS, 0, 19)
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except (OSError, AttributeError):
            pass  # nice 19 stays
    sys.path[:] = start["sys_path"]
    module, function = target.split(":")
    getattr(importlib.import_module(module), function)(conn, *start["args"])


if __name__ == "__main__":
    main(sys.argv[1:])
