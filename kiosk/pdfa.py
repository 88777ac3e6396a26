"""PDF/A-2b for every PDF the kiosk makes: component scans and printed forms.

What PDF/A-2b asks of our files, and how we meet it:

- an XMP metadata stream with ``pdfaid:part=2`` / ``pdfaid:conformance=B``, agreeing with
  the document information dictionary (pikepdf fills the XMP from it);
- an sRGB ``OutputIntent`` (a v2 ICC profile built in :func:`srgb_icc`, so no profile
  file with its own licence ships): scans use DeviceRGB/DeviceGray, which PDF/A allows
  only with such an intent;
- every font embedded: forms use the bundled TrueType family only (the reportlab canvas's
  initial font is set to it too, else each page names an unembedded Helvetica);
- nothing forbidden: no encryption, JavaScript, launch actions, embedded files or LZW.

:func:`pdfa_problems` checks this structure (it is what ``kiosk verify`` reports as
``pdfa``); it is not a full validator such as veraPDF, which does not install from the
registries this project uses.
"""

from __future__ import annotations

import functools
import io
import re
import struct
from typing import Any, NamedTuple

import pikepdf
from pikepdf import Name

PDFA_PART = "2"
PDFA_CONFORMANCE = "B"
_OUTPUT_CONDITION = "sRGB IEC61966-2.1"
_FORBIDDEN_FILTERS = {"/LZWDecode", "/LZW"}
_FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData",
                      "/JavaScript", "/Hide", "/SetOCGState", "/Rendition", "/Trans",
                      "/GoTo3DView"}


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + bytes(4) + _s15(x) + _s15(y) + _s15(z)


