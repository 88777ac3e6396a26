"""Reading one stored file: its text for the index, its copy with the text layer, or why not
(issue 24 §4). Used by the app's background reader and by ``kiosk ocr run``.

Everything heavy — opening the PDF, rendering, Tesseract, building and checking the
layered copy — goes through ``call``, which the app points at its reader's helper
process (so neither the GUI thread nor the GIL it shares with the reader's thread carry
any of it) and the command line at a plain call. Only the store's writes happen here.

The copy is kept only when it is what :mod:`kiosk.text_layer` promises: the stored bytes
followed by a revision that :func:`~kiosk.text_layer.layered_prefix` recognises as a text
layer and nothing else, and PDF/A-2b whenever the stored file was. Otherwise the text is
still indexed and the reason recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from kiosk.i18n import _

ENGINE = "tesseract-vie"


def make_layer(path: str, text_pdfs: list[bytes | None]) -> tuple[bytes | None, str]:
    """The layered copy of the file at ``path``, or None and why."""
    import pikepdf
    from pyhanko.pdf_utils.misc import PdfError

    from kiosk.pdfa import pdfa_problems
    from kiosk.text_layer import NotLayerable, add_layer, layered_prefix

    data = Path(path).read_bytes()
    try:
        layered = add_layer(data, text_pdfs)
    except (NotLayerable, PdfError, pikepdf.PdfError, ValueError, KeyError, TypeError,
            IndexError) as exc:
        return None, _("Không thêm được lớp chữ vào tệp: {error}", error=str(exc)[:200])
    if layered_prefix(layered) != len(data):
        return None, _("Lớp chữ tạo ra không đúng dạng một bản sửa đổi chỉ thêm chữ ẩn.")
    if not pdfa_problems(data) and pdfa_problems(layered):
        return None, _("Thêm lớp chữ sẽ làm tệp không còn là PDF/A: {problems}",
                       problems="; ".join(pdfa_problems(layered))[:200])
    return layered, ""


def _direct(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


def niced(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` at idle CPU priority (:func:`kiosk.ocr.idle_priority`): how the app's
    reader calls into its helper process, so the helper's own work (opening the PDF,
    pyHanko, the checks) yields to the clerk as Tesseract does. Set on every call: a helper
    that died is started anew."""
    from kiosk.ocr import idle_priority

    idle_priority()
    return fn(*args)


def read_stored(store: Any, sha256: str, *, call: Callable[..., Any] = _direct,
                go_on: Callable[[], bool] | None = None) -> dict[str, Any] | None:
    """Read one stored file and record the outcome; None when ``go_on`` said stop
    (nothing recorded: it is read again next time)."""
    from kiosk import ocr
    from kiosk.errors import DeviceError
    from kiosk.storage import texts

    path = str(store.file_path(sha256))
    dpi = int(store.config.get("ocr.dpi"))
    try:
        plan = call(ocr.pages_to_read, path, dpi)
    except ocr.UnreadableScan as exc:
        store.call(partial(texts.record, sha256=sha256, text="", engine=ENGINE,
                           skipped=exc.message))
        return {"sha256": sha256, "layered_sha256": None, "skipped": exc.message}
    words: list[str] = []
    pdfs: list[bytes | None] = []
    too_large: list[str] = []
    failed: list[str] = []
    for number, readable in enumerate(plan, 1):
        words.append("")
        pdfs.append(None)
        if not readable:
            too_large.append(str(number))
            continue
        if go_on is not None and not go_on():
            return None
        try:
            words[-1], pdfs[-1] = call(ocr.read_page, path, number, dpi)
        except DeviceError as exc:
            # One bad page (Tesseract stopped after PAGE_TIMEOUT, a page poppler cannot
            # draw) costs that page, not the file, and never the files after it.
            failed.append(_("trang {page}: {error}", page=number, error=exc.message[:120]))
    notes = [_("Trang quá lớn, không đọc: {pages}", pages=", ".join(too_large))] \
        if too_large else []
    skipped = "; ".join(notes + failed)
    layered = None
    if any(p is not None for p in pdfs):
        data, why = call(make_layer, path, pdfs)
        if data is None:
            skipped = "; ".join(s for s in (skipped, why) if s)
        else:
            stored = store.put_file_info(data)
            layered = (stored.sha256, stored.size)
    store.call(partial(texts.record, sha256=sha256, text="\f".join(words), engine=ENGINE,
                       layered=layered, skipped=skipped))
    return {"sha256": sha256, "layered_sha256": layered[0] if layered else None,
            "skipped": skipped}
