"""A minimal IPP/1.1 client for CUPS status queries (RFC 8010/8011), over httpx.

``lpstat`` prints localised prose and hides job states (completed, aborted and cancelled
look alike); IPP gives the printer's state and reasons (``media-empty-error``…) and each
job's state as numbers. Only what the counter needs is implemented: a request of operation
attributes, and a response decoded into attribute groups. CUPS listens on a Unix socket or
TCP; both go through httpx, and a test can pass its own transport to inject faults.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

# Operations
GET_PRINTER_ATTRIBUTES = 0x000B
GET_JOB_ATTRIBUTES = 0x0009
CUPS_GET_PRINTERS = 0x4002
CUPS_GET_DEFAULT = 0x4001

# Delimiter tags
OPERATION = 0x01
JOB = 0x02
END = 0x03
PRINTER = 0x04
UNSUPPORTED = 0x05

# Value tags
INTEGER = 0x21
BOOLEAN = 0x22
ENUM = 0x23
TEXT = 0x41
NAME = 0x42
KEYWORD = 0x44
URI = 0x45
CHARSET = 0x47
LANGUAGE = 0x48

STATUS_OK_MAX = 0x00FF  # successful-ok .. successful-ok-*
NOT_FOUND = 0x0406


class IppError(Exception):
    """Transport or protocol failure; the printer layer turns it into a DeviceError."""


@dataclass
class Response:
    status: int
    request_id: int
    groups: list[tuple[int, dict[str, list[Any]]]] = field(default_factory=list)

    def group(self, tag: int) -> list[dict[str, list[Any]]]:
        return [attrs for t, attrs in self.groups if t == tag]

    def first(self, tag: int) -> dict[str, list[Any]]:
        found = self.group(tag)
        return found[0] if found else {}


def _attr(tag: int, name: str, value: bytes) -> bytes:
    raw = name.encode()
    return struct.pack(">BH", tag, len(raw)) + raw + struct.pack(">H", len(value)) + value


def encode_request(operation: int, request_id: int, attributes: Sequence[tuple[int, str, Any]]
                   ) -> bytes:
    out = bytearray(struct.pack(">BBHI", 1, 1, operation, request_id))
    out.append(OPERATION)
    out += _attr(CHARSET, "attributes-charset", b"utf-8")
    out += _attr(LANGUAGE, "attributes-natural-language", b"en")
    for tag, name, value in attributes:
        values = value if isinstance(value, list | tuple) else [value]
        for i, v in enumerate(values):
            if tag in (INTEGER, ENUM):
                data = struct.pack(">i", int(v))
            elif tag == BOOLEAN:
                data = b"\x01" if v else b"\x00"
            else:
                data = str(v).encode()
            # Extra values of a multi-valued attribute carry an empty name.
            out += _attr(tag, name if i == 0 else "", data)
    out.append(END)
    return bytes(out)


def decode_response(data: bytes) -> Response:
    if len(data) < 9:
        raise IppError(f"short IPP response ({len(data)} bytes)")
    _major, _minor, status, request_id = struct.unpack(">BBHI", data[:8])
    resp = Response(status=status, request_id=request_id)
    pos = 8
    current: dict[str, list[Any]] | None = None
    last_name = ""
    try:
        while pos < len(data):
            tag = data[pos]
            pos += 1
            if tag == END:
                break
            if tag < 0x10:  # a new attribute group
                current = {}
                resp.groups.append((tag, current))
                continue
            (name_len,) = struct.unpack(">H", data[pos:pos + 2])
            pos += 2
            name = data[pos:pos + name_len].decode()
            pos += name_len
            (value_len,) = struct.unpack(">H", data[pos:pos + 2])
            pos += 2
            raw = data[pos:pos + value_len]
            pos += value_len
            if current is None:
                raise IppError("attribute outside a group")
            if name:
                last_name = name
                current[name] = []
            current[last_name].append(_decode_value(tag, raw))
    except (struct.error, UnicodeDecodeError, KeyError) as exc:
        raise IppError(f"malformed IPP response: {exc}") from exc
    return resp


def _decode_value(tag: int, raw: bytes) -> Any:
    if tag in (INTEGER, ENUM) and len(raw) == 4:
        return struct.unpack(">i", raw)[0]
    if tag == BOOLEAN and len(raw) == 1:
        return raw != b"\x00"
    if 0x40 <= tag <= 0x4F:
        return raw.decode("utf-8", "replace")
    return raw  # dates, ranges, resolutions: not needed here


class IppClient:
    """Posts IPP requests to a CUPS server: ``/run/cups/cups.sock`` or ``host:port``."""

    def __init__(self, server: str, *, timeout: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.server = server
        if transport is None and server.startswith("/"):
            transport = httpx.HTTPTransport(uds=server)
            base = "http://localhost"
        else:
            base = "http://" + (server if ":" in server else f"{server}:631")
        if transport is None:
            transport = httpx.HTTPTransport()
        self._client = httpx.Client(base_url=base, transport=transport, timeout=timeout)
        self._request_id = 0

    def close(self) -> None:
        self._client.close()

    def request(self, path: str, operation: int,
                attributes: Sequence[tuple[int, str, Any]] = ()) -> Response:
        self._request_id += 1
        body = encode_request(operation, self._request_id, attributes)
        try:
            reply = self._client.post(path, content=body,
                                      headers={"Content-Type": "application/ipp"})
        except httpx.HTTPError as exc:
            raise IppError(f"{type(exc).__name__}: {exc}") from exc
        if reply.status_code != 200:
            raise IppError(f"HTTP {reply.status_code}")
        return decode_response(reply.content)


def printer_uri(name: str) -> str:
    return f"ipp://localhost/printers/{name}"


def job_uri(job_id: int) -> str:
    return f"ipp://localhost/jobs/{job_id}"