def _srgb_decode(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


@functools.cache
def srgb_icc() -> bytes:
    """A version 2.1 sRGB display profile (matrix/TRC), built here byte by byte.

    Version 2 is what every PDF/A part accepts (PDF/A-1 allows nothing newer); the profile
    LittleCMS makes is v4.4 and stamps its creation time, which would change the bytes of
    every scan from one process to the next. Primaries are sRGB's, adapted to D50 (the PCS
    white), with the IEC 61966-2-1 tone curve as a 256-entry table (LittleCMS interpolates it to
    the same 8-bit values as its built-in sRGB: tested).
    """
    curve_n = 256
    curve = b"curv" + bytes(4) + struct.pack(">I", curve_n) + b"".join(
        struct.pack(">H", round(_srgb_decode(i / (curve_n - 1)) * 65535))
        for i in range(curve_n))
    name = b"sRGB IEC61966-2.1 (kiosk)"
    desc = (b"desc" + bytes(4) + struct.pack(">I", len(name) + 1) + name + b"\0"
            + bytes(4) + bytes(4) + bytes(2) + bytes(1) + bytes(67))
    cprt = b"text" + bytes(4) + b"No copyright, use freely\0"
    tags = [(b"desc", desc), (b"cprt", cprt), (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", _xyz(0.4361, 0.2225, 0.0139)), (b"gXYZ", _xyz(0.3851, 0.7169, 0.0971)),
            (b"bXYZ", _xyz(0.1431, 0.0606, 0.7141)), (b"rTRC", curve), (b"gTRC", curve),
            (b"bTRC", curve)]
    offset = 128 + 4 + 12 * len(tags)
    table, data, placed = b"", b"", {}
    for sig, body in tags:
        if body not in placed:  # the three TRCs share one curve
            placed[body] = offset + len(data)
            data += body + bytes(-len(body) % 4)
        table += sig + struct.pack(">II", placed[body], len(body))
    size = offset + len(data)
    header = (struct.pack(">I", size) + bytes(4) + bytes((2, 0x10, 0, 0)) + b"mntr" + b"RGB "
              + b"XYZ " + struct.pack(">6H", 2000, 1, 1, 0, 0, 0) + b"acsp" + bytes(4)
              + bytes(4) + bytes(4) + bytes(4) + bytes(8) + struct.pack(">I", 0)
              + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + bytes(4) + bytes(44))
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def make_pdfa(pdf: pikepdf.Pdf) -> None:
    """Add the PDF/A-2b identification and the sRGB output intent to ``pdf`` in place.

    Deterministic: no dates are added, so the same pages still give the same bytes and the
    content-addressed store keeps deduplicating.
    """
    root = pdf.Root
    if "/OutputIntents" not in root:
        icc = pikepdf.Stream(pdf, srgb_icc())
        icc.N = 3
        intent = pikepdf.Dictionary(
            Type=Name.OutputIntent, S=Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String(_OUTPUT_CONDITION),
            Info=pikepdf.String(_OUTPUT_CONDITION), DestOutputProfile=icc)
        root.OutputIntents = pdf.make_indirect(pikepdf.Array([intent]))
    had_xmp = "/Metadata" in root
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        if not had_xmp and "/Info" in pdf.trailer:
            # Else pikepdf syncs the empty XMP back and drops the title, author... /Trapped
            # (reportlab's "False") has no XMP mapping in pikepdf; False is the default.
            if "/Trapped" in pdf.docinfo:
                del pdf.docinfo["/Trapped"]
            meta.load_from_docinfo(pdf.docinfo)
        meta["pdfaid:part"] = PDFA_PART
        meta["pdfaid:conformance"] = PDFA_CONFORMANCE
    if "/MarkInfo" not in root:
        root.MarkInfo = pikepdf.Dictionary(Marked=False)


def to_pdfa(data: bytes) -> bytes:
    """``data`` re-saved as PDF/A-2b (the same content, deterministic output)."""
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        make_pdfa(pdf)
        buf = io.BytesIO()
        # Object streams are allowed in PDF/A-2 (unlike PDF/A-1).
        pdf.save(buf, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return buf.getvalue()


def _walk_fonts(resources: Any, seen: set[tuple[int, int]], out: list[str]) -> None:
    if not isinstance(resources, pikepdf.Dictionary):
        return
    fonts = resources.get("/Font")
    if isinstance(fonts, pikepdf.Dictionary):
        for name, font in fonts.items():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            _check_font(name, font, out)
    xobjects = resources.get("/XObject")
    if isinstance(xobjects, pikepdf.Dictionary):
        for xobj in xobjects.values():
            if xobj.objgen in seen:
                continue
            seen.add(xobj.objgen)
            if xobj.get("/Subtype") == Name.Form:
                _walk_fonts(xobj.get("/Resources"), seen, out)


def _check_font(name: str, font: pikepdf.Object, out: list[str]) -> None:
    if font.get("/Subtype") == Name.Type0:
        descendants = font.get("/DescendantFonts")
        font = descendants[0] if descendants else font
    if font.get("/Subtype") == Name.Type3:
        return  # glyphs are content streams: nothing to embed
    descriptor = font.get("/FontDescriptor")
    embedded = isinstance(descriptor, pikepdf.Dictionary) and any(
        k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    if not embedded:
        out.append(f"font not embedded: {font.get('/BaseFont', name)}")


#: Problems that only concern the identification of a file, which :func:`conform` can add
#: without touching what a page shows.
NO_PDFAID = "XMP metadata lacks pdfaid:part=2 conformance=B"
NO_INTENT = "no PDF/A output intent with an ICC profile"
NO_ID = "no file identifier (trailer /ID)"
IDENTIFICATION = frozenset({NO_PDFAID, NO_INTENT, NO_ID})
CMYK = "DeviceCMYK colour (the output intent is sRGB)"


def _cmyk_space(space: Any) -> bool:
    """Whether a colour space is, or falls back to, DeviceCMYK (Indexed, Separation and
    DeviceN name their base or alternate space)."""
    if isinstance(space, pikepdf.Name):
        return space in (Name.DeviceCMYK, Name.CMYK)
    if isinstance(space, pikepdf.Array) and len(space) and space[0] != Name.ICCBased:
        return any(_cmyk_space(part) for part in space[1:]
                   if isinstance(part, pikepdf.Name | pikepdf.Array))
    return False


def _uses_cmyk(pdf: pikepdf.Pdf) -> bool:
    """DeviceCMYK anywhere: images and colour-space resources, or set in a content stream
    (``k``/``K``, ``cs``/``CS`` with /DeviceCMYK, inline images). With an sRGB output
    intent PDF/A allows device colour in RGB and grey only."""
    for obj in pdf.objects:
        holder = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
        if not isinstance(holder, pikepdf.Dictionary):
            continue
        if _cmyk_space(holder.get("/ColorSpace")) or _cmyk_space(holder.get("/CS")):
            return True
        spaces = holder.get("/ColorSpace")
        if isinstance(spaces, pikepdf.Dictionary) and any(
                _cmyk_space(v) for v in spaces.values()):
            return True
    streams: list[Any] = list(pdf.pages)
    streams += [o for o in pdf.objects if isinstance(o, pikepdf.Stream)
                and o.stream_dict.get("/Subtype") == Name.Form]
    for holder in streams:
        try:
            instructions = pikepdf.parse_content_stream(holder)
        except pikepdf.PdfError:
            continue
        for ins in instructions:
            if isinstance(ins, pikepdf.ContentStreamInlineImage):
                if _cmyk_space(ins.iimage.obj.get("/CS")) or ins.iimage.colorspace in (
                        "/DeviceCMYK", "/CMYK"):
                    return True
                continue
            op = str(ins.operator)
            if op in ("k", "K") or (op in ("cs", "CS") and ins.operands
                                    and _cmyk_space(ins.operands[0])):
                return True
    return False


def _signed(pdf: pikepdf.Pdf) -> bool:
    acro = pdf.Root.get("/AcroForm")
    if not isinstance(acro, pikepdf.Dictionary):
        return False
    return any(f.get("/FT") == Name.Sig and "/V" in f for f in acro.get("/Fields", []))


def pdfa_problems(data: bytes) -> list[str]:
    """What keeps ``data`` from being PDF/A-2b, structurally (empty list: none found)."""
    return inspect_pdf(data).problems


class Inspection(NamedTuple):
    """What one pikepdf reading of a file tells: its PDF/A problems, and whether it can
    hold a signature at all."""

    problems: list[str]
    #: qpdf could open the file at all (the signature validator is not let near one it
    #: cannot: pyHanko walked 2^31 cross-reference entries of such a file, 17 GB and on).
    readable: bool
    #: False only for a file qpdf read cleanly (no warning, no repair) whose catalogue has
    #: no form: signatures live in form fields (``/AcroForm``), so such a file has none and
    #: the signature validator need not parse it again (most of a plain scan's check).
    may_be_signed: bool


#: Cross-reference sizes (``/Size``, ``/Index`` counts, a table's subsection counts) are
#: refused above this many entries per byte of the file: an object costs at least a byte
#: even compressed, and a reader that trusts the number loops over every entry.
XREF_ENTRIES_PER_BYTE = 16
_SIZES = re.compile(rb"/Size\s+(\d{1,20})|/Index\s*\[([\d\s]{0,2000})\]|"
                    rb"(?:^|[\r\n])xref\s+\d{1,20}\s+(\d{1,20})")


def implausible_xref(data: bytes) -> str | None:
    """Why ``data``'s cross-references cannot be those of a real file of its size, if so."""
    limit = XREF_ENTRIES_PER_BYTE * len(data) + 4096
    for m in _SIZES.finditer(data):
        if m.group(2) is not None:
            numbers = [int(n) for n in m.group(2).split()]
            counts = numbers[1::2]
        else:
            counts = [int(m.group(1) or m.group(3))]
        if any(n > limit for n in counts) or sum(counts) > limit:
            return f"cross-reference of {max(counts)} entries in a file of {len(data)} bytes"
    return None


def _reason(exc: BaseException) -> str:
    # qpdf names the input by its repr, which holds a memory address: not for a verdict.
    return re.sub(r"stream <[^>]*>:?\s*", "", str(exc))


def inspect_pdf(data: bytes) -> Inspection:
    try:
        pdf = pikepdf.Pdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:
        return Inspection([f"not a readable PDF: {_reason(exc)}"], False, True)
    with pdf:
        try:
            may_be_signed = "/AcroForm" in pdf.Root or "/Perms" in pdf.Root
            problems = _structure_problems(pdf)
        except (pikepdf.PdfError, TypeError, ValueError, KeyError, AttributeError,
                IndexError, RecursionError) as exc:
            # A damaged object where the check expects another kind (a /Rect holding null,
            # a broken object stream): the file is not PDF/A, and that is the verdict.
            return Inspection(
                [f"malformed PDF structure: {type(exc).__name__}: {_reason(exc)}"[:300]], True,
                True)
        may_be_signed = may_be_signed or bool(pdf.get_warnings())
    return Inspection(problems, True, may_be_signed)


def _structure_problems(pdf: pikepdf.Pdf) -> list[str]:
    problems: list[str] = []
    if pdf.is_encrypted:
        problems.append("encrypted")
    if pdf.pdf_version > "1.7":
        problems.append(f"PDF {pdf.pdf_version} (PDF/A-2 is based on PDF 1.7)")
    meta = pdf.open_metadata()
    if meta.get("pdfaid:part") != PDFA_PART or meta.get("pdfaid:conformance") != \
            PDFA_CONFORMANCE:
        problems.append(NO_PDFAID)
    intents = pdf.Root.get("/OutputIntents")
    if not isinstance(intents, pikepdf.Array) or not any(
            i.get("/S") == Name.GTS_PDFA1 and "/DestOutputProfile" in i for i in intents):
        problems.append(NO_INTENT)
    if "/ID" not in pdf.trailer:
        problems.append(NO_ID)
    if _uses_cmyk(pdf):
        problems.append(CMYK)
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            problems.append("JavaScript")
        if "/EmbeddedFiles" in names:
            problems.append("embedded files (not allowed in PDF/A-2b)")
    acro = pdf.Root.get("/AcroForm")
    if isinstance(acro, pikepdf.Dictionary) and bool(acro.get("/NeedAppearances", False)):
        problems.append("AcroForm NeedAppearances is true")
    if "/OpenAction" in pdf.Root:
        action = pdf.Root.OpenAction
        if isinstance(action, pikepdf.Dictionary) and action.get("/S") in \
                {Name(a) for a in _FORBIDDEN_ACTIONS}:
            problems.append("forbidden open action")
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            filters = obj.get("/Filter")
            names_ = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) \
                else [str(filters)] if filters is not None else []
            if _FORBIDDEN_FILTERS & set(names_):
                problems.append("LZW-compressed stream")
                break
        elif isinstance(obj, pikepdf.Dictionary) and obj.get("/S") in \
                {Name(a) for a in _FORBIDDEN_ACTIONS}:
            problems.append(f"forbidden action {obj.get('/S')}")
            break
    seen: set[tuple[int, int]] = set()
    fonts: list[str] = []
    for page in pdf.pages:
        _walk_fonts(page.obj.get("/Resources"), seen, fonts)
        for annot in page.obj.get("/Annots", []):
            flags = int(annot.get("/F", 0))
            rect = [float(v) for v in annot.get("/Rect", [0, 0, 0, 0])]
            zero = rect[2] - rect[0] == 0 and rect[3] - rect[1] == 0
            if annot.get("/Subtype") != Name.Popup and not (flags & 4):
                problems.append("annotation without the Print flag")
            if not zero and annot.get("/Subtype") != Name.Link and "/AP" not in annot:
                problems.append("annotation without an appearance stream")
    problems.extend(sorted(set(fonts)))
    return problems


class Conformance(NamedTuple):
    """What :func:`conform` made of an outside PDF."""

    #: The bytes to store: converted when that could be done faithfully, else the original.
    data: bytes
    pdfa: bool
    converted: bool
    #: Why it is not PDF/A-2b (empty when ``pdfa``).
    problems: tuple[str, ...]


def conform(data: bytes) -> Conformance:
    """Bring a PDF made elsewhere (``kiosk dossier new --attach``) to PDF/A-2b when that
    can be done faithfully, or say why not.

    Faithful means the pages stay exactly as they are: only the identification is missing
    (XMP ``pdfaid``, the output intent, the file identifier) while fonts are embedded, the
    colours are RGB or grey and nothing forbidden is inside. Then the XMP (synchronised
    with the document information), the sRGB intent and an identifier are added. A signed
    file is never rewritten (the signature would break). Anything else — a font not
    embedded, CMYK colour, encryption, JavaScript — would need the pages redrawn
    (Ghostscript substitutes fonts it does not have, so the document would not look as it
    did): the file is kept as it is and reported.
    """
    problems = pdfa_problems(data)
    if not problems:
        return Conformance(data, True, False, ())
    if not set(problems) <= IDENTIFICATION:
        return Conformance(data, False, False, tuple(problems))
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        if _signed(pdf):
            return Conformance(data, False, False, (*problems, "signed: not rewritten"))
        if "/Metadata" in pdf.Root and "/Info" in pdf.trailer:
            # Info and XMP must agree: the document information wins, as when we make it.
            if "/Trapped" in pdf.docinfo:
                del pdf.docinfo["/Trapped"]
            with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
                meta.load_from_docinfo(pdf.docinfo, raise_failure=False)
        make_pdfa(pdf)
        buf = io.BytesIO()
        pdf.save(buf, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
    converted = buf.getvalue()
    left = pdfa_problems(converted)
    if left:  # not expected; never store a conversion that did not work
        return Conformance(data, False, False, tuple(problems))
    return Conformance(converted, True, True, ())
