"""The period report as a file a person opens: PDF (PDF/A-2b) or XLSX, one entry point for
the CLI and the Reports screen so both write the same document."""

from __future__ import annotations

from typing import Any

FORMATS = ("pdf", "xlsx")


def service_names(config: Any) -> dict[str, str]:
    """The queue's service groups by letter (``queue.services``), for the queue table."""
    if config is None:
        return {}
    from kiosk.citizen.queue import parse_services

    return parse_services(list(config.get("queue.services")))


def render(report: dict[str, Any], fmt: str, config: Any = None) -> bytes:
    if fmt == "pdf":
        from kiosk.reports.pdf_report import to_pdf

        return to_pdf(report, config, service_names(config))
    if fmt == "xlsx":
        from kiosk.reports.export import to_xlsx

        return to_xlsx(report, service_names(config))
    raise ValueError(f"unknown report format {fmt!r}")
