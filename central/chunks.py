"""A tus request body streamed to disk as it arrives (PATCH, and the data of a creation).

A PATCH may carry any part of an upload (tus-js-client sends the whole file in one by
default); its bytes go to the partial file in batches of :data:`BATCH`, never held whole in
memory. When the body ends the bytes are fsynced and the offset recorded; when the
connection drops in the middle (or a body deadline cuts it, ``central.guard``), what arrived
is kept the same way and the client resumes from there (tus 1.0: SHOULD). A chunk checksum
(``Upload-Checksum``) is checked over the whole body; a body cut short cannot be checked,
and is kept anyway: the final sha256 of the whole file still guards the blob.

One writer per upload (:class:`UploadLocks`): a second request for an upload being written
interrupts the first — whose client has usually given up — which keeps its bytes and ends.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from fastapi.concurrency import run_in_threadpool

from central.blobstore import PartialFile
from central.common import ApiError
from central.gate import BodyTooLarge
from kiosk.i18n import _

CHECKSUMS = ("sha1", "sha256")
#: Bytes gathered before one write to disk (a thread hop per batch, not per packet).
BATCH = 1 << 20
#: Seconds a request waits for the upload's current writer to stop.
LOCK_WAIT = 30.0

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


@dataclass
class Checksum:
    algorithm: str
    expected: bytes

    @classmethod
    def parse(cls, header: str | None) -> Checksum | None:
        """``Upload-Checksum: <algo> <base64>``; 400 for an algorithm or value we cannot use."""
        if header is None:
            return None
        algo, _sep, value = header.strip().partition(" ")
        if algo not in CHECKSUMS:
            raise ApiError(400, "checksum_algorithm",
                           _("Chỉ hỗ trợ kiểm tra {algos}.", algos=", ".join(CHECKSUMS)))
        try:
            expected = base64.b64decode(value, validate=True)
        except binascii.Error:
            raise ApiError(400, "checksum_format", _("Upload-Checksum không hợp lệ.")) from None
        if len(expected) != hashlib.new(algo).digest_size:
            raise ApiError(400, "checksum_format", _("Upload-Checksum không hợp lệ."))
        return cls(algo, expected)


@dataclass
class Received:
    """What one body brought: its bytes are in the partial file from ``start`` to ``end``."""

    start: int
    end: int
    #: The body ended normally (False: the client went away or was cut or interrupted).
    complete: bool
    digest: bytes = b""


@dataclass
class _Holder:
    interrupt: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)


class UploadLocks:
    """At most one request writes an upload in this process (several processes: the
    database's conditional offset update decides, docs/SCALING.md)."""

    def __init__(self) -> None:
        self._holders: dict[str, _Holder] = {}

    @asynccontextmanager
    async def hold(self, upload_id: str) -> AsyncIterator[asyncio.Event]:
        """Become the upload's writer; yields the event that asks this writer to stop."""
        while (holder := self._holders.get(upload_id)) is not None:
            holder.interrupt.set()
            try:
                await asyncio.wait_for(holder.released.wait(), LOCK_WAIT)
            except TimeoutError:
                raise ApiError(409, "upload_busy",
                               _("Phiên tải lên đang được ghi; hãy hỏi lại vị trí.")) from None
        mine = _Holder()
        self._holders[upload_id] = mine
        try:
            yield mine.interrupt
        finally:
            del self._holders[upload_id]
            mine.released.set()


async def receive_into(partial: PartialFile, receive: Receive, limit: int,
                       interrupt: asyncio.Event, checksum: Checksum | None = None
                       ) -> Received:
    """Write the body to ``partial`` until it ends, the client goes, or ``interrupt``.

    ``limit``: the most bytes the body may bring (the rest of ``Upload-Length``); more is a
    400 with this body's bytes cut off again. The bytes are synced before this returns.
    """
    hasher = hashlib.new(checksum.algorithm) if checksum else None
    batch = bytearray()
    complete = False
    stop = asyncio.ensure_future(interrupt.wait())

    def flush(data: bytes) -> None:
        partial.write(data)
        if hasher is not None:
            hasher.update(data)

    try:
        while True:
            message = await _next(receive, stop)
            if message is None or message["type"] != "http.request":
                break  # interrupted, or http.disconnect
            batch += message.get("body", b"")
            if partial.end + len(batch) - partial.start > limit:
                await run_in_threadpool(partial.cut, partial.start)
                raise ApiError(400, "past_length", _("Dữ liệu vượt quá độ dài đã khai báo."))
            if len(batch) >= BATCH:
                data, batch = bytes(batch), bytearray()
                await run_in_threadpool(flush, data)
            if not message.get("more_body", False):
                complete = True
                break
    except BodyTooLarge:
        await run_in_threadpool(partial.cut, partial.start)
        raise
    finally:
        stop.cancel()
    await run_in_threadpool(_flush_and_sync, flush, bytes(batch), partial)
    return Received(partial.start, partial.end, complete,
                    hasher.digest() if hasher is not None else b"")


def _flush_and_sync(flush: Callable[[bytes], None], data: bytes, partial: PartialFile) -> None:
    if data:
        flush(data)
    partial.sync()


async def _next(receive: Receive, stop: asyncio.Future[Any]) -> MutableMapping[str, Any] | None:
    """The next ASGI message, or None when the writer was asked to stop first."""
    if stop.done():
        return None
    get = asyncio.ensure_future(receive())
    await asyncio.wait({get, stop}, return_when=asyncio.FIRST_COMPLETED)
    if get.done():
        return get.result()
    get.cancel()
    with suppress(asyncio.CancelledError):
        await get
    return None


async def drain(receive: Receive) -> None:
    """Read a body the answer does not need (its size is capped by the gate)."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return
