"""Generated dossiers as the central server stores them, for the period report's
equivalence tests (tests/central/test_report_sql.py) and its bench at a province's scale
(bench/central_report.py).

Each dossier is a ``dossiers`` row (the counter's JSON body with its history, pauses,
letters and documents; the province's notes), sometimes province letters in
``dossier_postponements``, and its ``report_facts``/``report_pauses`` rows computed by the
server's own code (central.report_facts.facts): what a write through the API leaves.
Times often fall exactly on a period's edge or a judging moment, where a ``<`` against a
``<=`` would differ. Written in bulk: ``COPY`` on PostgreSQL, ``executemany`` on SQLite.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from central import report_facts, report_months
from kiosk.clock import TZ, iso
from kiosk.reports.records import server_record

PROCEDURES = [("1.004873", "Đăng ký kết hôn"), ("2.000815", "Chứng thực bản sao"),
              ("1.001193", "Đăng ký khai sinh"), ("1.000656", "Đăng ký thường trú"),
              ("2.000908", "Cấp bản sao trích lục"), ("1.003583", "Xác nhận tình trạng hôn nhân")]
#: A catalog version renamed a procedure: the report names it as its earliest dossier does.
RENAMED_CODE = "1.001193"
#: Status walks, each step (status, hours after the previous): repeated statuses,
#: supplements asked and answered, refusals, withdrawals, stops, returns.
WALKS = [
    [], [(2, 1)], [(2, 1), (4, 20)], [(2, 1), (4, 30), (9, 5)],
    [(2, 1), (4, 30), (9, 5), (10, 24)], [(2, 0), (9, 0), (10, 0)],
    [(2, 2), (5, 3)], [(2, 2), (5, 3), (2, 40), (4, 8), (9, 100), (10, 2)],
    [(3, 1)], [(2, 1), (7, 50)], [(2, 1), (4, 10), (8, 300)], [(2, 1), (2, 3), (4, 2)],
    [(2, 1), (5, 2), (5, 1), (2, 30)], [(2, 1), (9, 2000)], [(2, 1), (4, 2), (10, 1)],
    [(2, 1), (3, 0), (9, 5)], [(5, 0), (5, 0), (2, 0)],
]
#: A year of a province: most dossiers resolved and returned within days; every walk above
#: once, so about 4 % stay open (7 of them never end).
BUSY_WALKS = [[(2, 1), (4, 20), (9, 30), (10, 24)]] * 110 + [[(2, 1), (4, 30), (9, 5)]] * 40 + \
    WALKS


@dataclass
class Shape:
    first: datetime
    days: int
    units: Sequence[str]
    #: Times snapped to these moments one time in five.
    edges: Sequence[datetime] = ()
    walks: Sequence[Sequence[tuple[int, int]]] = field(default_factory=lambda: WALKS)
    #: Share of dossiers with apology letters (one or two).
    lettered: float = 1 / 3


def period_edges(periods: Sequence[tuple[date, date]]) -> list[datetime]:
    """Starts, ends and a moment inside each period: where generated times are snapped."""
    out = set()
    for a, b in periods:
        start = datetime.combine(a, time(), TZ)
        end = datetime.combine(b + timedelta(days=1), time(), TZ)
        out |= {start, end, datetime.combine(b, time(9), TZ),
                start + timedelta(days=2, hours=14)}
    return sorted(out)


def generate(count: int, seed: int, shape: Shape) -> Iterator[tuple[dict[str, Any],
                                                                   list[dict[str, Any]]]]:
    """``(dossiers row, province letters)`` per dossier."""
    rnd = random.Random(seed)
    renamed = shape.first + timedelta(days=shape.days // 3)

    def snap(at: datetime) -> datetime:
        if shape.edges and rnd.random() < 0.2:
            return min(shape.edges, key=lambda e: abs(e - at))
        return at

    for i in range(count):
        pcode, pname = rnd.choice(PROCEDURES)
        received = snap(shape.first + timedelta(minutes=rnd.randrange(0, 60 * 24 * shape.days)))
        if pcode == RENAMED_CODE and received < renamed:
            pname += " (tên cũ)"
        legal = None if rnd.random() < 0.05 else snap(
            received + timedelta(hours=rnd.choice([2, 8, 30, 36, 72, 200, 600])))
        history, status, at = [{"at": iso(received), "status": 2}], 2, received
        notes = []
        for to, hours in rnd.choice(shape.walks):
            at = at + timedelta(hours=hours, minutes=rnd.choice([0, 0, 7]))
            if legal is not None and rnd.random() < 0.1:  # done exactly at the due
                at = max(at, legal)
            at = snap(at)
            if rnd.random() < 0.1:  # the province moved it (its note, not the counter's)
                notes.append({"at": iso(at), "by": "so", "status": to, "note": ""})
            else:
                history.append({"at": iso(at), "status": to})
            status = to
        pauses = []
        for k, h in enumerate(history):
            if h["status"] == 5:
                nxt = history[k + 1]["at"] if k + 1 < len(history) else None
                pauses.append({"started_at": h["at"],
                               "ended_at": nxt if nxt and rnd.random() < 0.8 else None})
        letters = [{"letter_number": f"L{n}", "issued_at": iso(issued),
                    "new_due_at": iso(issued + timedelta(hours=rnd.choice([-50, 10, 100, 500])))}
                   for n in range(rnd.choice([1, 2]) if rnd.random() < shape.lettered else 0)
                   for issued in [snap(received + timedelta(hours=rnd.randrange(1, 400)))]]
        # Some letters only the province holds (issued on its side).
        theirs = [x for x in letters if rnd.random() < 0.3]
        components = [{"handed_in": rnd.random() < 0.9, "reused": rnd.random() < 0.2,
                       "presented": rnd.random() < 0.1, "quantity": rnd.choice([0, 1, 1, 2]),
                       "pages": ["ab"] if rnd.random() < 0.6 else []}
                      for _ in range(rnd.choice([0, 1, 2, 3]))]
        did = f"d{seed}-{i}"
        body = {"code": f"C{seed}-{i}", "procedure_code": pcode, "procedure_name": pname,
                "reception_channel": rnd.choice([1, 1, 2, 3, 4]), "received_at": iso(received),
                "legal_due_at": iso(legal) if legal and rnd.random() < 0.5 else None,
                "due_at": iso(legal) if legal else None,
                "entered_at": iso(received + timedelta(days=3)) if rnd.random() < 0.1 else None,
                "history": history, "pauses": pauses,
                "postponements": [x for x in letters if x not in theirs],
                "components": components}
        if rnd.random() < 0.02:  # an old client: no history at all
            body["history"] = []
        # Where its results came from (dossier_results.origin): the province's electronic
        # issue, a paper result scanned at the counter, both, or none.
        row_origins = rnd.choice([[], [], ["province"], ["counter"], ["counter", "province"]])
        row = {"id": did, "code": body["code"], "unit_code": rnd.choice(shape.units),
               "device_id": "dev", "status": status, "server_version": 1,
               "body": json.dumps(body, ensure_ascii=False), "notes": json.dumps(notes),
               "created_at": iso(received), "updated_at": iso(at), "origins": row_origins}
        yield row, theirs


DOSSIER_COLUMNS = ("id", "code", "unit_code", "device_id", "status", "server_version", "body",
                   "notes", "created_at", "updated_at")
LETTER_COLUMNS = ("dossier_id", "letter_number", "issued_at", "new_due_at", "origin")


def rows_for(batch: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]
             ) -> tuple[list[tuple[Any, ...]], ...]:
    """The tables' rows of a batch, facts computed by the server's own code."""
    dossiers: list[tuple[Any, ...]] = []
    letters: list[tuple[Any, ...]] = []
    facts: list[tuple[Any, ...]] = []
    groups: dict[int, tuple[Any, ...]] = {}
    results: list[tuple[Any, ...]] = []
    side: tuple[list[tuple[Any, ...]], ...] = ([], [], [])
    for row, theirs in batch:
        dossiers.append(tuple(row[c] for c in DOSSIER_COLUMNS))
        for k, origin in enumerate(row["origins"]):
            results.append((f"{row['id']}-r{k}", row["id"], row["unit_code"], "kq", str(k),
                            "so", "RC", "ab" * 32, 1, origin, row["created_at"]))
        for x in theirs:
            letters.append((row["id"], x["letter_number"], x["issued_at"], x["new_due_at"],
                            "central"))
        rec = server_record(json.loads(row["body"]), unit=row["unit_code"],
                            status=row["status"], province_notes=json.loads(row["notes"]),
                            letters=theirs, result_origins=row["origins"])
        facts.append(report_facts.facts(row["id"], rec))
        group = report_facts.group_id(rec)
        groups[group[0]] = group
        for rows, more in zip(side, report_facts.side_rows(row["id"], rec), strict=True):
            rows += more
    months = report_months.bucket_rows(dict(zip(report_facts.COLUMNS, f, strict=True))
                                       for f in facts)
    return (dossiers, letters, results, list(groups.values()), facts, *side, months)


_TABLES = (("dossiers", DOSSIER_COLUMNS), ("dossier_postponements", LETTER_COLUMNS),
           ("dossier_results", ("id", "dossier_id", "unit_code", "kind", "number", "issuer",
                                "code", "sha256", "size", "origin", "created_at")),
           ("report_groups", ("id", "unit_code", "procedure_code", "procedure_name")),
           ("report_facts", report_facts.COLUMNS), *report_facts.SIDE,
           ("report_months", ("grp", "month", "first_received", *report_months.COLUMNS)))


def write(conn: Any, postgres: bool, batch: Sequence[tuple[dict[str, Any],
                                                           list[dict[str, Any]]]]) -> None:
    """Bulk-write a batch on a raw connection (psycopg or sqlite3), committed by the caller."""
    for (table, cols), rows in zip(_TABLES, rows_for(batch), strict=True):
        if not rows:
            continue
        if table in ("report_groups", "report_months"):
            # A batch may meet a group or a month an earlier one wrote.
            sql = report_facts.GROUP_SQL if table == "report_groups" else report_months.ADD_SQL
            if table == "report_groups":
                rows = [(*r, r[0]) for r in rows]
            if postgres:
                conn.cursor().executemany(sql.replace("?", "%s"), rows)
            else:
                conn.executemany(sql, rows)
        elif postgres:
            with conn.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                             f"({', '.join('?' * len(cols))})", rows)
