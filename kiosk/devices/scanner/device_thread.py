"""One named worker thread per device.

libsane is not thread-safe and python-sane's calls block (device discovery with every
backend enabled takes seconds; a page takes seconds). So every SANE call runs on a single
worker thread owned by the driver, like Electrum's hardware-wallet thread; the caller waits
on a future or gets callbacks. ``assert_on_device_thread`` guards the thin SANE wrapper.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class DeviceThread:
    def __init__(self, name: str) -> None:
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._thread_ident: int | None = None
        self._closed = False
        # Learn the worker's identity once, so the assertion is a cheap comparison.
        self._executor.submit(self._remember).result()

    def _remember(self) -> None:
        self._thread_ident = threading.get_ident()

    def submit(self, fn: Callable[..., T], *args: object, **kwargs: object) -> Future[T]:
        return self._executor.submit(fn, *args, **kwargs)

    def run(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run ``fn`` on the device thread and wait for it (inline when already there)."""
        if self.on_thread():
            return fn(*args, **kwargs)
        return self._executor.submit(fn, *args, **kwargs).result()

    def on_thread(self) -> bool:
        return threading.get_ident() == self._thread_ident

    def assert_on_thread(self) -> None:
        if not self.on_thread():
            raise RuntimeError(f"must run on the {self.name} device thread")

    def shutdown(self) -> None:
        if not self._closed:
            self._closed = True
            self._executor.shutdown(wait=True)
