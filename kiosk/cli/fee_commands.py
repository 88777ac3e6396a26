"""``kiosk fee quote|collect|void|refund|vietqr|receipt|book|handover`` (issue 23, docs/FEES.md)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import output_file, parse_day, text
from kiosk.cli.common import acting_clerk, open_store
from kiosk.i18n import _

METHOD_HELP = "cash (tiền mặt), transfer (chuyển khoản) or exempt (miễn, with --reason)"


def amount(value: str) -> int:
    """An amount in đồng as typed: digits (dots or spaces between thousands are allowed)."""
    cleaned = value.strip().replace(".", "").replace(" ", "").replace(",", "")
    try:
        return int(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("«{value}» không phải số tiền (số nguyên đồng).", value=value.strip()[:40])
        ) from None


amount.__name__ = "amount"


def register(sub: Any) -> None:
    p = sub.add_parser("fee", help=command_help("fee"))
    fsub = p.add_subparsers(dest="fee_command", metavar="ACTION", required=True)

    c = fsub.add_parser("quote", help="what a dossier owes (items, total, exempt)")
    c.add_argument("code", type=text(64), help="dossier code")
    c.set_defaults(func=_quote)

    c = fsub.add_parser("collect", help="collect the fee and issue the numbered receipt")
    c.add_argument("code", type=text(64), help="dossier code")
    c.add_argument("--method", required=True, type=text(20), help=METHOD_HELP)
    c.add_argument("--reason", default="", type=text(300, empty=True),
                   help="exemption or reduction reason (fees.exemption_reasons, text or number)")
    c.add_argument("--amount", type=amount,
                   help="the amount, only where the province sets the fee (đồng)")
    _actor(c)
    _receipt_out(c)
    c.set_defaults(func=_collect)

    c = fsub.add_parser("void", help="void a receipt (its number stays used)")
    c.add_argument("receipt", type=text(40), help="SERIES-NUMBER, e.g. Q1-26E-0000012")
    c.add_argument("--reason", required=True, type=text(500), help="why")
    _actor(c)
    c.set_defaults(func=_void)

    c = fsub.add_parser("refund", help="pay back (part of) a receipt, recorded on its own")
    c.add_argument("receipt", type=text(40), help="SERIES-NUMBER")
    c.add_argument("--amount", required=True, type=amount, help="đồng")
    c.add_argument("--reason", required=True, type=text(500), help="why")
    _actor(c)
    c.set_defaults(func=_refund)

    c = fsub.add_parser("vietqr", help="the VietQR transfer payload for what a dossier owes")
    c.add_argument("code", type=text(64), help="dossier code")
    c.add_argument("--png", type=output_file, help="also write the QR code as a PNG image")
    c.set_defaults(func=_vietqr)

    c = fsub.add_parser("receipt", help="show or print a receipt again (with its look-up code)")
    c.add_argument("receipt", type=text(40), help="SERIES-NUMBER")
    _receipt_out(c)
    c.set_defaults(func=_receipt)

    c = fsub.add_parser("book", help="the cash book of a day (per clerk)")
    c.add_argument("--date", required=True, type=text(10), help="YYYY-MM-DD")
    c.add_argument("--clerk", type=text(100), help="whose book (default: the actor)")
    c.add_argument("--all", action="store_true", help="every clerk's receipts")
    c.add_argument("--pdf", type=output_file, help="also write the book as PDF/A")
    c.set_defaults(func=_book)

    c = fsub.add_parser("handover", help="'Nộp tiền': close the day with the amount handed over")
    c.add_argument("--date", required=True, type=text(10), help="YYYY-MM-DD")
    c.add_argument("--amount", required=True, type=amount, help="cash handed over (đồng)")
    c.add_argument("--note", default="", type=text(500, empty=True),
                   help="why the amount differs from the cash collected")
    c.add_argument("--pdf", type=output_file, help="write the list handed over as PDF/A")
    _actor(c)
    c.set_defaults(func=_handover)


def _actor(c: argparse.ArgumentParser) -> None:
    c.add_argument("--actor", type=text(100),
                   help="the clerk (default: $KIOSK_ACTOR or the OS user)")


def _receipt_out(c: argparse.ArgumentParser) -> None:
    c.add_argument("--pdf", type=output_file, help="write the receipt as PDF/A")
    c.add_argument("--paper", choices=("a5", "thermal"), help="default: fees.receipt_paper")


def parse_date(value: str, what: str = "--date") -> date:
    return parse_day(value, what)


def _quote(args: argparse.Namespace) -> Any:
    from kiosk.money.cashier import Cashier

    with open_store(sweep=False) as store:
        return Cashier(store).quote(args.code)


def write_receipt_pdf(store: Any, receipt: dict[str, Any], args: argparse.Namespace,
                      dossier_code: str) -> dict[str, Any] | None:
    if not getattr(args, "pdf", None):
        return None
    from kiosk.forms import unit_from_config
    from kiosk.forms.fee_receipt import render_receipt
    from kiosk.output_file import write_atomic

    config = store.config
    built = render_receipt({**receipt, "dossier_code": dossier_code}, unit_from_config(config),
                           paper=args.paper or str(config.get("fees.receipt_paper")),
                           tax_code=str(config.get("fees.collector_tax_code")),
                           lookup_url=str(config.get("fees.receipt_lookup_url")),
                           clerk_name=clerk_name(receipt["clerk"]))
    write_atomic(args.pdf, built.pdf)
    return {"file": str(args.pdf), "pages": built.pages}


def clerk_name(login: str) -> str:
    try:
        from kiosk.clerks import ClerkDirectory

        names = {c.login: c.full_name for c in ClerkDirectory().list()}
    except Exception:  # an unreadable clerk file must not stop a receipt
        names = {}
    return names.get(login, login)


def _collect(args: argparse.Namespace) -> Any:
    from kiosk.money.cashier import Cashier, receipt_json

    with open_store(sweep=False) as store:
        cashier = Cashier(store)
        receipt = cashier.collect(args.code, args.method.strip().lower(), clerk=acting_clerk(args),
                                  reason=args.reason, amount=args.amount)
        code = cashier.record(args.code)["code"]
        out: dict[str, Any] = {"receipt": receipt_json(receipt, code)}
        written = write_receipt_pdf(store, receipt, args, code)
        if written:
            out["pdf"] = written
        return out


def _void(args: argparse.Namespace) -> Any:
    from kiosk.money.cashier import Cashier

    with open_store(sweep=False) as store:
        receipt = Cashier(store).void(args.receipt, args.reason, acting_clerk(args))
        return {"receipt": {"ref": receipt["ref"], "series": receipt["series"],
                            "number": receipt["number"], "amount": receipt["amount"],
                            "voided": True, "voided_at": receipt["voided_at"],
                            "reason": receipt["void_reason"], "by": receipt["voided_by"]}}


def _refund(args: argparse.Namespace) -> Any:
    from kiosk.money.cashier import Cashier

    with open_store(sweep=False) as store:
        return {"refund": Cashier(store).refund(args.receipt, args.amount, args.reason,
                                                acting_clerk(args))}


def _vietqr(args: argparse.Namespace) -> Any:
    from kiosk.money.cashier import Cashier

    with open_store(sweep=False) as store:
        qr = Cashier(store).vietqr(args.code)
    if args.png:
        import io

        import segno

        from kiosk.output_file import write_atomic

        buf = io.BytesIO()
        segno.make_qr(qr["payload"], error="m").save(buf, kind="png", scale=8, border=4)
        write_atomic(args.png, buf.getvalue())
        qr["png"] = str(args.png)
    return qr


def _receipt(args: argparse.Namespace) -> Any:
    from kiosk.money.cashier import Cashier

    with open_store(sweep=False) as store:
        receipt = Cashier(store).find(args.receipt)
        code = store.read(lambda db: db.execute("SELECT code FROM dossiers WHERE id = ?",
                                                (receipt["dossier_id"],)).fetchone()[0])
        out = {"receipt": {**{k: receipt[k] for k in (
            "ref", "series", "number", "amount", "amount_words", "method", "reason", "payer",
            "clerk", "at", "voided", "voided_at", "void_reason", "locked", "lookup_code",
            "provider")}, "dossier": code}}
        written = write_receipt_pdf(store, receipt, args, code)
        if written:
            out["pdf"] = written
        return out


def _book(args: argparse.Namespace) -> Any:
    from kiosk.money.cashier import Cashier

    day = parse_date(args.date)
    clerk = None if args.all else (args.clerk or acting_clerk(args))
    with open_store(sweep=False) as store:
        book = Cashier(store).book(day, clerk)
        if args.pdf:
            from kiosk.forms import unit_from_config
            from kiosk.forms.cash_book import render_cash_book
            from kiosk.output_file import write_atomic

            built = render_cash_book(book, unit_from_config(store.config),
                                     clerk_name=clerk_name(clerk) if clerk else "")
            write_atomic(args.pdf, built.pdf)
            book["pdf"] = {"file": str(args.pdf), "pages": built.pages}
        return book


def _handover(args: argparse.Namespace) -> Any:
    from kiosk.money.cashier import Cashier

    day = parse_date(args.date)
    clerk = acting_clerk(args)
    with open_store(sweep=False) as store:
        cashier = Cashier(store)
        done = cashier.handover(day, args.amount, clerk, args.note)
        out: dict[str, Any] = {"handover": done}
        if args.pdf:
            from kiosk.forms import unit_from_config
            from kiosk.forms.cash_book import render_cash_book
            from kiosk.output_file import write_atomic

            built = render_cash_book(cashier.book(day, clerk), unit_from_config(store.config),
                                     clerk_name=clerk_name(clerk), handover=done)
            write_atomic(args.pdf, built.pdf)
            out["pdf"] = {"file": str(args.pdf), "pages": built.pages}
        return out
