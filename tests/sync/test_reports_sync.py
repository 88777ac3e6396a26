"""Issue 13 through the real central server on loopback: apology letters travel with the
record, the province's letter comes back through the change feed, and the server's summary
is the counter's (one pure function over records on both sides)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
import pytest

from kiosk.cli import main
from kiosk.storage import Store
from kiosk.sync import machine
from tests.reports.history import BS, EXPECTED_NOVEMBER, build, controlled_clock, t
from tests.sync.conftest import Central, engine_for


def _expected() -> dict[str, object]:
    from kiosk.catalog import load_catalog

    exp = copy.deepcopy(EXPECTED_NOVEMBER)
    exp["by_procedure"][1]["name"] = load_catalog().get(BS).name  # type: ignore[index]
    return exp


def test_postponements_round_trip_and_server_summary(
        central: Central, store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    admin = {"Authorization": f"Bearer {central.admin_token}"}
    with controlled_clock() as c:
        codes = build(store, c)
        engine = engine_for(store, central.url, central.token)
        engine.run_once()
        assert store.outbox_counts().get("pending", 0) == 0

        # The counter's two letters for D7 are on the server, in the body and its table.
        with httpx.Client(base_url=central.url, headers=admin) as http:
            d7 = store.get_dossier(codes["D7"])
            state = http.get(f"/v1/dossiers/{d7['id']}").json()
            assert [p["letter_number"] for p in state["postponements"]] == [
                "002/2026/PXL-Q1", "003/2026/PXL-Q1"]
            assert state["dossier"]["legal_due_at"] == "2026-11-27T09:00:00+07:00"
            assert state["dossier"]["due_at"] == "2026-12-02T10:00:00+07:00"

            # The province postpones D9 (due Wed Dec 2 10:00) to Fri Dec 4 10:00.
            c.at = t("2026-12-01T14:00")
            r = http.post(f"/v1/admin/dossiers/{codes['D9']}/postpone",
                          json={"new_due_at": "2026-12-04T10:00:00+07:00",
                                "reason": "Chờ ý kiến Sở Tư pháp", "letter_number": "15/STP",
                                "by": "so-tu-phap"})
            assert r.status_code == 200, r.text
            # Not after the current due: refused with a clear answer.
            bad = http.post(f"/v1/admin/dossiers/{codes['D9']}/postpone",
                            json={"new_due_at": "2026-12-03T10:00:00+07:00",
                                  "reason": "x", "letter_number": "16/STP"})
            assert bad.status_code == 422 and bad.json()["error"] == "invalid_new_due"
            # A counter's token may not read the province's report.
            denied = http.get("/v1/reports/summary", params={"from": "2026-11-01",
                                                             "to": "2026-11-30"},
                              headers={"Authorization": f"Bearer {central.token}",
                                       machine.HEADER: machine.machine_id()})
            assert denied.status_code == 403

        c.at = t("2026-12-01T15:00")
        engine.run_once()
        d9 = store.get_dossier(codes["D9"])
        assert d9["due"] == "2026-12-04T10:00:00+07:00"
        assert d9["original_due"] == "2026-12-02T10:00:00+07:00"
        assert [(p["letter_number"], p["origin"]) for p in d9["postponements"]] == [
            ("15/STP", "central")]
        assert any("15/STP" in (e["note"] or "") for e in d9["events"])
        assert "sync.pull_postpone" in [a["action"] for a in store.audit_log(d9["id"])]
        # Pulling again changes nothing (the letter is known by its number).
        engine.run_once()
        assert len(store.get_dossier(codes["D9"])["postponements"]) == 1

        # The counter then moves D9 on: its upload (after a rebase) keeps the letter.
        c.at = t("2026-12-02T09:00")
        store.change_status(codes["D9"], 4, "canbo2")
        engine.run_once()
        with httpx.Client(base_url=central.url, headers=admin) as http:
            state = http.get(f"/v1/dossiers/{d9['id']}").json()
            assert state["status"] == 4
            assert [p["letter_number"] for p in state["postponements"]] == ["15/STP"]
            assert state["dossier"]["postponements"][0]["letter_number"] == "15/STP"

            period = {"from": "2026-11-01", "to": "2026-11-30"}
            one = http.get("/v1/reports/summary", params={**period,
                                                          "unit": "000.00.04.H40"}).json()
            assert one == _expected()
            every = http.get("/v1/reports/summary", params=period).json()
            assert every["units"] == [_expected()]
            assert {k: v for k, v in every.items() if k not in ("units", "unit")} == {
                k: v for k, v in _expected().items() if k != "unit"}
            bad = http.get("/v1/reports/summary", params={"from": "2026-11-30",
                                                          "to": "2026-11-01"})
            assert bad.status_code == 422

    db_path = Path(str(central.db.path))
    code = main(["central", "report", "--db", str(db_path), "--from", "2026-11-01",
                 "--to", "2026-11-30", "--unit", "000.00.04.H40"])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == _expected()
