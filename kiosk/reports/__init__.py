"""The statistics the inspections ask for (TTHC resolution report, shares, reconciliation).

:mod:`kiosk.reports.summary` is a pure function over :class:`~kiosk.reports.records.
ReportRecord` values, shared by the counter (records read from SQLite) and the central
server (records rebuilt from the bodies it stores), so both count the same way. No Qt here.
"""
