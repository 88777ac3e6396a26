"""Check the signatures of a PDF with pyHanko's validator (never with the signing code).

``signed``: at least one signature; ``intact``: every signature's signed bytes are unchanged
and nothing but signatures was appended after the last one; ``valid``: intact, every
signature cryptographically sound and its certificate chains to a trusted root and was in
its validity period at signing time. Revocation is not fetched (the counter is often
offline, and test CAs publish no CRL): ``revocation`` says so.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.pdfa import implausible_xref, inspect_pdf, pdfa_problems

#: A CA bundle: the system's whole store is about 200 KB.
MAX_TRUST_BYTES = 4 << 20


def load_trust(path: str | Path) -> list[Any]:
    """The certificates of a PEM (or DER) bundle, as asn1crypto objects."""
    from asn1crypto import pem
    from asn1crypto import x509 as ax509

    from kiosk.input_file import read_bytes

    p = Path(path)
    raw = read_bytes(path, max_bytes=MAX_TRUST_BYTES, what=_("tệp chứng thư gốc"))
    try:
        if pem.detect(raw):
            return [ax509.Certificate.load(der) for _t, _h, der in pem.unarmor(raw, multiple=True)]
        return [ax509.Certificate.load(raw)]
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("Tệp {path} không phải chứng thư X.509 (PEM/DER).", path=str(p)),
                           hint=_("Dùng tệp CA gốc dạng PEM do tổ chức chứng thực cung cấp.")
                           ) from exc


def _context(trust: list[Any] | None) -> Any:
    from pyhanko_certvalidator import ValidationContext

    kw: dict[str, Any] = {"allow_fetching": False, "revocation_mode": "soft-fail"}
    if trust is not None:
        kw["trust_roots"] = trust
    return ValidationContext(**kw)


def verify_pdf(data: bytes, trust: list[Any] | None = None, *,
               thorough: bool = False) -> dict[str, Any]:
    """The verdict on ``data``; ``trust=None`` uses the system's trust store.

    A file whose last revision is only the kiosk's invisible text layer
    (:mod:`kiosk.text_layer`) is judged by the signed file under it, and says so
    (``text_layer``); its PDF/A verdict is the whole file's. A file pikepdf read cleanly
    without a form cannot hold a signature and is not parsed a second time by pyHanko's
    reader (``thorough`` does it anyway: the tests hold the two verdicts equal)."""
    from kiosk.text_layer import layered_prefix

    under = layered_prefix(data)
    if under is not None:
        below = verify_pdf(data[:under], trust, thorough=thorough)
        problems = pdfa_problems(data)
        below.pop("pdfa_problems", None)
        below["pdfa"] = not problems
        if problems:
            below["pdfa_problems"] = problems
        below["text_layer"] = {"signed_bytes": under}
        return below
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    # pyHanko logs a traceback for every untrusted path; the verdict already says it.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    out: dict[str, Any] = {"signed": False, "valid": False, "intact": False, "signer": None,
                           "signed_at": None, "pdfa": False, "timestamped": False,
                           "signatures": [], "revocation": "not_checked"}
    seen = inspect_pdf(data)
    out["pdfa"] = not seen.problems
    if seen.problems:
        out["pdfa_problems"] = seen.problems
    if not seen.may_be_signed and not thorough:
        return out
    # pyHanko's reader trusts the file's numbers: one qpdf cannot open, or whose
    # cross-reference is larger than the file could hold, gets a verdict without it.
    refused = (seen.problems[0].removeprefix("not a readable PDF: ") if not seen.readable
               else implausible_xref(data))
    if refused:
        out["problem"] = f"unreadable PDF: {refused}"[:300]
        return out
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = list(reader.embedded_signatures)
    except Exception as exc:  # pyHanko's reader also asserts on bad files
        # A file its reader cannot follow (a wrong startxref raised AssertionError) is a
        # verdict on the file, as for a malformed signature below.
        text = str(exc) or type(exc).__name__
        out["problem"] = f"unreadable PDF: {text}"[:300]
        return out
    if not sigs:
        return out
    out["signed"] = True
    intact = valid = True
    for n, sig in enumerate(sigs):
        item: dict[str, Any] = {"field": sig.field_name}
        try:
            status = validate_pdf_signature(sig, _context(trust), skip_diff=False)
        except Exception as exc:  # a malformed signature is a verdict, not a crash
            item.update(intact=False, valid=False, problem=f"{type(exc).__name__}: {exc}"[:300])
            intact = valid = False
            out["signatures"].append(item)
            continue
        last = n == len(sigs) - 1
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        # After the last signature nothing may follow; earlier ones may be followed by
        # later signatures only (pyHanko's diff analysis decides what the later revisions did).
        sig_intact = bool(status.intact) and (whole or not last)
        modification = getattr(status.modification_level, "name", None)
        if not last and modification not in (None, "NONE", "LTA_UPDATES", "FORM_FILLING"):
            sig_intact = False
        cert = status.signing_cert
        stamp = status.timestamp_validity
        item.update(
            intact=sig_intact, cryptographically_valid=bool(status.valid),
            trusted=bool(status.trusted), valid=bool(status.bottom_line) and sig_intact,
            signer=str(cert.subject.native.get("common_name") or cert.subject.human_friendly),
            signed_at=(stamp.timestamp if stamp is not None else status.signer_reported_dt),
            timestamped=stamp is not None, modification=modification)
        if item["signed_at"] is not None:
            item["signed_at"] = item["signed_at"].isoformat()
        intact = intact and sig_intact
        valid = valid and item["valid"]
        out["signatures"].append(item)
    first = out["signatures"][0]
    out.update(intact=intact, valid=valid and intact, signer=first.get("signer"),
               signed_at=first.get("signed_at"),
               timestamped=all(s.get("timestamped") for s in out["signatures"]))
    return out


def verify_file(path: Path, trust_path: str | Path | None = None) -> dict[str, Any]:
    from kiosk.input_file import MAX_PDF_BYTES, read_bytes

    data = read_bytes(path, max_bytes=MAX_PDF_BYTES, what=_("tệp PDF"))
    if not data.lstrip()[:5] == b"%PDF-":
        raise InvalidInput(_("Tệp {path} không phải PDF.", path=str(path)))
    trust = load_trust(trust_path) if trust_path else None
    return {"file": str(path), **verify_pdf(data, trust)}
