"""Text of scanned PDFs with Tesseract and its Vietnamese data (issue 24 §4).

A stored PDF's pages are rendered (poppler's ``pdftoppm``, grey, ``ocr.dpi``) and read by
``tesseract -l vie`` (both are Debian packages the set-up installs). Nothing here runs on
the GUI thread: the app submits :func:`read_page` to a helper process of its own
(``kiosk.child_executor``; Tesseract and pdftoppm run at the lowest CPU priority and die
with it), ``kiosk ocr run`` calls it in the command's own process. One Tesseract run gives
both the text (for the search index, :mod:`kiosk.storage.texts`) and the page's text-only
PDF, which :mod:`kiosk.text_layer` lays invisibly over the stored page.

:func:`pages_to_read` looks at a file before anything is rendered: an encrypted file or
one without pages is refused (:class:`UnreadableScan`, the reader records why and goes
on), a page too large to render at ``ocr.dpi`` is skipped, not read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from kiosk.errors import DeviceError, KioskError
from kiosk.i18n import _

#: Seconds one page may take before Tesseract is stopped (a pathological image).
PAGE_TIMEOUT = 120
#: A page larger than this many pixels at ``ocr.dpi`` is not rendered (A2 at 300 dpi is
#: about 35 million): its bitmap alone would take hundreds of MB of the counter's memory.
MAX_PAGE_PIXELS = 40_000_000


class UnreadableScan(KioskError):
    """A stored file whose text cannot be read at all (encrypted, no pages, not a PDF)."""

    kind = "unreadable_scan"


def pages_to_read(pdf: str | Path, dpi: int) -> list[bool]:
    """Per page: whether it is read (False: too large at ``dpi``, skipped)."""
    import pikepdf

    try:
        with pikepdf.open(pdf) as doc:
            if doc.is_encrypted:
                raise UnreadableScan(_("Tệp được mã hoá, không đọc chữ được."))
            if not len(doc.pages):
                raise UnreadableScan(_("Tệp không có trang nào."))
            out = []
            for page in doc.pages:
                box: Any = page.obj.get("/CropBox") or page.obj.get("/MediaBox")
                w, h = (abs(float(box[2]) - float(box[0])), abs(float(box[3]) - float(box[1])))
                out.append(w * h * (dpi / 72) ** 2 <= MAX_PAGE_PIXELS)
            return out
    except pikepdf.PasswordError:
        raise UnreadableScan(_("Tệp được mã hoá, không đọc chữ được.")) from None
    except (pikepdf.PdfError, OSError, ValueError, TypeError, IndexError) as exc:
        raise UnreadableScan(_("Không mở được tệp PDF: {error}", error=str(exc)[:200])
                             ) from None


def idle_priority() -> None:
    """This process runs only on CPU time nobody else wants: SCHED_IDLE where Linux has it
    (below even nice 19, which still takes a share from a busy GUI thread), and nice 19."""
    os.setpriority(os.PRIO_PROCESS, 0, 19)
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:
            pass  # not allowed here: nice 19 stays


def _background() -> None:
    """In the reader's children: idle CPU priority (the clerk's scan goes first), and
    SIGKILL when the process that started them dies (the app's reader closed)."""
    from kiosk.child_process import die_with_parent

    idle_priority()
    die_with_parent(os.getppid())


def available(lang: str = "vie") -> bool:
    if shutil.which("tesseract") is None or shutil.which("pdftoppm") is None:
        return False
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return lang in out.stdout.split()


def ocr_image(path: Path, lang: str = "vie") -> str:
    return _tesseract(path, ["stdout", "-l", lang, "--psm", "3"]).decode(
        "utf-8", errors="replace")


def _tesseract(path: Path, args: list[str]) -> bytes:
    try:
        done = subprocess.run(["tesseract", str(path), *args],
                              capture_output=True, timeout=PAGE_TIMEOUT,
                              env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
                              preexec_fn=_background)
    except (OSError, subprocess.SubprocessError) as exc:
        raise DeviceError(_("Không chạy được Tesseract: {error}", error=str(exc)[:200]),
                          hint=_("Cài gói tesseract-ocr và tesseract-ocr-vie.")) from None
    if done.returncode != 0:
        raise DeviceError(_("Tesseract báo lỗi: {error}",
                            error=done.stderr.decode(errors="replace")[:300]))
    return done.stdout


def read_image(path: Path, dpi: int, lang: str = "vie") -> tuple[str, bytes]:
    """One Tesseract run: the page's text and its text-only PDF (invisible words where they
    are on the page, Tesseract's own glyph-less embedded font)."""
    base = path.with_suffix("")
    _tesseract(path, [str(base), "-l", lang, "--psm", "3", "--dpi", str(dpi),
                      "-c", "textonly_pdf=1", "txt", "pdf"])
    return (base.with_suffix(".txt").read_text(encoding="utf-8", errors="replace"),
            base.with_suffix(".pdf").read_bytes())


def read_page(pdf: str | Path, page: int, dpi: int = 300, lang: str = "vie"
              ) -> tuple[str, bytes]:
    """Text and text-only PDF of one page (1-based) of a stored PDF."""
    with tempfile.TemporaryDirectory(prefix="kiosk-ocr-") as tmp:
        [png] = _render(pdf, dpi, page, Path(tmp))
        return read_image(png, dpi, lang)


def ocr_file(pdf: str | Path, dpi: int = 300, lang: str = "vie") -> str:
    """The text of every page of a PDF, pages separated by form feeds."""
    return _ocr(pdf, dpi, lang, None)


def ocr_page(pdf: str | Path, page: int, dpi: int = 300, lang: str = "vie") -> str:
    """The text of one page (1-based): the app reads a file page by page, so a scan started
    meanwhile waits for one page at most in the shared helper process."""
    return _ocr(pdf, dpi, lang, page)


def _ocr(pdf: str | Path, dpi: int, lang: str, page: int | None) -> str:
    with tempfile.TemporaryDirectory(prefix="kiosk-ocr-") as tmp:
        return "\f".join(ocr_image(p, lang) for p in _render(pdf, dpi, page, Path(tmp)))


def _render(pdf: str | Path, dpi: int, page: int | None, tmp: Path) -> list[Path]:
    pick = ["-f", str(page), "-l", str(page)] if page else []
    try:
        done = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", *pick,
                               str(pdf), str(tmp / "p")], capture_output=True,
                              timeout=PAGE_TIMEOUT * 4, preexec_fn=_background)
    except (OSError, subprocess.SubprocessError) as exc:
        raise DeviceError(_("Không dựng được trang PDF để nhận dạng chữ: {error}",
                            error=str(exc)[:200]),
                          hint=_("Cài gói poppler-utils.")) from None
    if done.returncode != 0:
        raise DeviceError(_("Không đọc được tệp PDF để nhận dạng chữ: {error}",
                            error=done.stderr.decode(errors="replace")[:300]))
    pages = sorted(tmp.glob("p*.png"))
    if not pages:
        raise UnreadableScan(_("Không dựng được trang nào của tệp PDF."))
    return pages
