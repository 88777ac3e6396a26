"""``kiosk report summary|reconcile|postal-list`` (issue 13)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.cli import argtypes, command_help
from kiosk.cli.argtypes import input_file, output_file
from kiosk.errors import InvalidInput
from kiosk.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("report", help=command_help("report"))
    rsub = p.add_subparsers(dest="report_command", metavar="ACTION", required=True)

    c = rsub.add_parser("summary", help="received / resolved / pending for a period")
    _period(c)
    c.add_argument("--procedure", help="only this procedure code")
    c.add_argument("--format", choices=("json", "pdf", "xlsx"), default="json")
    c.add_argument("--out", type=output_file, help="file to write (required for pdf and xlsx)")
    c.set_defaults(func=_summary)

    c = rsub.add_parser("reconcile", help="paper tracking book vs electronic, per day")
    _period(c)
    c.add_argument("--paper", required=True, type=input_file,
                   help="CSV with columns date,count (UTF-8, UTF-8 with BOM or Windows-1258)")
    c.set_defaults(func=_reconcile)

    c = rsub.add_parser("postal-list", help="hand-over list (bảng kê) of results sent by post")
    c.add_argument("--date", required=True, help="the day the results go to the post office")
    c.add_argument("--out", required=True, type=output_file, help="PDF file to write")
    c.set_defaults(func=_postal_list)


def _period(c: argparse.ArgumentParser) -> None:
    c.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    c.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")


def parse_day(text: str, what: str) -> date:
    return argtypes.parse_day(text, what)


def parse_period(args: argparse.Namespace) -> tuple[date, date]:
    first = parse_day(args.date_from, "--from")
    last = parse_day(args.date_to, "--to")
    if last < first:
        raise InvalidInput(
            _("Khoảng ngày không hợp lệ: {start} sau {end}.", start=first.isoformat(),
              end=last.isoformat()), hint=_("Đổi lại ngày bắt đầu và ngày kết thúc."))
    return first, last


def _open() -> Any:
    from kiosk.storage import Store

    return Store(orphan_grace_seconds=None)


def write_report(report: dict[str, Any], fmt: str, out: Path | None, config: Any) -> Any:
    """JSON to stdout (or ``out``); PDF and XLSX to ``out``."""
    from kiosk.reports import export

    if fmt == "json":
        if out is None:
            return report
        export.write_atomic(out, export.to_json(report).encode())
        return {"file": str(out), "format": "json"}
    if out is None:
        raise InvalidInput(_("Cần --out TỆP cho định dạng {fmt}.", fmt=fmt),
                           hint=_("Ví dụ: --format {fmt} --out bao-cao.{fmt}", fmt=fmt))
    from kiosk.reports.documents import render

    data = render(report, fmt, config)
    if report.get("fees"):
        from kiosk.reports import fees

        data = fees.append_pdf(data, fees.fees_pdf(report["fees"], report, config)) \
            if fmt == "pdf" else fees.add_xlsx_sheet(data, report["fees"])
    export.write_atomic(out, data)
    return {"file": str(out), "format": fmt, "bytes": len(data)}


def _summary(args: argparse.Namespace) -> Any:
    from kiosk.reports.summary import Period, summary

    first, last = parse_period(args)
    with _open() as store:
        records = store.report_records(Period(first, last).end)
        unit = str(store.config.get("unit.code"))
        if args.procedure and not any(r.procedure_code == args.procedure for r in records):
            store.catalog.get(args.procedure)  # a mistyped code: NotFound, not zeros

        from kiosk.clock import now

        report = summary(records, first, last, unit=unit, procedure=args.procedure,
                         as_of=now())
        report.update(_citizen_blocks(store, first, last, args.procedure))
        from kiosk.reports.fees import fee_block

        report["fees"] = store.read(lambda db: fee_block(db, first, last, args.procedure))
        return write_report(report, args.format, args.out, store.config)


def _citizen_blocks(store: Any, first: Any, last: Any, procedure: str | None) -> dict[str, Any]:
    """Satisfaction (per clerk and per procedure) and queue waits from the citizen screen."""
    from kiosk.citizen.ratings_report import report_blocks
    from kiosk.clerks import ClerkDirectory

    try:
        names = {c.login: c.full_name for c in ClerkDirectory().list()}
    except Exception:  # an unreadable clerk file must not hide the report
        names = {}
    return report_blocks(store, first, last, names, procedure)


def _reconcile(args: argparse.Namespace) -> Any:
    from kiosk.cli import emit
    from kiosk.reports.reconcile import electronic_counts, read_paper_csv, reconcile

    first, last = parse_period(args)
    paper = read_paper_csv(args.paper)
    with _open() as store:
        electronic = store.read(lambda db: electronic_counts(db, first, last))
    for line in reconcile(paper, electronic, first, last):
        emit(line)
    return None


def _postal_list(args: argparse.Namespace) -> Any:
    from kiosk.reports import export
    from kiosk.reports.postal import postal_rows, render_postal_list

    day = parse_day(args.date, "--date")
    with _open() as store:
        rows = store.read(lambda db: postal_rows(db, day))
        pdf = render_postal_list(rows, day, store.config)
    export.write_atomic(args.out, pdf)
    return {"file": str(args.out), "date": day.isoformat(), "rows": len(rows),
            "codes": [r["code"] for r in rows]}
