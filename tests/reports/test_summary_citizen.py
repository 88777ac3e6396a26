"""``kiosk report summary`` carries the citizen screen's figures: satisfaction per clerk and
per procedure, and the queue's median wait — from a real SQLite file, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from kiosk.citizen.ratings_report import period_blocks
from kiosk.clock import now
from kiosk.storage import Store
from kiosk.storage.citizen import CitizenStore
from kiosk.storage.model import ApplicantInput, DossierInput

ROOT = Path(__file__).resolve().parents[2]


def _kiosk(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_summary_has_satisfaction_and_queue_waits(kiosk_home: Path) -> None:
    day = now().date()
    with Store() as store:
        a = store.save_dossier(DossierInput("2.000815", ApplicantInput("Phạm Quốc Việt")),
                               actor="clerk1")
        b = store.save_dossier(DossierInput("1.001193", ApplicantInput("Lê Thị Hoa")),
                               actor="clerk2")
        citizen = CitizenStore(store)
        for dossier, occasion, level, reason, clerk in (
                (a, "intake", 3, "", "clerk1"), (a, "return", 1, "attitude", "clerk1"),
                (b, "intake", 2, "", "clerk2")):
            citizen.add_rating(rating_id=str(uuid.uuid4()), dossier_id=dossier.id,
                               occasion=occasion, level=level, reason=reason, clerk=clerk,
                               counter=1)
        # Two tickets: waited 4 and 10 minutes (median 7), one still waiting.
        base = f"{day.isoformat()}T08:00:00+07:00"
        for n, called in ((1, "08:04"), (2, "08:10"), (3, None)):
            citizen.record_ticket({
                "id": str(uuid.uuid4()), "day": day.isoformat(), "service": "A", "number": n,
                "label": f"A1-{n:02d}", "origin": "local", "issued_counter": 1,
                "taken_at": base,
                "called_at": f"{day.isoformat()}T{called}:00+07:00" if called else None,
                "state": "called" if called else "waiting"})
        expected = period_blocks(store, day, day)
    report = _kiosk("report", "summary", "--from", day.isoformat(), "--to", day.isoformat())
    sat, queue = report["satisfaction"], report["queue"]
    assert (sat["ratings"], sat["very_satisfied"], sat["satisfied"], sat["unsatisfied"]) == (
        3, 1, 1, 1)
    assert sat["reasons"]["attitude"] == 1
    assert {c["clerk"]: c["ratings"] for c in sat["by_clerk"]} == {"clerk1": 2, "clerk2": 1}
    assert {p["procedure_code"]: p["ratings"] for p in sat["by_procedure"]} == {
        "2.000815": 2, "1.001193": 1}
    assert (queue["tickets"], queue["called"], queue["waiting"]) == (3, 2, 1)
    assert queue["median_wait_minutes"] == 7.0
    assert sat == json.loads(json.dumps(expected["satisfaction"]))
    # With --procedure, satisfaction per procedure keeps only that procedure.
    one = _kiosk("report", "summary", "--from", day.isoformat(), "--to", day.isoformat(),
                 "--procedure", "1.001193")
    assert [p["procedure_code"] for p in one["satisfaction"]["by_procedure"]] == ["1.001193"]
