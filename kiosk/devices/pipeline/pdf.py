"""One PDF per dossier component, from already-encoded page layers (pikepdf).

img2pdf embeds one image per page; MRC needs several layers and an explicit mask on a page,
so we write the few objects ourselves with pikepdf (img2pdf's own PDF engine), embedding
JPEG and G4 data unchanged. Output is deterministic (same pages → same bytes) so the
content-addressed store deduplicates a component saved twice. Each file is PDF/A-2b
(:mod:`kiosk.pdfa`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pikepdf
from pikepdf import Name

from kiosk.devices.pipeline.encode import EncodedPage, ImageLayer
from kiosk.pdfa import make_pdfa


def _image(pdf: pikepdf.Pdf, layer: ImageLayer, *, stencil: bool = False) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, layer.data)
    stream.Type = Name.XObject
    stream.Subtype = Name.Image
    stream.Width = layer.width
    stream.Height = layer.height
    stream.BitsPerComponent = layer.bits
    stream.Filter = Name("/" + layer.filter)
    if stencil:
        # A G4 mask decodes black (text) to 0, and for an explicit mask 0 means "paint the
        # image here" (checked by rendering with poppler), so no /Decode inversion.
        stream.ImageMask = True
    else:
        stream.ColorSpace = Name("/" + layer.colorspace)
    if layer.decode_parms:
        stream.DecodeParms = pikepdf.Dictionary(
            {"/" + k: v for k, v in layer.decode_parms.items()})
    if layer.mask is not None:
        stream.Mask = _image(pdf, layer.mask, stencil=True)
    return stream


def build_pdf(pages: Sequence[EncodedPage]) -> bytes:
    pdf = pikepdf.Pdf.new()
    for page in pages:
        width_pt = page.width * 72.0 / page.dpi
        height_pt = page.height * 72.0 / page.dpi
        xobjects = pikepdf.Dictionary()
        ops = []
        for n, layer in enumerate(page.layers):
            name = f"/Im{n}"
            xobjects[name] = _image(pdf, layer)
            ops.append(f"q {width_pt:.3f} 0 0 {height_pt:.3f} 0 0 cm {name} Do Q")
        content = pikepdf.Stream(pdf, "\n".join(ops).encode("ascii"))
        pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
            Type=Name.Page,
            MediaBox=pikepdf.Array([0, 0, round(width_pt, 3), round(height_pt, 3)]),
            Resources=pikepdf.Dictionary(XObject=xobjects),
            Contents=content,
        )))
    make_pdfa(pdf)
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue()


def write_pdf(pages: Sequence[EncodedPage], out: Path) -> int:
    """Write atomically (temp file then rename); returns the size in bytes."""
    from kiosk.errors import InvalidInput, StorageError
    from kiosk.i18n import _

    data = build_pdf(pages)
    if out.is_dir():
        raise InvalidInput(_("{path} là thư mục; cần tên tệp PDF.", path=str(out)),
                           hint=_("Ví dụ: --out {path}/ket-qua.pdf", path=str(out)))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(out)
    except OSError as exc:
        # A failed write leaves no stray temp file beside the target.
        tmp.unlink(missing_ok=True)
        raise StorageError(
            _("Không ghi được tệp {path}: {error}", path=str(out), error=exc.strerror or str(exc)),
            hint=_("Chọn thư mục khác hoặc kiểm tra quyền ghi và dung lượng ổ đĩa."),
        ) from exc
    return len(data)
