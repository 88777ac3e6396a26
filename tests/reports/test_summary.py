"""The report over a month of history, against numbers worked out by hand."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main
from kiosk.storage import Store
from tests.reports.history import BS, EXPECTED_NOVEMBER, build, controlled_clock


@pytest.fixture
def history(kiosk_home: Path) -> Any:
    with controlled_clock() as c:
        store = Store(orphan_grace_seconds=None)
        try:
            codes = build(store, c)
            yield store, codes, c
        finally:
            store.close()


def expected() -> dict[str, Any]:
    exp = copy.deepcopy(EXPECTED_NOVEMBER)
    from kiosk.catalog import load_catalog

    exp["by_procedure"][1]["name"] = load_catalog().get(BS).name
    return exp


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_summary_json_matches_hand_computed(history: Any, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    code, out, err = run_cli(capsys, "report", "summary", "--from", "2026-11-01",
                             "--to", "2026-11-30")
    assert code == 0, err
    assert json.loads(out) == expected()


def test_summary_for_one_procedure(history: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "report", "summary", "--from", "2026-11-01",
                              "--to", "2026-11-30", "--procedure", "1.004873")
    assert code == 0
    report = json.loads(out)
    tthn = expected()["by_procedure"][0]
    assert report["received"] == tthn["received"]
    assert report["resolved"] == tthn["resolved"]
    assert report["pending"] == tthn["pending"]
    assert [p["code"] for p in report["by_procedure"]] == ["1.004873"]


def test_postponement_and_pause_on_the_record(history: Any,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    store, codes, _c = history
    _code, out, _err = run_cli(capsys, "dossier", "show", codes["D7"])
    record = json.loads(out)
    assert record["original_due"] == "2026-11-27T09:00:00+07:00"
    assert record["due"] == "2026-12-02T10:00:00+07:00"
    assert [p["letter_number"] for p in record["postponements"]] == [
        "002/2026/PXL-Q1", "003/2026/PXL-Q1"]
    assert [p["previous_due_at"] for p in record["postponements"]] == [
        "2026-11-27T09:00:00+07:00", "2026-11-30T10:00:00+07:00"]
    d3 = store.get_dossier(codes["D3"])
    assert d3["original_due"] == "2026-11-09T10:00:00+07:00"  # pushed by the 8 h pause
    assert d3["pauses"] == [{"started_at": "2026-11-04T09:00:00+07:00",
                             "ended_at": "2026-11-05T09:00:00+07:00",
                             "note": "Thiếu giấy xác nhận cư trú"}]
    actions = [a["action"] for a in store.audit_log(record["id"])]
    assert actions.count("dossier.postpone") == 2
    notes = [e["note"] for e in record["events"] if e["from_status"] == e["to_status"]]
    assert len(notes) == 2 and "003/2026/PXL-Q1" in notes[1]


def test_back_entry_keeps_the_paper_time(history: Any) -> None:
    store, codes, _c = history
    d6 = store.get_dossier(codes["D6"])
    assert "-261110-" in d6["code"]
    assert d6["received_at"] == "2026-11-10T08:00:00+07:00"
    assert d6["entered_at"] == "2026-11-12T10:00:00+07:00"
    assert d6["entered_by"] == "canbo1"
    assert d6["original_due"] == "2026-11-13T08:00:00+07:00"


def test_empty_period_and_bad_input(history: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "report", "summary", "--from", "2026-01-01",
                              "--to", "2026-01-31")
    report = json.loads(out)
    assert report["received"]["total"] == 0 and report["online_share"] is None
    code, _out, err = run_cli(capsys, "report", "summary", "--from", "2026-11-30",
                              "--to", "2026-11-01")
    assert code == 2 and "Khoảng ngày" in err
    code, _out, err = run_cli(capsys, "report", "summary", "--from", "2026-11-01",
                              "--to", "2026-11-30", "--format", "pdf")
    assert code == 2 and "--out" in err
