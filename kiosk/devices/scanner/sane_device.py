"""A thin mirror of python-sane, so the driver above it can be tested against a fake.

Only calls python-sane; no decisions. Two facts measured here shape it:

* ``SANE_CONFIG_DIR`` is read by libsane when ``sane_init`` runs (the ``dll`` backend reads
  ``dll.conf`` then, once per process). :func:`prepare_environment` must therefore run before
  the first ``sane.init()`` in the process; :meth:`SaneApi.init` calls it, and nothing else
  in kiosk initialises SANE. Order of precedence: a ``SANE_CONFIG_DIR`` already in the
  environment; else the ``scanner.sane_config_dir`` setting (a counter with a real scanner
  sets it, e.g. to ``/etc/sane.d``); else ``assets/sane`` (the ``test`` backend only), so
  development, tests and ``make run`` never depend on /etc and discovery is instant.
  Changing the setting takes effect in a new process (libsane reads it once).
* An exception raised inside python-sane's progress callback crashes the interpreter
  (segfault), so :meth:`SaneHandle.snap` shields the callback.

All methods except :meth:`SaneHandle.cancel` must run on the driver's device thread;
``sane_cancel`` is the one call SANE allows from elsewhere while a read is blocked (measured:
the blocked read then returns a truncated image, which the driver discards).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kiosk.paths import asset

_env_lock = threading.Lock()


def prepare_environment(configured: str = "") -> str:
    """Set ``SANE_CONFIG_DIR`` unless already set; return the directory SANE will use."""
    with _env_lock:
        current = os.environ.get("SANE_CONFIG_DIR")
        if current:
            return current
        path = configured or str(asset("sane"))
        os.environ["SANE_CONFIG_DIR"] = path
        return path


class SaneFailure(Exception):
    """A python-sane error, reduced to SANE's message string (all python-sane gives us)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _failure(exc: BaseException) -> SaneFailure:
    return SaneFailure(str(exc))


@dataclass(frozen=True)
class OptionInfo:
    name: str
    kind: str  # "bool" | "int" | "fixed" | "string" | "button"
    unit: str  # "none" | "pixel" | "bit" | "mm" | "dpi" | "percent" | "microsecond"
    constraint: Any  # None, (min, max, quant), or a list of values
    active: bool
    settable: bool


_KINDS = {0: "bool", 1: "int", 2: "fixed", 3: "string", 4: "button", 5: "group"}
_UNITS = {0: "none", 1: "pixel", 2: "bit", 3: "mm", 4: "dpi", 5: "percent", 6: "microsecond"}


