"""Reading a file a person names on the command line: bounded, never a device, named clearly.

Every file argument goes through here (the command line's ``input_file`` type, the readers
behind ``report reconcile --paper``, ``verify``, ``sign``, ``--trust``, ``--token-file``):

- the path is expanded safely (:func:`expand_path`): ``~someone`` for an account this
  machine does not have, a path longer than the system allows or deeper than any real
  folder tree is a clear refusal, not a ``RuntimeError`` or a ``RecursionError``;
- only a regular file is read: a directory, a device (``/dev/zero``, ``/dev/urandom``), a
  FIFO, a socket or a loop of symbolic links is refused before a byte is read, and the
  file is opened without blocking (a FIFO with no writer would wait forever) and checked
  again once open (it could have been swapped in between);
- at most ``max_bytes`` are read: a file that keeps growing is cut and refused;
- text is UTF-8 (with or without a byte-order mark) or, for files a clerk made in Excel or
  an old Vietnamese word processor, Windows-1258 (:data:`TEXT_ENCODINGS`); binary content
  or bytes valid in neither is refused with the encodings named.

Outputs have their own checks in :mod:`kiosk.output_file`.
"""

from __future__ import annotations

import errno
import os
import stat
import unicodedata
from pathlib import Path

from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.safe_text import shown

#: Longest path accepted, in bytes (Linux's PATH_MAX less its terminating zero).
MAX_PATH_BYTES = 4095
#: Most folders deep a path may go. Real trees stay far below; the limit keeps every walk
#: up or down a path (creating its folders, finding the nearest existing one) small.
MAX_PATH_DEPTH = 128
#: The default cap for a file read whole (a CSV, a certificate bundle, a token file).
DEFAULT_MAX_BYTES = 16 << 20
#: A PDF read whole (to sign, verify or convert): a dossier's largest component is a few
#: hundred scanned pages, well under this.
MAX_PDF_BYTES = 512 << 20
#: What a text file may be written in, in the order tried. Windows-1258 decodes almost any
#: byte, so binary content is recognised first by its control bytes.
TEXT_ENCODINGS = ("UTF-8", "UTF-8 BOM", "Windows-1258")
_DECODERS = (("utf-8-sig", "UTF-8"), ("cp1258", "Windows-1258"))
#: Control bytes no text file holds (tab, line feed, form feed and carriage return are text;
#: 0x1A is the end-of-file mark old DOS tools append).
#: The five tone marks Windows-1258 has as combining characters (grave, acute, tilde, hook
#: above, dot below).
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_BINARY = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26)) + b"\x7f"


def _refuse(message: str, hint: str | None = None) -> InvalidInput:
    return InvalidInput(message[:1].upper() + message[1:], hint=hint, field="path")


def expand_path(value: str | os.PathLike[str], *, what: str | None = None) -> Path:
    """``value`` as a path, ``~`` expanded; a path no system call could take is refused."""
    text = os.fspath(value)
    label = what or _("đường dẫn")
    if not text.strip():
        raise _refuse(_("Chưa có {what}.", what=label))
    try:
        raw = os.fsencode(text)  # a lone surrogate no file name can hold (found by fuzzing)
    except UnicodeError:
        raw = b"\x00"
    if b"\x00" in raw:
        raise _refuse(_("{what} {path} có ký tự không hợp lệ.", what=label, path=shown(text)))
    if len(raw) > MAX_PATH_BYTES:
        raise _refuse(_("{what} dài quá {n} byte: {path}", what=label, n=MAX_PATH_BYTES,
                        path=shown(text, limit=80)),
                      hint=_("Chọn một tệp ở thư mục ngắn hơn."))
    if text.count(os.sep) > MAX_PATH_DEPTH:
        raise _refuse(_("{what} sâu quá {n} cấp thư mục: {path}", what=label, n=MAX_PATH_DEPTH,
                        path=shown(text, limit=80)),
                      hint=_("Chọn một tệp ở thư mục ngắn hơn."))
    path = Path(text)
    if text.startswith("~"):
        try:
            path = path.expanduser()
        except RuntimeError:  # pathlib: no such account, or no home for it
            user = text[1:].split(os.sep, 1)[0]
            raise _refuse(_("Không có tài khoản «{user}» trên máy này: không hiểu {path}.",
                            user=shown(user, limit=60), path=shown(text, limit=80)),
                          hint=_("Viết đường dẫn đầy đủ, ví dụ /home/tên/tệp.csv.")) from None
    return path


def _os_problem(exc: OSError, text: str) -> InvalidInput:
    if exc.errno == errno.ENOENT:
        return _refuse(_("Không tìm thấy tệp {path}.", path=text),
                       hint=_("Kiểm tra lại đường dẫn tệp."))
    if exc.errno == errno.ELOOP:
        return _refuse(_("{path} là một vòng liên kết tượng trưng, không dẫn tới tệp nào.",
                         path=text))
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _refuse(_("Không có quyền đọc tệp {path}.", path=text))
    if exc.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
        return _refuse(_("{path} không phải tệp thường (thiết bị, FIFO hoặc socket).",
                         path=text))
    return _refuse(_("Không đọc được {path}: {error}", path=text,
                     error=exc.strerror or type(exc).__name__))


