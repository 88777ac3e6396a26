"""The invisible text layer of a stored scan (issue 24 §4), as one incremental revision.

A component PDF is signed at intake, before the save, so the stored file's sha256 is the
signed file's; reading its text takes minutes on a counter PC and must not be on the
intake's path, so it cannot come before the signature. The layer is therefore appended
*after* everything else: :func:`add_layer` returns the stored bytes unchanged, followed by
one revision that draws, on each page, Tesseract's text-only page (``textonly_pdf``) as a
Form XObject in text render mode 3 (invisible), scaled and turned onto the page as
``pdftoppm`` rendered it. The earlier revision — the signed file, byte for byte — is a
prefix of the new file, so its signature's byte range still covers exactly what was
signed. A generic validator says the signature is valid but does not cover the whole file
(pdfsig: "Not total document signed"); pyHanko's diff analysis calls a new page content
stream an unknown change. :func:`layered_prefix` is this project's narrow answer: it
accepts the last revision only when it adds nothing but such a layer (the page content
wrapped in ``q``…``Q``, one ``/KioskOCR`` form drawn, whose operators set text render mode 3
before showing any text and paint nothing else), and then names the signed prefix, which
``kiosk verify`` checks as the signed file. See docs/DIGITISATION.md "Text in scans".
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import pikepdf

#: The name of the layer's form in the page resources.
FORM = "/KioskOCR"
_PRE = b"q\n"
_POST = re.compile(rb"\nQ q(?: -?\d+(?:\.\d+)?){6} cm /KioskOCR Do Q\n")
#: Operators a text layer's form may use: text state and showing, graphics state, no paint.
_TEXT_OPS = {"BT", "ET", "Tc", "Tw", "Tz", "TL", "Tf", "Tr", "Ts", "Td", "TD", "Tm", "T*",
             "Tj", "TJ", "'", '"', "q", "Q", "cm", "g", "G", "rg", "RG"}
_SHOW = {"Tj", "TJ", "'", '"'}


class NotLayerable(ValueError):
    """The file cannot take a layer (its pages do not match the text pages read)."""


def _inherited(page: Any, key: str) -> Any:
    """A page attribute that may sit on an ancestor in the page tree (ISO 32000 7.7.3.4)."""
    node, depth = page, 0
    while node is not None and depth < 64:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node, depth = (parent.get_object() if parent is not None else None), depth + 1
    return None


def _box(page: Any) -> list[float]:
    # pdftoppm renders the crop box (the media box when there is none).
    box = _inherited(page, "/CropBox") or _inherited(page, "/MediaBox")
    return [float(v) for v in box]


def placement(page_box: Sequence[float], rotate: int, text_box: Sequence[float]
              ) -> tuple[float, ...]:
    """The ``cm`` matrix taking the text page (as rendered: turned by ``rotate``) onto the
    page's own coordinates."""
    x0, y0, x1, y1 = page_box
    w, h = x1 - x0, y1 - y0
    rotate %= 360
    shown_w, shown_h = (h, w) if rotate in (90, 270) else (w, h)
    su = shown_w / (text_box[2] - text_box[0])
    sv = shown_h / (text_box[3] - text_box[1])
    # Displayed (u, v) → page (x, y), for a page shown turned clockwise by ``rotate``.
    a, b, c, d, e, f = {0: (1, 0, 0, 1, x0, y0), 90: (0, 1, -1, 0, x0 + w, y0),
                        180: (-1, 0, 0, -1, x0 + w, y0 + h),
                        270: (0, -1, 1, 0, x0, y0 + h)}[rotate]
    return (su * a, su * b, sv * c, sv * d, e, f)


