"""A tus 1.0 client (core, creation, checksum) that works with any conforming server:
ours in ``central/`` and the official ``@tus/server`` alike (tests/tus).

What the server offers is read from ``OPTIONS`` (extensions, checksum algorithms, maximum
size); a 409 — JSON or plain text — is answered by asking ``HEAD`` for the offset and
resuming from there; every answer is checked (``Tus-Resumable``, offsets within bounds,
``Location`` on the configured origin) before the client acts on it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import httpx

from kiosk.i18n import _
from kiosk.sync import wire
from kiosk.sync.crash import crashpoint
from kiosk.sync.errors import BadResponse, NeedsPerson, Retry
from kiosk.sync.transport import ServerClient

TUS = {"Tus-Resumable": "1.0.0"}
MIN_CHUNK = 64 * 1024
START_CHUNK = 256 * 1024
MAX_CHUNK = 2 * 1024 * 1024
#: 409s in a row without progress before the upload is left for the next pass.
MAX_CONFLICTS = 5


class UploadRestart(Exception):
    """The server forgot the upload (404/410, or the blob failed its final hash): start over."""


@dataclass
class ChunkSizer:
    """Start at 256 KiB, double after a success up to 2 MiB, halve after a timeout."""

    size: int = START_CHUNK

    def grow(self) -> None:
        self.size = min(MAX_CHUNK, self.size * 2)

    def shrink(self) -> None:
        self.size = max(MIN_CHUNK, self.size // 2)


@dataclass(frozen=True)
class TusServer:
    """What ``OPTIONS`` said; a server without OPTIONS is taken as core + creation only."""

    extensions: frozenset[str] = frozenset({"creation"})
    checksum_algorithms: tuple[str, ...] = ()
    max_size: int | None = None
    max_chunk: int | None = None

    @property
    def checksum(self) -> str | None:
        if "checksum" not in self.extensions:
            return None
        for algo in ("sha256", "sha1"):
            if algo in self.checksum_algorithms:
                return algo
        return None


def _csv(value: str) -> list[str]:
    return [p.strip().lower() for p in value.split(",") if p.strip()]


def discover(http: ServerClient, endpoint: str,
             headers: Mapping[str, str] | None = None) -> TusServer:
    """Read the server's tus capabilities from ``OPTIONS endpoint``."""
    r = http.options(endpoint, headers={**(headers or {}), **TUS})
    if r.status_code in (404, 405, 501):
        return TusServer()
    r.raise_for_status()
    if "1.0.0" not in _csv(r.headers.get("Tus-Version", "")):
        raise BadResponse(_("OPTIONS {path}: máy chủ không nói tus 1.0.0", path=endpoint))

    def number(name: str) -> int | None:
        value = r.headers.get(name, "")
        return int(value) if value.isascii() and value.isdigit() else None

    return TusServer(frozenset(_csv(r.headers.get("Tus-Extension", ""))),
                     tuple(_csv(r.headers.get("Tus-Checksum-Algorithm", ""))),
                     number("Tus-Max-Size"), number("Tus-Max-Chunk-Size"))


def checksum_header(algo: str | None, data: bytes) -> dict[str, str]:
    if algo is None:
        return {}
    digest = hashlib.new(algo, data).digest()
    return {"Upload-Checksum": f"{algo} {base64.b64encode(digest).decode()}"}


