"""The OpenAPI description says what the running server enforces: schemathesis with every
check, every phase (examples, coverage, fuzzing, stateful) and every operation, against the
real server on loopback.

What schemathesis is told beyond the schema is in ``schemathesis.toml`` (the statuses the
protocols mandate: tus' 412 and 460, the report period's order) and
``schemathesis_hooks.py`` (how to make a tus body, an ``Upload-Metadata`` and an
``Upload-Checksum``), each with its reason.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from tests.central.helpers import UNIT

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
#: Examples per operation and phase: enough to meet every rule, a minute on CI.
EXAMPLES = os.environ.get("KIOSK_SCHEMATHESIS_EXAMPLES", "25")


def test_every_schemathesis_check_passes(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "central.sqlite3"))
    # An admin token reaches every operation, so bodies and 2xx answers get checked too.
    token = service.add_device(db, UNIT, role="admin")["token"]
    exe = Path(sys.executable).with_name("schemathesis")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.central.schemathesis_hooks",
           "PYTHONPATH": str(ROOT)}
    with ServerThread(db, BlobStore(tmp_path / "blobs")) as srv:
        run = subprocess.run(
            [str(exe), "--config-file", str(HERE / "schemathesis.toml"), "run",
             f"{srv.url}/openapi.json", "-H", f"Authorization: Bearer {token}",
             "--checks", "all", "--max-examples", EXAMPLES, "--seed", "20261201",
             "--workers", "1", "--report-dir", str(tmp_path / "report")],
            capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    out = run.stdout
    assert run.returncode == 0, out[-8000:] + run.stderr[-2000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", out)
    assert selected and selected[1] == selected[2] and int(selected[1]) >= 20, out[-3000:]
    summary = out.split("SUMMARY")[-1]
    assert "Failures:" not in summary and "Errors:" not in summary, out[-3000:]
    assert re.search(r"(\d+) generated, \1 passed", summary), summary
