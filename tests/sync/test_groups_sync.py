"""Issue 25 §3: a birth group taken with the command line, its one receipt decoded, and its
three dossiers synced to the real central server on loopback, which keeps the group."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from central import service
from kiosk.storage import Store
from tests.sync.conftest import UNIT, Central, engine_for
from tests.sync.test_incoming import PDF, PNG

pytestmark = pytest.mark.skipif(not Path("/usr/bin/pdftoppm").exists(),
                                reason="pdftoppm (poppler-utils) is not installed")


def test_cli_birth_group_receipt_and_sync(central: Central, kiosk_home: Path,
                                          tmp_path: Path) -> None:
    env = {**os.environ, "KIOSK_HOME": str(kiosk_home),
           "PYTHON_KEYRING_BACKEND": "kiosk.sync.demo_keyring.DemoFileKeyring"}
    env.pop("KIOSK_LANG", None)

    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, text=True,
                              capture_output=True, timeout=180)

    assert kiosk("config", "set", "unit.code", UNIT).returncode == 0
    (tmp_path / "gcs.png").write_bytes(PNG)
    (tmp_path / "tk.pdf").write_bytes(PDF)
    (tmp_path / "ct01.pdf").write_bytes(PDF + b"\n% CT01\n")
    receipt = tmp_path / "bien-nhan.pdf"
    done = kiosk("dossier", "new", "--group", "KS-TT-BHYT", "--name", "Phạm Thị Lan",
                 "--id-number", "001190054321", "--phone", "0987654321",
                 "--attach", f"GCS={tmp_path / 'gcs.png'}",
                 "--attach", f"1.001193:TK={tmp_path / 'tk.pdf'}",
                 "--attach", f"CT01={tmp_path / 'ct01.pdf'}", "--out", str(receipt))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["group"] == "KS-TT-BHYT" and out["receipt"] == str(receipt)
    codes = [d["code"] for d in out["dossiers"]]
    assert [d["procedure"] for d in out["dossiers"]] == ["1.001193", "1.004222", "1.013131"]
    assert all(d["due"] for d in out["dossiers"])

    # ONE receipt: one page, every code as a Code128 barcode the counter's scanner reads.
    pages = subprocess.run(["pdfinfo", str(receipt)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", pages, re.M), pages
    png = tmp_path / "receipt"
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(receipt), str(png)], check=True)
    decoded = kiosk("decode", str(tmp_path / "receipt-1.png"))
    assert decoded.returncode == 0, decoded.stderr
    reads = [json.loads(line) for line in decoded.stdout.splitlines()]
    assert sorted(r["text"] for r in reads if r["symbology"] == "code128") == codes
    text = subprocess.run(["pdftotext", str(receipt), "-"], capture_output=True,
                          text=True).stdout
    for needle in ("Đăng ký khai sinh", "Đăng ký thường trú", "Công an xã",
                   "Bảo hiểm xã hội cơ sở", "Phạm Thị Lan", "dùng chung cho 2 hồ sơ"):
        assert needle in text, needle

    # Sync: the three dossiers, the shared scan uploaded once, the group on the server.
    assert kiosk("sync", "enroll", "--server", central.url, "--token",
                 central.token).returncode == 0
    synced = kiosk("sync", "--once", "--now")
    assert synced.returncode == 0, synced.stderr
    with central.db.transaction(write=False) as tx:
        rows = tx.all("SELECT d.code, g.group_id, g.group_code FROM dossier_groups g "
                      "JOIN dossiers d ON d.id = g.dossier_id ORDER BY d.code")
        bodies = {r["code"]: json.loads(r["body"]) for r in tx.all(
            "SELECT code, body FROM dossiers")}
        page_rows = tx.one("SELECT count(*) AS n FROM dossier_pages")
        blob_rows = tx.one("SELECT count(*) AS n FROM blobs")
    assert [r["code"] for r in rows] == codes
    assert {r["group_id"] for r in rows} == {out["group_id"]}
    assert {r["group_code"] for r in rows} == {"KS-TT-BHYT"}
    for code in codes:
        assert bodies[code]["group"]["dossiers"] == codes
    # TK, CT01, and the birth certificate in two dossiers: four pages, three files.
    assert page_rows is not None and blob_rows is not None
    assert (page_rows["n"], blob_rows["n"]) == (4, 3)

    # Each dossier moves on its own, on the server too; the group stays on each.
    service.set_status(central.db, codes[1], 4, note="Công an xã đang xử lý")
    assert kiosk("sync", "--once", "--now").returncode == 0
    shown = [json.loads(kiosk("dossier", "show", c).stdout) for c in codes]
    assert [s["status"] for s in shown] == [2, 4, 2]
    assert all(s["group"]["id"] == out["group_id"] for s in shown)


def test_server_refuses_a_dossier_leaving_its_group(central: Central, kiosk_home: Path
                                                   ) -> None:
    """The group travels with every later version; a body dropping or changing it is
    refused, and a body whose group does not list it too."""
    from kiosk.group_intake import group_inputs, save_group
    from kiosk.storage import ApplicantInput, PageInput

    store = Store(orphan_grace_seconds=None)
    try:
        store.config.set("unit.code", UNIT)
        sha = store.put_file(PDF)
        catalog = store.catalog
        group = catalog.group("KT-XTT-MT")
        inputs = group_inputs(catalog, group, ApplicantInput("Võ Văn Tám",
                                                             id_number="001070012345"),
                              pages={"GBT": [PageInput(sha)]})
        out = save_group(store, group, inputs, "clerk1")
        assert engine_for(store, central.url, central.token).run_once()["ok"]
        code = out["dossiers"][0]["code"]
        state = service.dossier_state(service.find_dossier(central.db, code=code) or {})
        from kiosk.sync.payload import dossier_body

        body = dossier_body(store.get_dossier_by_id(state["id"]), 2, state["server_version"])
    finally:
        store.close()
    from kiosk.sync import machine

    headers = {"Authorization": f"Bearer {central.token}", machine.HEADER: machine.machine_id()}
    with httpx.Client(base_url=central.url, headers=headers) as http:
        for changed, error in ((None, "group_changed"),
                               ({**body["group"], "id": "01a250df-dbb7-727f-aeb6-"
                                 "34ebf57a5f64"}, "group_changed")):
            sent = {k: v for k, v in body.items() if k != "group"}
            if changed is not None:
                sent["group"] = changed
            answer = http.put(f"/v1/dossiers/{state['id']}", json=sent,
                              headers={"Idempotency-Key": f"t-{error}-{changed is None}"})
            assert answer.status_code == 422, answer.text
            assert answer.json()["error"] == error