def add_layer(data: bytes, text_pages: Sequence[bytes | None]) -> bytes:
    """``data`` followed by one revision with the invisible text of each page.

    ``text_pages[i]``: Tesseract's text-only PDF of page ``i + 1`` (``None``: nothing read
    there, the page is left as it is).
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    # Not the Producer: the XMP would no longer agree with the Info dictionary (PDF/A).
    writer._update_meta = lambda: None  # type: ignore[method-assign]
    count = int(writer.root["/Pages"]["/Count"])
    if count != len(text_pages):
        raise NotLayerable(f"{count} pages in the file, {len(text_pages)} read")
    for index, text_pdf in enumerate(text_pages):
        if text_pdf is None:
            continue
        source = PdfFileReader(io.BytesIO(text_pdf), strict=False)
        tpage = source.root["/Pages"]["/Kids"][0].get_object()
        text_box = [float(v) for v in tpage["/MediaBox"]]
        contents = tpage["/Contents"]
        parts = contents if isinstance(contents, generic.ArrayObject) else [contents]
        body = b"\n".join(p.get_object().data for p in parts)
        form = generic.StreamObject({
            pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(generic.FloatObject(v) for v in text_box),
            pdf_name("/Resources"): writer.import_object(tpage["/Resources"]),
        }, stream_data=body)
        form.compress()
        page_ref, _resources = writer.find_page_for_modification(index)
        page = page_ref.get_object()
        matrix = placement(_box(page), int(_inherited(page, "/Rotate") or 0), text_box)
        nums = " ".join(f"{v:.4f}" for v in matrix).encode()
        pre = writer.add_object(generic.StreamObject(stream_data=_PRE))
        post = writer.add_object(generic.StreamObject(
            stream_data=b"\nQ q " + nums + b" cm /KioskOCR Do Q\n"))
        old = page.raw_get("/Contents")
        old_parts = list(old.get_object()) if isinstance(old.get_object(),
                                                         generic.ArrayObject) else [old]
        page["/Contents"] = generic.ArrayObject([pre, *old_parts, post])
        resources = page.raw_get("/Resources")
        res = resources.get_object()
        xobjects = res.get("/XObject")
        if xobjects is None:
            res["/XObject"] = generic.DictionaryObject({pdf_name(FORM): writer.add_object(form)})
        else:
            xobjects = res.raw_get("/XObject")
            target = xobjects.get_object()
            target[pdf_name(FORM)] = writer.add_object(form)
            if isinstance(xobjects, generic.IndirectObject):
                writer.mark_update(xobjects)
        if isinstance(resources, generic.IndirectObject):
            writer.mark_update(resources)
        writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _last_revision_start(data: bytes) -> int | None:
    """Where the last revision's bytes begin: just after the previous ``%%EOF``."""
    found = re.findall(rb"startxref\s+(\d+)\s*%%EOF\s*$", data[-1024:])
    if not found:
        return None
    last_xref = int(found[-1])
    ends = [m.end() for m in re.finditer(rb"%%EOF(?:\r\n|\r|\n)?", data)
            if m.end() <= last_xref]
    return ends[-1] if ends else None


def _same(a: Any, b: Any) -> bool:
    if not isinstance(a, pikepdf.Object) or not isinstance(b, pikepdf.Object):
        return bool(type(a) is type(b) and a == b)  # numbers and booleans come unwrapped
    if isinstance(a, pikepdf.Stream) != isinstance(b, pikepdf.Stream):
        return False
    if isinstance(a, pikepdf.Stream):
        return bool(a.read_raw_bytes() == b.read_raw_bytes()
                    and a.stream_dict.unparse(resolved=True) ==
                    b.stream_dict.unparse(resolved=True))
    # Shallow: an indirect child compares by its reference, checked on its own.
    return bool(a.unparse(resolved=True) == b.unparse(resolved=True))


def _refs(array: Any) -> list[tuple[int, int]]:
    items = array if isinstance(array, pikepdf.Array) else [array]
    return [x.objgen for x in items]


