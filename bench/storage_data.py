"""Realistic Vietnamese counter data, and a bulk loader for millions of dossiers.

Names follow the usual surname shares (Nguyễn ≈ 38 %, Trần, Lê, Phạm…), ID numbers the
CCCD layout (province code, century/sex digit, birth year, 6 digits), phones the mobile
prefixes, procedures the bundled catalog with a counter's typical mix (certification and
civil status dominate). Due times come from the real working-time calendar.

The loader writes the same rows ``Store.save_dossier`` writes (dossier, applicant,
components, pages, status events, audit, search index, code counters, outbox; on the
dossier row the report's facts as the app keeps them, kiosk.storage.dossier_facts) with bulk
``executemany`` in large transactions and ``synchronous=OFF`` (a benchmark set-up, never the
app), so a million dossiers take minutes.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.catalog import Catalog, Procedure, load_catalog
from kiosk.clock import TZ, iso
from kiosk.dossier_code import format_dossier_code
from kiosk.storage import Store
from kiosk.text import fold
from kiosk.working_time import WorkingCalendar

SURNAMES = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 2),
            ("Phan", 4.5), ("Vũ", 3.9), ("Võ", 2), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4),
            ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Đinh", 0.8), ("Đào", 0.6),
            ("Trương", 0.7), ("Lương", 0.4), ("Mai", 0.4), ("Tạ", 0.3), ("Cao", 0.3)]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Xuân", "Công", "Đình", "Ngọc", "Anh",
            "Trung", "Tiến", "Duy", "Gia"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Ngọc", "Thanh", "Thu", "Kim", "Minh", "Hồng", "Phương",
            "Bích", "Mỹ", "Hải", "Khánh", "Diệu"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy",
           "Khang", "Khoa", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang",
           "Sơn", "Tài", "Thắng", "Thành", "Toàn", "Trí", "Trung", "Tuấn", "Việt", "Vinh"]
GIVEN_F = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng", "Huệ",
           "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc",
           "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Thủy", "Trang", "Tuyết", "Vân", "Yến"]
PROVINCE_CODES = ["001", "022", "024", "026", "031", "033", "034", "036", "038", "040", "042",
                  "044", "046", "048", "051", "056", "066", "068", "079", "080", "089", "092"]
PHONE_PREFIXES = ["032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077",
                  "078", "079", "081", "082", "083", "084", "085", "086", "088", "089", "090",
                  "091", "093", "094", "096", "097", "098"]
VILLAGES = ["thôn Đông", "thôn Đoài", "thôn Thượng", "thôn Hạ", "xóm Mới", "khu phố 1",
            "khu phố 2", "ấp Bình Phú", "tổ dân phố 5", "thôn Phú Lộc"]
#: A commune counter's mix: certification and civil status dominate.
PROCEDURE_WEIGHTS = {"2.000815": 30, "2.000884": 12, "1.001193": 12, "1.000894": 5,
                     "1.004873": 8, "2.000635": 8, "1.000656": 4, "1.004859": 3}
COPY_KIND = {"original": "original", "copy": "copy", "certified_copy": "certified_copy",
             "original_or_certified_copy": "original", "present": "original"}


@dataclass
class Person:
    name: str
    id_number: str
    phone: str
    sex: str
    birth: date
    address: str


class Generator:
    def __init__(self, seed: int = 1, catalog: Catalog | None = None) -> None:
        self.rng = random.Random(seed)
        self.catalog = catalog or load_catalog()
        self._surnames = [s for s, _ in SURNAMES]
        self._surname_w = [w for _, w in SURNAMES]
        procs = self.catalog.procedures
        self.procedures = procs
        self._proc_w = [PROCEDURE_WEIGHTS.get(p.code, 1) for p in procs]

    def person(self) -> Person:
        r = self.rng
        female = r.random() < 0.52
        surname = r.choices(self._surnames, self._surname_w)[0]
        middle = r.choice(MIDDLE_F if female else MIDDLE_M)
        given = r.choice(GIVEN_F if female else GIVEN_M)
        if r.random() < 0.25:  # four-word names are common
            given = f"{r.choice(GIVEN_F if female else GIVEN_M)} {given}"
        birth = date(r.randint(1940, 2008), r.randint(1, 12), r.randint(1, 28))
        century = 0 if birth.year < 2000 else 2
        id_number = (f"{r.choice(PROVINCE_CODES)}{century + int(female)}{birth.year % 100:02d}"
                     f"{r.randrange(10**6):06d}")
        phone = f"{r.choice(PHONE_PREFIXES)}{r.randrange(10**7):07d}"
        address = f"{r.choice(VILLAGES)}, xã {r.choice(['Khánh Hà', 'Tân Phú', 'Hòa Bình'])}"
        return Person(f"{surname} {middle} {given}", id_number, phone,
                      "Nữ" if female else "Nam", birth, address)

    def procedure(self) -> Procedure:
        return self.rng.choices(self.procedures, self._proc_w)[0]


def working_days(start: date, end: date) -> list[date]:
    out, d = [], start
    while d <= end:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def _final_path(rng: random.Random, age_days: int, same_day: bool) -> list[int]:
    """The statuses after 2 (received), by how long ago the dossier came in."""
    if age_days > 30:
        roll = rng.random()
        if roll < 0.90:
            return [9, 10] if same_day else [4, 9, 10]
        if roll < 0.95:
            return [4, 5, 4, 9, 10]
        return [7] if roll < 0.98 else [4, 8]
    roll = rng.random()
    if age_days == 0:
        return []
    if roll < 0.5:
        return [4]
    if roll < 0.8:
        return [4, 9]
    return [4, 9, 10]


def bulk_load(path: Path, files_root: Path, count: int, *, seed: int = 1,
              end: date = date(2026, 11, 20), unit: str = "000.00.04.H40",
              counters: int = 3, batch: int = 20_000, outbox_days: int = 180,
              progress: bool = True) -> dict[str, Any]:
    """Create ``path`` with ``count`` dossiers ending on ``end``; returns what was made."""
    gen = Generator(seed)
    rng = gen.rng
    calendar = WorkingCalendar.from_config()
    with Store(path, files_root, orphan_grace_seconds=None, catalog=gen.catalog,
               calendar=calendar) as store:
        pool = [store.put_file(b"%PDF-1.4 bench page " + os.urandom(4000)) for _ in range(500)]
    # About 400 a working day: a busy commune over a decade for a million dossiers.
    days = working_days(end - timedelta(days=max(1, count // 400) * 7 // 5), end)
    per_day = count / len(days)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    version = gen.catalog.version
    stamp0 = iso(datetime.now(TZ))
    conn.execute("INSERT OR IGNORE INTO catalog_versions VALUES (?, ?, ?)",
                 (version, stamp0, len(gen.procedures)))
    conn.executemany("INSERT OR IGNORE INTO procedures VALUES (?, ?, ?, ?)",
                     [(version, p.code, p.name, json.dumps(p.to_json(), ensure_ascii=False))
                      for p in gen.procedures])
    conn.executemany("INSERT OR IGNORE INTO files VALUES (?, ?, 'application/pdf', ?)",
                     [(sha, (files_root / sha[:2] / sha).stat().st_size, stamp0)
                      for sha in pool])
    num = conn.execute("SELECT coalesce(max(num), 0) FROM dossiers").fetchone()[0]
    comp_id = conn.execute("SELECT coalesce(max(id), 0) FROM components").fetchone()[0]
    made = 0
    seqs: dict[tuple[str, int], int] = {}
    outbox_from = end - timedelta(days=outbox_days)

    def rows() -> Iterator[int]:
        for index in range(len(days)):
            yield from [index] * (int(per_day * (index + 1)) - int(per_day * index))

    tables: dict[str, list[tuple[Any, ...]]] = {}

    def flush() -> None:
        sql = {
            "dossiers": "INSERT INTO dossiers (num, id, code, unit_code, day, seq, counter, "
                        "procedure_code, procedure_name, catalog_version, channel, status, "
                        "received_at, due_at, sets, note, received_by, updated_at, version, "
                        "first_resolved_at, first_returned_at, first_closed_at, first_ended_at,"
                        " first_supplement_at, docs_counted, docs_reused, docs_scanned) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,'',?,?,?,?,?,?,?,?,?,?,?)",
            "applicants": "INSERT INTO applicants (dossier_id, role, name, id_number, birth_date,"
                          " gender, address, phone) VALUES (?, 'owner', ?, ?, ?, ?, ?, ?)",
            "components": "INSERT INTO components (id, dossier_id, position, code, name, "
                          "copy_kind, count, checked) VALUES (?,?,?,?,?,?,?,?)",
            "pages": "INSERT INTO pages (component_id, position, sha256) VALUES (?,?,?)",
            "events": "INSERT INTO status_events (dossier_id, at, from_status, to_status, actor,"
                      " due_at) VALUES (?,?,?,?,?,?)",
            "audit": "INSERT INTO audit_log (at, actor, action, dossier_id, details) "
                     "VALUES (?,?,?,?,?)",
            "fts": "INSERT INTO dossier_fts (rowid, code, name, id_number, phone) "
                   "VALUES (?,?,?,?,?)",
            "names": "INSERT INTO name_keys (num, key) VALUES (?, ?)",
            "outbox": "INSERT INTO outbox (id, kind, dossier_id, payload, state, attempts, "
                      "next_attempt_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
        }
        with conn:
            for name, statement in sql.items():
                conn.executemany(statement, tables.get(name, []))
        tables.clear()

    previous_day = -1
    minute = 0
    for day_index in rows():
        day = days[day_index]
        if day_index != previous_day:
            previous_day, minute = day_index, 0
        minute += rng.randint(0, 2)
        m = min(minute, 569)
        hour, mins = divmod(m + (7 * 60 if m < 270 else 13 * 60 + 30 - 270), 60)
        received = datetime(day.year, day.month, day.day, hour, mins, rng.randrange(60),
                            tzinfo=TZ)
        proc = gen.procedure()
        person = gen.person()
        due = calendar.due(received, proc.processing)
        counter = rng.randint(1, counters)
        seq = seqs.get((day.isoformat(), counter), counter * 1000) + 1
        seqs[(day.isoformat(), counter)] = seq
        code = format_dossier_code(unit, day, seq)
        num += 1
        dossier_id = str(uuid.UUID(int=(int(received.timestamp() * 1000) << 80)
                                   | (0x7 << 76) | rng.getrandbits(62) | (1 << 63)))
        age = (end - day).days
        path_after = _final_path(rng, age, proc.processing.unit == "same_day")
        status = path_after[-1] if path_after else 2
        actor = f"canbo{counter}"
        t = tables.setdefault
        dossier_row = [num, dossier_id, code, unit, day.isoformat(), seq, counter, proc.code,
                       proc.name, version, 1 if rng.random() < 0.85 else rng.choice((2, 3)),
                       status, iso(received), iso(due), actor, iso(received),
                       1 + len(path_after)]
        t("dossiers", []).append(dossier_row)  # its facts are appended below
        t("applicants", []).append((dossier_id, person.name, person.id_number,
                                    person.birth.isoformat(), person.sex, person.address,
                                    person.phone))
        components = []
        docs: list[tuple[bool, bool]] = []  # (counts, scanned) of each component
        for position, comp in enumerate(proc.components, start=1):
            comp_id += 1
            checked = comp.mandatory or rng.random() < 0.3
            t("components", []).append((comp_id, dossier_id, position, comp.code, comp.name,
                                        COPY_KIND.get(comp.form, "original"), comp.count,
                                        int(checked)))
            pages = []
            if checked and comp.form != "present":
                for page in range(1, rng.choice((1, 1, 2, 3)) + 1):
                    sha = rng.choice(pool)
                    t("pages", []).append((comp_id, page, sha))
                    pages.append({"position": page, "sha256": sha})
            components.append({"code": comp.code, "name": comp.name, "pages": pages})
            docs.append((checked and comp.count > 0, bool(pages)))
        at = received
        events = [(dossier_id, iso(received), None, 2, actor, iso(due))]
        previous = 2
        for new in path_after:
            at = at + timedelta(hours=rng.randint(1, 60))
            events.append((dossier_id, iso(at), previous, new, actor, None))
            previous = new
        t("events", []).extend(events)
        # What the app keeps on the dossier's row (kiosk.storage.dossier_facts).
        dossier_row.extend([*_ends(events), *_documents(docs)])
        t("audit", []).extend(
            (e[1], actor, "dossier.create" if e[2] is None else "dossier.status", dossier_id,
             json.dumps({"code": code}, ensure_ascii=False)) for e in events)
        t("fts", []).append((num, fold(code), fold(person.name), person.id_number,
                             person.phone))
        t("names", []).append((num, fold(person.name)))
        if day >= outbox_from:  # older acknowledged operations were pruned
            payload = {"id": dossier_id, "code": code, "procedure_code": proc.code,
                       "catalog_version": version, "status": 2, "received_at": iso(received),
                       "due_at": iso(due), "applicant": {"name": person.name,
                       "id_number": person.id_number, "phone": person.phone},
                       "components": components}
            state = "pending" if age < 1 else "done"
            t("outbox", []).append((str(uuid.uuid4()), "dossier.upsert", dossier_id,
                                    json.dumps(payload, ensure_ascii=False), state,
                                    int(state == "done"), iso(received), iso(received),
                                    iso(received)))
        made += 1
        if made % batch == 0:
            flush()
            if progress:
                print(f"\r{made:,} / {count:,}", end="", file=sys.stderr, flush=True)
    flush()
    with conn:
        conn.executemany(
            "INSERT INTO code_counters (unit_code, day, counter, last_seq) VALUES (?,?,?,?) "
            "ON CONFLICT DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)",
            [(unit, d, c, s) for (d, c), s in seqs.items()],
        )
    # One search-index segment, as a counter's idle merges keep it (kiosk.storage.upkeep);
    # without this the bulk load leaves dozens of large segments that the first saves merge.
    conn.execute("INSERT INTO dossier_fts (dossier_fts) VALUES ('optimize')")
    conn.commit()
    conn.execute("PRAGMA optimize")
    conn.close()
    if progress:
        print(file=sys.stderr)
    return {"dossiers": made, "days": len(days), "files": len(pool)}


def _ends(events: list[tuple[Any, ...]]) -> tuple[str | None, ...]:
    """First resolved, returned, closed, ended and supplement times of generated events
    ``(dossier_id, at, from, to, ...)``, as kiosk.storage.dossier_facts.add_status_event
    keeps them."""
    first: dict[str, str] = {}
    for _did, at, old, new, *_rest in events:
        if old == new:
            continue
        for name, statuses in (("resolved", (9, 10)), ("returned", (10,)),
                               ("closed", (3, 7, 8)), ("ended", (3, 7, 8, 9, 10)),
                               ("supplement", (5,))):
            if new in statuses and (name not in first or at < first[name]):
                first[name] = at
    return tuple(first.get(n) for n in ("resolved", "returned", "closed", "ended",
                                        "supplement"))


def _documents(docs: list[tuple[bool, bool]]) -> tuple[int, int, int]:
    """Counting documents, reused (none: the loader takes nothing from the national
    database), scanned: as kiosk.storage.dossier_facts.documents counts them."""
    counted = [scanned for counts, scanned in docs if counts]
    return len(counted), 0, sum(counted)


def main() -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Generate a bench database of N dossiers.")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/kiosk-bench/1m"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if (args.out / "kiosk.sqlite3").exists():
        sys.exit(f"{args.out} already has a database; remove it first")
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    made = bulk_load(args.out / "kiosk.sqlite3", args.out / "files", args.count, seed=args.seed)
    took = time.perf_counter() - start
    size = (args.out / "kiosk.sqlite3").stat().st_size
    print(json.dumps({**made, "seconds": round(took, 1), "db_bytes": size}))


if __name__ == "__main__":
    main()
