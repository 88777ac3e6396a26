"""Component PDFs made by the real page pipeline (encode + pikepdf + merge), for signing."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from kiosk.devices.pipeline.encode import encode_jpeg, encode_mrc
from kiosk.devices.pipeline.pdf import build_pdf
from kiosk.documents import merge_pages
from tests.signing.pki import Issued


def page_image(text: str, dpi: int = 100) -> np.ndarray:
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    for row in range(12):
        draw.text((dpi // 2, dpi // 2 + row * dpi // 2), f"{text} — dòng {row + 1}",
                  fill=(20, 20, 20))
    draw.rectangle((dpi, h - 2 * dpi, 3 * dpi, h - dpi), outline=(200, 0, 0), width=3)
    return np.asarray(img)


def scan_pdf(text: str, pages: int = 1, dpi: int = 100, *, mrc: bool = False) -> bytes:
    """A component PDF as the intake makes it: one page PDF per scan, then merged."""
    singles = []
    for n in range(pages):
        rgb = page_image(f"{text} trang {n + 1}", dpi)
        encoded = encode_mrc(rgb, dpi) if mrc else encode_jpeg(rgb, dpi)
        singles.append((build_pdf([encoded]), 0))
    return merge_pages(singles)


def trust_roots(ca: Issued) -> list[Any]:
    """``ca`` as the trust list ``verify_pdf`` takes."""
    from asn1crypto import x509 as asn1_x509

    return [asn1_x509.Certificate.load(ca.cert_der)]


def signed_in_memory(data: bytes, who: Issued, ca: Issued) -> bytes:
    """``data`` signed by ``who``'s key held in memory (pyHanko's SimpleSigner, no token)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(who.cert_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(who.key_der),
        cert_registry=SimpleCertificateStore.from_certs(trust_roots(ca)))
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)),
                     signers.PdfSignatureMetadata(field_name="KySo"), signer=signer,
                     output=out)
    return out.getvalue()


def tampered(data: bytes) -> bytes:
    """One bit flipped inside the first stream's data after the header."""
    out = bytearray(data)
    at = out.find(b"stream", 200) + 40
    out[at] ^= 0x20
    return bytes(out)
