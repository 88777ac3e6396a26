"""``kiosk central portal push --once|failed|retry`` as a person runs them: settings from the
environment, JSON on stdout, clear refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from central import service
from central.db import Database
from central.models import DossierIn
from tests.central.helpers import UNIT, dossier, new_id
from tests.central.portal_helpers import PASSWORD, EmulatorThread, env


def _kiosk(home: Path, *args: str, extra: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_PORTAL_")}
    return subprocess.run([sys.executable, "-m", "kiosk", *args],
                          env={**base, "KIOSK_HOME": str(home), "KIOSK_LANG": "vi",
                               **(extra or {})},
                          capture_output=True, text=True, timeout=120)


def test_push_failed_and_retry_from_the_command_line(tmp_path: Path, kiosk_home: Path) -> None:
    path = tmp_path / "central.sqlite3"
    db = Database(str(path))
    dev = service.add_device(db, UNIT, "quầy 1")
    device = service.Device(dev["device_id"], UNIT, "device")
    service.put_dossier(db, device, new_id(), "op-1", DossierIn(**dossier(1001)))
    bad = DossierIn(**dossier(1002, procedure_code="TT-XA-01"))
    service.put_dossier(db, device, new_id(), "op-2", bad)
    db.close()

    refused = _kiosk(kiosk_home, "central", "portal", "push", "--once", "--db", str(path))
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "Chưa cấu hình cổng dịch vụ công quốc gia" in refused.stderr
    wrong = _kiosk(kiosk_home, "central", "portal", "push", "--once", "--db", str(path),
                   extra={"KIOSK_PORTAL_URL": "ftp://cong.example/"})
    assert wrong.returncode != 0 and "không hợp lệ" in wrong.stderr

    with EmulatorThread(tmp_path / "portal.sqlite3") as emu:
        pushed = _kiosk(kiosk_home, "central", "portal", "push", "--once", "--db", str(path),
                        extra=env(emu.port))
        assert pushed.returncode == 0, pushed.stderr
        result = json.loads(pushed.stdout)
        assert result["done"] == 1 and result["failed"] == 1
        assert result["queue"] == {"pending": 0, "done": 1, "failed": 1}
        # The password went in the request body to the configured host only, never argv.
        assert PASSWORD not in pushed.stdout + pushed.stderr

    failed = _kiosk(kiosk_home, "central", "portal", "failed", "--db", str(path))
    items = json.loads(failed.stdout)
    assert [(i["code"], i["service"], i["state"]) for i in items] == [
        (bad.code, "DongBoHoSoMC", "failed")]
    assert "TT-XA-01" in items[0]["answer"]["body"]["message"]

    again = _kiosk(kiosk_home, "central", "portal", "retry", str(items[0]["id"]), "--db",
                   str(path))
    assert again.returncode == 0 and json.loads(again.stdout)["state"] == "pending"
    twice = _kiosk(kiosk_home, "central", "portal", "retry", str(items[0]["id"]), "--db",
                   str(path))
    assert twice.returncode != 0 and "không ở trạng thái lỗi" in twice.stderr
    both = _kiosk(kiosk_home, "central", "portal", "retry", "--all", "--db", str(path))
    assert both.returncode == 0 and json.loads(both.stdout) == []  # nothing failed now
    missing = _kiosk(kiosk_home, "central", "portal", "retry", "999", "--db", str(path))
    assert missing.returncode != 0 and "999" in missing.stderr