class SaneHandle:
    """An open device."""

    def __init__(self, dev: Any) -> None:
        self._dev = dev
        self._reader_threads: set[str] = set()

    def options(self) -> dict[str, OptionInfo]:
        out: dict[str, OptionInfo] = {}
        for name, opt in self._dev.opt.items():
            kind = _KINDS.get(opt.type, "group")
            if kind == "group":
                continue
            out[name] = OptionInfo(
                name=name,
                kind=kind,
                unit=_UNITS.get(opt.unit, "none"),
                constraint=opt.constraint,
                active=bool(opt.is_active()),
                settable=bool(opt.is_settable()),
            )
        return out

    def get(self, name: str) -> Any:
        try:
            return getattr(self._dev, name)
        except Exception as exc:
            raise _failure(exc) from exc

    def set(self, name: str, value: Any) -> None:
        try:
            setattr(self._dev, name, value)
        except Exception as exc:
            raise _failure(exc) from exc

    def start(self) -> None:
        before = _thread_ids()
        try:
            self._dev.start()
        except Exception as exc:
            raise _failure(exc) from exc
        # The threads sane_start made: the backend's reader (see _let_reader_exit).
        self._reader_threads = _thread_ids() - before

    def snap(self, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Read one frame; ``progress(lines_read, lines_total)``. Returns H×W or H×W×3 uint8."""

        def shielded(done: int, total: int) -> None:
            # An exception escaping into python-sane's C loop kills the process: swallow it.
            try:
                if progress is not None:
                    progress(done, total)
                if 0 < total <= done:
                    _let_reader_exit(self._reader_threads)
            except Exception:  # see above
                pass

        try:
            # no_cancel=True keeps an ADF batch going between pages (python-sane's own
            # multi_scan does the same); the driver calls cancel() when the batch ends.
            data, width, height, samples, sample_size = self._dev.dev.snap(
                True, True, shielded
            )
        except Exception as exc:
            raise _failure(exc) from exc
        if not data or height <= 0:
            raise SaneFailure("Scanner returned no data")
        dtype = np.uint8 if sample_size == 1 else np.uint16
        arr: np.ndarray = np.frombuffer(data, dtype=dtype).reshape(height, width, samples)
        if sample_size != 1:
            arr = np.right_shift(arr, 8).astype(np.uint8)
        return arr[:, :, 0].copy() if samples == 1 else arr.copy()

    def cancel(self) -> None:
        # sane_cancel cancels the reader asynchronously too: not while it is still starting
        # or ending (inside malloc/free), only once it is gone or blocked writing the pipe.
        _let_reader_exit(self._reader_threads, or_blocked_in_pipe_write=True)
        try:
            self._dev.cancel()
        except Exception:  # cancelling a closed or idle device is harmless
            pass

    def close(self) -> None:
        try:
            self._dev.close()
        except Exception:  # already closed
            pass


#: How long the last line's callback waits for the backend's reader thread to be gone.
READER_EXIT_WAIT_S = 0.25


def _thread_ids() -> set[str]:
    try:
        return set(os.listdir("/proc/self/task"))
    except OSError:  # not Linux: nothing to wait for
        return set()


def _let_reader_exit(reader_threads: set[str], or_blocked_in_pipe_write: bool = False) -> None:
    """Wait until the backend's reader thread has ended before the read that reaches EOF.

    Backends built on sanei_thread (the test backend and many real ones) read the device in a
    thread with asynchronous cancellation, and at EOF ``sane_read`` calls ``pthread_cancel`` on
    it (seen with gdb on every page). A reader cancelled while it is still ending, inside
    glibc's free() with a malloc arena locked, leaves that lock taken for good: the next
    thread given that arena hangs, in the field a later scan that never returns (a full test
    run caught one: reader stuck in ``_int_free`` at thread exit, no thread holding the lock).
    All its data is in the pipe by the last line, so waiting for it costs nothing but the
    time it takes to end. Before a cancel (a jam, a clerk's "Dừng", the end of a batch) the
    reader may also be blocked writing the pipe, a system call where cancelling it is safe.
    A reader cancelled while it computes can still race; that is why SANE runs in a process
    of its own, replaced when it hangs (kiosk.devices.scanner.process_driver).
    """
    if not reader_threads:
        return
    import time

    deadline = time.monotonic() + READER_EXIT_WAIT_S
    while time.monotonic() < deadline:
        alive = reader_threads & _thread_ids()
        if not alive or (or_blocked_in_pipe_write and all(map(_in_pipe_write, alive))):
            return
        time.sleep(0.001)


def _in_pipe_write(tid: str) -> bool:
    """The thread sleeps in the kernel writing a pipe: a safe place to be cancelled."""
    try:
        with open(f"/proc/self/task/{tid}/wchan") as f:
            return "pipe_write" in f.read()
    except OSError:  # gone meanwhile
        return True


#: libsane is process-global: ``sane_exit`` unloads every backend for every user in the
#: process. Several SaneApi objects (a window closing while the next one opens, the home
#: screen's device check beside a scan) share one initialisation, counted here.
_LIB_LOCK = threading.Lock()
_LIB_USERS = 0


class SaneApi:
    """The module-level python-sane calls."""

    def __init__(self, config_dir: str = "") -> None:
        self._sane: Any = None
        self._config_dir = config_dir

    def init(self) -> None:
        global _LIB_USERS
        if self._sane is not None:
            return
        with _LIB_LOCK:
            if _LIB_USERS == 0:
                self._sane = self._init_library()
            else:
                import sane

                self._sane = sane
            _LIB_USERS += 1

    def _init_library(self) -> Any:
        prepare_environment(self._config_dir)
        try:
            import sane  # imported here: loading libsane must follow prepare_environment()
        except (ImportError, OSError) as exc:
            # No python-sane or no libsane: scanning is off, the rest of the app runs.
            raise SaneFailure(f"SANE unavailable: {exc}") from exc

        try:
            sane.init()
        except Exception as exc:
            raise _failure(exc) from exc
        return sane

    def get_devices(self, local_only: bool = False) -> list[tuple[str, str, str, str]]:
        self.init()
        try:
            return [(str(d[0]), str(d[1]), str(d[2]), str(d[3]))
                    for d in self._sane.get_devices(local_only)]
        except Exception as exc:
            raise _failure(exc) from exc

    def open(self, name: str) -> SaneHandle:
        self.init()
        try:
            return SaneHandle(self._sane.open(name))
        except Exception as exc:
            raise _failure(exc) from exc

    def exit(self) -> None:
        global _LIB_USERS
        if self._sane is None:
            return
        with _LIB_LOCK:
            _LIB_USERS -= 1
            try:
                if _LIB_USERS == 0:
                    self._sane.exit()
            finally:
                self._sane = None
