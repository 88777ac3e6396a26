"""``kiosk central`` admin commands as the province's admin runs them (real processes on a
real database): postpone's bounds, and the device tokens (list, revoke, expiry)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from central import service
from central.db import Database
from central.models import DossierIn
from kiosk import limits as fields
from tests.central.helpers import UNIT, dossier, new_id


def kiosk(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIOSK_HOME": str(home), "KIOSK_LANG": "vi"}
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def options(values: dict[str, str]) -> list[str]:
    return [part for pair in values.items() for part in pair]


@pytest.fixture
def central_db(tmp_path: Path) -> Path:
    path = tmp_path / "central.sqlite3"
    db = Database(str(path))
    dev = service.add_device(db, UNIT, "quầy 1")
    device = service.Device(dev["device_id"], UNIT, "device")
    service.put_dossier(db, device, new_id(), "op-1", DossierIn(**dossier(1001)))
    db.close()
    return path


CODE = f"{UNIT}-261122-1001"
NEW_DUE = "2030-03-05T10:00"  # a Tuesday, in office hours, after the dossier's due


@pytest.mark.parametrize("option, limit", [("--reason", fields.REASON_MAX),
                                           ("--letter", fields.LETTER_NUMBER_MAX),
                                           ("--by", fields.PERSON_MAX)])
def test_postpone_text_beyond_the_models_limit_is_refused_at_the_command_line(
        tmp_path: Path, central_db: Path, option: str, limit: int) -> None:
    base = {"--reason": "Chờ xác minh", "--letter": "15/UBND", "--by": "Cán bộ tỉnh"}
    too_long = kiosk(tmp_path, "central", "--db", str(central_db), "postpone", CODE,
                     "--new-due", NEW_DUE, *options({**base, option: "x" * (limit + 1)}))
    assert too_long.returncode == 2, too_long.stderr
    assert f"dài quá {limit} ký tự" in too_long.stderr and "Traceback" not in too_long.stderr
    at_limit = kiosk(tmp_path, "central", "--db", str(central_db), "postpone", CODE,
                     "--new-due", NEW_DUE, *options({**base, option: "x" * limit}))
    assert at_limit.returncode == 0, at_limit.stderr
    state = json.loads(at_limit.stdout)
    letter = state["postponements"][-1]
    assert {"--reason": letter["reason"], "--letter": letter["letter_number"],
            "--by": letter["clerk"]}[option] == "x" * limit


def test_status_note_and_by_use_the_models_limits(tmp_path: Path, central_db: Path) -> None:
    run = kiosk(tmp_path, "central", "--db", str(central_db), "status", CODE, "--to", "4",
                "--by", "x" * (fields.PERSON_MAX + 1))
    assert run.returncode == 2 and f"dài quá {fields.PERSON_MAX} ký tự" in run.stderr
    run = kiosk(tmp_path, "central", "--db", str(central_db), "status", CODE, "--to", "4",
                "--by", "x" * fields.PERSON_MAX, "--note", "n" * fields.NOTE_MAX)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["notes"][-1]["by"] == "x" * fields.PERSON_MAX