def _invisible(form: Any) -> bool:
    """Only text, and every text shown in render mode 3 (invisible)."""
    if form.get("/Subtype") != pikepdf.Name.Form:
        return False
    res = form.get("/Resources", pikepdf.Dictionary())
    if set(res.keys()) - {"/Font", "/ProcSet"}:
        return False
    if any(f.get("/Subtype") == pikepdf.Name.Type3 for f in res.get("/Font", {}).values()):
        return False
    mode = 0
    for ins in pikepdf.parse_content_stream(form):
        if isinstance(ins, pikepdf.ContentStreamInlineImage):
            return False
        op = str(ins.operator)
        if op not in _TEXT_OPS:
            return False
        if op == "Tr":
            mode = int(ins.operands[0])
        elif op in _SHOW and mode != 3:
            return False
    return True


def _page_ok(old: Any, new: Any) -> bool:
    keys = set(old.keys()) | set(new.keys())
    for key in keys - {"/Contents", "/Resources"}:
        if key not in old or key not in new or not _same(old[key], new[key]):
            return False
    contents = new.get("/Contents")
    if not isinstance(contents, pikepdf.Array) or len(contents) < 3:
        return False
    if _refs(contents)[1:-1] != _refs(old.get("/Contents")):
        return False
    if contents[0].read_bytes() != _PRE or not _POST.fullmatch(contents[-1].read_bytes()):
        return False
    return _resources_ok(old.get("/Resources"), new.get("/Resources"))


def _resources_ok(old: Any, new: Any) -> bool:
    for key in set(old.keys()) | set(new.keys()):
        if key == "/XObject":
            was = old.get("/XObject", pikepdf.Dictionary())
            now = new["/XObject"]
            if set(now.keys()) - set(was.keys()) != {FORM}:
                return False
            if any(not _same(was[k], now[k]) for k in was.keys()):
                return False
            if not _invisible(now[FORM]):
                return False
        elif key not in old or key not in new or not _same(old[key], new[key]):
            return False
    return "/XObject" in new


def _root_ok(old: Any, new: Any) -> bool:
    """Unchanged, except that pyHanko states the version the file already claims to meet
    (``/Version /1.7``, what PDF/A-2 is based on) when its header says less."""
    if _same(old, new):
        return True
    keys = set(old.keys()) | set(new.keys())
    if keys - set(old.keys()) != {"/Version"} or new.get("/Version") != pikepdf.Name("/1.7"):
        return False
    return all(_same(old[k], new[k]) for k in old.keys())


def layered_prefix(data: bytes) -> int | None:
    """The length of the file under a kiosk text layer, when the last revision of ``data``
    is such a layer and nothing else (None otherwise)."""
    start = _last_revision_start(data)
    if start is None or b"/KioskOCR" not in data[start:]:
        return None
    try:
        with pikepdf.open(io.BytesIO(data[:start])) as old, \
                pikepdf.open(io.BytesIO(data)) as new:
            if len(old.pages) != len(new.pages):
                return None
            if not _root_ok(old.Root, new.Root) or not _same(
                    old.trailer.get("/Info", pikepdf.Dictionary()),
                    new.trailer.get("/Info", pikepdf.Dictionary())):
                return None
            changed = 0
            allowed: set[tuple[int, int]] = {old.Root.objgen}  # checked just above
            for op, np_ in zip(old.pages, new.pages, strict=True):
                if op.obj.objgen != np_.obj.objgen:
                    return None
                if _same(op.obj, np_.obj):
                    continue
                if not _page_ok(op.obj, np_.obj):
                    return None
                changed += 1
                allowed.add(op.obj.objgen)
                res: Any = op.obj.get("/Resources")
                for holder in (res, res.get("/XObject") if res is not None else None):
                    if holder is not None and holder.is_indirect:
                        allowed.add(holder.objgen)
            for obj in old.objects:
                if obj.objgen == (0, 0) or obj.objgen in allowed:
                    continue
                if not _same(obj, new.get_object(obj.objgen)):
                    return None
            return start if changed else None
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, AttributeError):
        return None