def _kind_problem(mode: int, text: str) -> InvalidInput | None:
    if stat.S_ISDIR(mode):
        return _refuse(_("{path} là thư mục, cần một tệp.", path=text))
    if not stat.S_ISREG(mode):
        return _refuse(_("{path} không phải tệp thường (thiết bị, FIFO hoặc socket).",
                         path=text),
                       hint=_("Chọn một tệp trên đĩa hoặc USB."))
    return None


def check_readable(value: str | os.PathLike[str], *, what: str | None = None) -> Path:
    """The path of a regular file that exists and may be read, or :class:`InvalidInput`."""
    path = expand_path(value, what=what)
    text = shown(os.fspath(value), limit=200)
    try:
        st = os.stat(path)
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValueError):
            raise _refuse(_("{path} không phải đường dẫn hợp lệ.", path=text)) from None
        raise _os_problem(exc, text) from None
    problem = _kind_problem(st.st_mode, text)
    if problem:
        raise problem
    if not os.access(path, os.R_OK):
        raise _refuse(_("Không có quyền đọc tệp {path}.", path=text))
    return path


def read_bytes(value: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES,
               what: str | None = None) -> bytes:
    """A regular file's bytes, at most ``max_bytes`` of them, or :class:`InvalidInput`."""
    path = check_readable(value, what=what)
    text = shown(os.fspath(value), limit=200)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _os_problem(exc, text) from None
    try:
        st = os.fstat(fd)  # what was opened, not what was looked at a moment ago
        problem = _kind_problem(st.st_mode, text)
        if problem:
            raise problem
        if st.st_size > max_bytes:
            raise _too_big(text, max_bytes)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        got = 0
        while got <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > max_bytes:  # it grew while being read (a log, /proc)
            raise _too_big(text, max_bytes)
        return b"".join(chunks)
    except OSError as exc:
        raise _os_problem(exc, text) from None
    finally:
        os.close(fd)


def _too_big(text: str, max_bytes: int) -> InvalidInput:
    return _refuse(_("Tệp {path} quá lớn (tối đa {size}).", path=text,
                     size=_size(max_bytes)),
                   hint=_("Kiểm tra đã chọn đúng tệp chưa."))


def _size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):g} MB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):g} KB"
    return f"{n} B"


def decode_text(data: bytes, *, path: str, legacy: bool = True) -> str:
    """Text of a file: UTF-8 (a BOM allowed), else Windows-1258 when ``legacy``."""
    accepted = ", ".join(TEXT_ENCODINGS if legacy else TEXT_ENCODINGS[:2])
    if any(b in _BINARY for b in data[:1 << 16]) or b"\x00" in data:
        raise _refuse(_("Tệp {path} không phải tệp văn bản (có dữ liệu nhị phân).", path=path),
                      hint=_("Lưu tệp dưới dạng văn bản (CSV) bằng một trong các bảng mã: "
                             "{encodings}.", encodings=accepted))
    for codec, _name in _DECODERS if legacy else _DECODERS[:1]:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if any(ord(ch) < 32 and ch not in "\t\n\f\r\x1a" for ch in text):
            break  # a control character a decoder made (C1 bytes in Windows-1258)
        text = text.replace("\x1a", "")
        # Windows-1258 writes most tone marks as combining characters after the letter:
        # composed (NFC), "Ngày" read from it equals the "Ngày" typed anywhere else.
        return unicodedata.normalize("NFC", text) if codec == "cp1258" else text
    raise _refuse(_("Tệp {path} không đọc được bằng bảng mã nào được hỗ trợ ({encodings}).",
                    path=path, encodings=accepted),
                  hint=_("Mở tệp bằng Excel hoặc LibreOffice và lưu lại dạng CSV UTF-8."))


def to_windows_1258(text: str) -> bytes:
    """``text`` as Windows-1258 bytes, the way Vietnamese Windows programs write it: a
    precomposed letter where the code page has one, the tone mark combining after it."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = [m for m in parts if m in _TONES]
        if not tones:
            raise InvalidInput(_("«{ch}» không viết được bằng Windows-1258.", ch=shown(ch)))
        # The letter with its other marks precomposed (â, ư), the tone mark combining after.
        letter = unicodedata.normalize("NFC", "".join(m for m in parts if m not in _TONES))
        out += (letter + tones[0]).encode("cp1258")
    return bytes(out)


def read_text(value: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES,
              legacy: bool = True, what: str | None = None) -> str:
    """A text file read whole through :func:`read_bytes` and :func:`decode_text`."""
    data = read_bytes(value, max_bytes=max_bytes, what=what)
    return decode_text(data, path=shown(os.fspath(value), limit=200), legacy=legacy)
