"""``kiosk certify`` (one certification, start to receipt) and ``kiosk certify book`` (the
register for a period, PDF/A and XLSX)."""

from __future__ import annotations

import argparse
import io
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import input_file, int_range, output_file, person_text, text
from kiosk.cli.common import acting_clerk, open_store
from kiosk.cli.fee_commands import METHOD_HELP, amount, parse_date, write_receipt_pdf
from kiosk.errors import InvalidInput
from kiosk.i18n import _

#: One register print covers a year at most (a book is kept per year).
MAX_BOOK_DAYS = 366


def register(sub: Any) -> None:
    p = sub.add_parser("certify", help=command_help("certify"))
    p.add_argument("--kind", type=text(20), help="copy, signature or contract")
    p.add_argument("--pages", type=int_range(1, 5000),
                   help="pages of the document (counted from --attach when given)")
    p.add_argument("--copies", type=int_range(1, 1000), help="copies (or documents) certified")
    p.add_argument("--attach", type=input_file, help="the scanned document (PDF)")
    p.add_argument("--name", default="", type=person_text(200), help="who asks for it")
    p.add_argument("--id-number", default="", type=text(20, empty=True),
                   help="their ID number (CCCD)")
    p.add_argument("--document", default="", type=text(300, empty=True),
                   help="what is certified (default: the procedure's name)")
    p.add_argument("--signer", default="", type=text(200, empty=True),
                   help="who certifies: a name or number in certify.signers (default: first)")
    p.add_argument("--method", default="cash", type=text(20), help=METHOD_HELP)
    p.add_argument("--reason", default="", type=text(300, empty=True),
                   help="exemption or reduction reason")
    p.add_argument("--amount", type=amount, help="only where the province sets the fee")
    p.add_argument("--out", type=output_file, help="write the certified copies (PDF/A)")
    p.add_argument("--pdf", type=output_file, help="write the receipt (PDF/A)")
    p.add_argument("--paper", choices=("a5", "thermal"), help="receipt paper")
    p.add_argument("--actor", type=text(100), help="the clerk")
    p.set_defaults(func=_certify)
    csub = p.add_subparsers(dest="certify_command", metavar="ACTION")
    b = csub.add_parser("book", help="the certification register for a period")
    b.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    b.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    b.add_argument("--xlsx", type=output_file, help="write the register as XLSX")
    b.add_argument("--pdf", type=output_file, help="write the register as PDF/A (A4 landscape)")
    b.set_defaults(func=_book)


def _certify(args: argparse.Namespace) -> Any:
    from kiosk.money.certify import Certifier, CertifyRequest

    if not args.kind or args.copies is None:
        raise InvalidInput(_("Cần --kind và --copies."),
                           hint=_("Ví dụ: kiosk certify --kind copy --pages 2 --copies 1"))
    with open_store(sweep=False) as store:
        files = []
        if args.attach is not None:
            files.append(_stored_pdf(store, args.attach))
        req = CertifyRequest(kind=args.kind.strip().lower(), copies=args.copies,
                             pages=args.pages, files=files, requester=args.name,
                             requester_id=args.id_number, document=args.document,
                             signer=args.signer, method=args.method.strip().lower(),
                             reason=args.reason, amount=args.amount)
        done = Certifier(store).certify(req, acting_clerk(args))
        if args.out:
            from kiosk.output_file import write_atomic

            write_atomic(args.out, store.file_path(done["output"]).read_bytes())
            done["file"] = str(args.out)
        if done["receipt"] and args.pdf:
            from kiosk.money.cashier import Cashier

            receipt = Cashier(store).find(done["receipt"]["ref"])
            done["pdf"] = write_receipt_pdf(store, receipt, args, done["dossier"])
        return done


def _stored_pdf(store: Any, path: Any) -> Any:
    """The attached copy in the file store, brought to PDF/A-2b where that is faithful (as
    ``kiosk dossier new --attach`` does), else kept as it is and flagged on its page."""
    import pikepdf

    from kiosk.input_file import MAX_PDF_BYTES, read_bytes
    from kiosk.pdfa import conform
    from kiosk.storage import PageInput

    data = read_bytes(path, max_bytes=MAX_PDF_BYTES, what=_("tệp PDF"))
    try:
        with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
            if not pdf.pages:
                raise InvalidInput(_("Tệp {path} không có trang nào.", path=str(path)))
    except pikepdf.PdfError:
        raise InvalidInput(_("Tệp {path} không phải PDF đọc được.", path=str(path)),
                           hint=_("Quét lại, hoặc đính kèm bản PDF của giấy tờ.")) from None
    result = conform(data)
    return PageInput(store.put_file(result.data), "application/pdf", pdfa=result.pdfa,
                     pdfa_problems=result.problems)


def _book(args: argparse.Namespace) -> Any:
    from kiosk.forms import unit_from_config
    from kiosk.forms.register_book import register_xlsx, render_register
    from kiosk.output_file import write_atomic
    from kiosk.storage.register import entries

    first = parse_date(args.date_from, "--from")
    last = parse_date(args.date_to, "--to")
    if last < first or (last - first).days >= MAX_BOOK_DAYS:
        raise InvalidInput(_("Khoảng ngày {start}–{end} không hợp lệ (tối đa một năm).",
                             start=first.isoformat(), end=last.isoformat()))
    with open_store(sweep=False) as store:
        rows = store.read(lambda db: entries(db, first, last))
        out: dict[str, Any] = {"from": first.isoformat(), "to": last.isoformat(),
                               "entries": [_entry_json(r) for r in rows]}
        if args.pdf:
            built = render_register(rows, unit_from_config(store.config), first, last)
            write_atomic(args.pdf, built.pdf)
            out["pdf"] = {"file": str(args.pdf), "pages": built.pages}
        if args.xlsx:
            write_atomic(args.xlsx, register_xlsx(rows, first, last))
            out["xlsx"] = {"file": str(args.xlsx)}
        return out


def _entry_json(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("book", "number", "kind", "at", "dossier_code", "requester", "requester_id",
            "document", "copies", "pages", "signer_title", "signer_name", "fee", "counter")
    out = {k: row[k] for k in keys}
    out["receipt"] = (f"{row['receipt_series']}-{int(row['receipt_number']):07d}"
                      if row.get("receipt_number") else None)
    return out