def encode_metadata(metadata: Mapping[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items())


def head_offset(http: ServerClient, url: str, length: int,
                headers: Mapping[str, str]) -> int | None:
    """The server's offset of the upload at ``url``; None when it is gone (start again)."""
    r = http.head(url, headers={**headers, **TUS, "Cache-Control": "no-store"})
    if r.status_code in (403, 404, 410):
        return None
    r.raise_for_status()
    wire.require_tus(r, "HEAD upload")
    if "Upload-Length" in r.headers and wire.int_header(
            r, "Upload-Length", "HEAD upload") != length:
        return None  # another upload than the one this file needs
    return wire.int_header(r, "Upload-Offset", "HEAD upload", 0, length)


@dataclass
class Upload:
    """One file to one tus endpoint; ``url`` is stored by ``on_url`` before the first PATCH."""

    http: ServerClient
    endpoint: str
    path: Path
    length: int
    metadata: dict[str, str]
    headers: Callable[[], dict[str, str]]
    server: TusServer = field(default_factory=TusServer)
    sizer: ChunkSizer = field(default_factory=ChunkSizer)
    on_url: Callable[[str | None], None] = lambda url: None
    on_bytes: Callable[[int], None] = lambda n: None
    #: Sent on creation: our server then answers a repeated POST with the same upload.
    idempotency_key: str | None = None
    #: More headers for the creation (our server's possession proof, ``Blob-Proof``).
    creation_headers: dict[str, str] = field(default_factory=dict)

    def create(self, body: bytes = b"") -> tuple[str, int]:
        """POST the upload; ``body`` (creation-with-upload) is the whole file in one chunk."""
        if self.server.max_size is not None and self.length > self.server.max_size:
            raise NeedsPerson(_("Tệp {size} byte lớn hơn mức máy chủ nhận ({limit} byte).",
                                size=self.length, limit=self.server.max_size))
        extra = {"Idempotency-Key": self.idempotency_key} if self.idempotency_key else {}
        extra.update(self.creation_headers)
        if body:
            extra.update({"Content-Type": "application/offset+octet-stream",
                          **checksum_header(self.server.checksum, body)})
        try:
            r = self.http.post(self.endpoint, content=body or None, headers={
                **self.headers(), **TUS, **extra, "Upload-Length": str(self.length),
                "Upload-Metadata": encode_metadata(self.metadata)})
        except httpx.TimeoutException:
            if body:
                self.sizer.shrink()
            raise
        if r.status_code != 201:
            r.raise_for_status()
            raise BadResponse(_("POST {path}: trả lời {status} thay vì 201", path=self.endpoint,
                                status=r.status_code))
        wire.require_tus(r, "POST upload")
        locations = r.headers.get_list("Location")
        if len(locations) != 1 or not locations[0].strip():
            raise BadResponse(_("POST {path}: cần đúng một Location", path=self.endpoint))
        url = self.upload_url(locations[0])
        offset = wire.int_header(r, "Upload-Offset", "POST upload", 0, self.length) \
            if "Upload-Offset" in r.headers else 0
        if not body and self.length - offset > self.chunk_size():
            # Stored before the first PATCH: after a restart we resume instead of re-sending.
            # A file sent in one PATCH has nothing to resume (a crash re-sends that one
            # chunk, and the blob HEAD finds it if it arrived), so it costs no commit here.
            self.on_url(url)
            crashpoint("upload_url_stored")
        return url, offset

    def upload_url(self, location: str) -> str:
        """An upload URL from the server, on its origin and under the endpoint's path: a
        ``Location`` pointing at another path of the same server (``/v1/dossiers/…``) would
        send chunks where they can only be refused — and park the dossier for a person."""
        url = self.http.resolve(location)
        base = httpx.URL(str(self.http.base_url).rstrip("/") + "/"
                         + self.endpoint.lstrip("/")).path.rstrip("/") + "/"
        tail = httpx.URL(url).path
        if not tail.startswith(base) or not tail[len(base):].strip("/"):
            raise BadResponse(_("Location «{location}» không phải một phiên tải lên của "
                                "{endpoint}", location=location[:200], endpoint=self.endpoint))
        return url

    def fits_creation(self) -> bool:
        """Whether the whole file goes with its creation POST (creation-with-upload)."""
        return "creation-with-upload" in self.server.extensions \
            and 0 < self.length <= self.chunk_size()

    def chunk_size(self) -> int:
        return min(self.sizer.size, self.server.max_chunk or MAX_CHUNK)

    def run(self, url: str | None) -> int:
        """Upload (or resume at ``url``); returns the payload bytes sent."""
        offset = None
        if url:
            try:
                url = self.upload_url(url)
            except Retry:  # stored by an older client from a forged Location: start again
                self.on_url(None)
                url = None
        if url:
            offset = head_offset(self.http, url, self.length, self.headers())
            if offset is None:
                url = None
        sent = 0
        if url is None or offset is None:
            # A file that fits one chunk goes with its creation: one round trip, not two.
            body = b""
            if self.fits_creation():
                with self.path.open("rb") as fh:
                    body = fh.read(self.length)
            url, offset = self.create(body)
            if body:
                sent += len(body)
                self.on_bytes(offset)
                if offset:
                    self.sizer.grow()
                crashpoint("chunk_sent")
        conflicts = 0
        with self.path.open("rb") as fh:
            while offset < self.length:
                fh.seek(offset)
                chunk = fh.read(self.chunk_size())
                try:
                    r = self.http.patch(url, content=chunk, headers={
                        **self.headers(), **TUS, "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream",
                        **checksum_header(self.server.checksum, chunk)})
                except httpx.TimeoutException:
                    self.sizer.shrink()
                    raise
                sent += len(chunk)
                if r.status_code == 409:
                    # The server has more (or less) than we thought: ask it, whatever the body.
                    conflicts += 1
                    if conflicts > MAX_CONFLICTS:
                        raise Retry(_("Máy chủ liên tục báo sai vị trí tải lên; sẽ thử lại."))
                    known = head_offset(self.http, url, self.length, self.headers())
                    if known is None:
                        self._restart()
                    offset = known
                    continue
                if r.status_code in (404, 410) or (
                        r.status_code == 460 and wire.error_code(r) == "blob_checksum_mismatch"):
                    self._restart()
                r.raise_for_status()
                wire.require_tus(r, "PATCH upload")
                new_offset = wire.int_header(r, "Upload-Offset", "PATCH upload",
                                             offset + min(1, len(chunk)), offset + len(chunk))
                conflicts = 0
                self.on_bytes(new_offset - offset)
                offset = new_offset
                self.sizer.grow()
                crashpoint("chunk_sent")
        return sent

    def _restart(self) -> NoReturn:
        self.on_url(None)
        raise UploadRestart(str(self.path))
