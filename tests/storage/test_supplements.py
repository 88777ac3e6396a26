"""Issue 25 §2: a supplement asked (Mẫu 02, status 5) and received (back to 2), under both
clock rules, against due times computed by hand (3 working days, Mon–Fri, no holiday in
November 2026), and through the CLI with the forms rendered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk import clock, supplement
from kiosk.dossier import Status
from kiosk.errors import KioskError
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store

TZ = clock.TZ
PROC = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def store(kiosk_home: Path) -> Iterator[Store]:
    s = Store(orphan_grace_seconds=None)
    yield s
    s.close()
    clock.set_source(None)


def _received(store: Store, when: str, status: int = 2) -> str:
    clock.set_source(lambda: at(when))
    sha = store.put_file(b"%PDF-1.4 to khai " + when.encode())
    saved = store.save_dossier(DossierInput(
        PROC, ApplicantInput("Lê Văn Cường", id_number="001085001234", email="c@example.vn"),
        channel=2, status=status,
        components=[ComponentInput("Tờ khai", code="TK", pages=[PageInput(sha)])]), "canbo")
    return saved.code


def _scan(store: Store, text: bytes) -> list[tuple[str, str, list[tuple[str, int, str]]]]:
    info = store.put_file_info(b"%PDF-1.4 " + text)
    return [("GXN", "Giấy xác nhận", [(info.sha256, info.size, "application/pdf")])]


@pytest.mark.parametrize(("rule", "new_due"), [
    # Paused Tue 09:00 → Wed 09:00: one working day waited, the due moves Thu → Fri.
    ("pause", "2026-11-06T09:00"),
    # Complete Wed 09:00: three working days again from then (Thu, Fri, Mon).
    ("restart", "2026-11-09T09:00"),
])
def test_supplement_asked_and_received_under_each_rule(store: Store, rule: str,
                                                       new_due: str) -> None:
    store.config.set("supplement.clock_rule", rule)
    code = _received(store, "2026-11-02T09:00")
    assert store.get_dossier(code)["due_at"] == clock.iso(at("2026-11-05T09:00"))
    clock.set_source(lambda: at("2026-11-03T09:00"))
    asked = supplement.ask(store, code, ["Bản sao giấy xác nhận cư trú"], "canbo",
                           contact="Cán bộ Tư pháp 0243 123 456")
    assert asked["status"] == 5 and asked["round"] == 1 and asked["rule"] == rule
    record = store.get_dossier(code)
    assert record["status"] == int(Status.SUPPLEMENT)
    assert record["supplements"][0]["items"] == ["Bản sao giấy xác nhận cư trú"]
    # Waiting for the citizen, asked in time: not overdue even after the old due passes.
    clock.set_source(lambda: at("2026-11-05T16:00"))
    assert code not in {r["code"] for r in store.overdue()}
    clock.set_source(lambda: at("2026-11-04T09:00"))
    before = [p["sha256"] for c in record["components"] for p in c["pages"]]
    got = supplement.receive(store, code, _scan(store, b"giay xac nhan"), "canbo")
    assert got["status"] == int(Status.RECEIVED)
    assert got["due"] == clock.iso(at(new_due))
    record = store.get_dossier(code)
    # Append-only: the earlier pages are all still there, the new one after them.
    after = [p["sha256"] for c in record["components"] for p in c["pages"]]
    assert after[:len(before)] == before and len(after) == len(before) + 1
    assert [c["code"] for c in record["components"]] == ["TK", "GXN"]
    round1 = record["supplements"][0]
    assert round1["previous_due_at"] == clock.iso(at("2026-11-05T09:00"))
    assert round1["new_due_at"] == clock.iso(at(new_due)) and round1["received_by"] == "canbo"
    assert [p["rule"] for p in record["pauses"]] == [rule]


def test_per_procedure_rule_wins_over_the_default(store: Store) -> None:
    store.config.set("supplement.clock_rule", "pause")
    store.config.set("supplement.restart_procedures", [PROC])
    code = _received(store, "2026-11-02T09:00")
    clock.set_source(lambda: at("2026-11-03T09:00"))
    assert supplement.ask(store, code, ["Thiếu ảnh"], "canbo")["rule"] == "restart"
    # A later change of the setting does not move a dossier already waiting.
    store.config.set("supplement.restart_procedures", [])
    clock.set_source(lambda: at("2026-11-04T09:00"))
    got = supplement.receive(store, code, _scan(store, b"anh"), "canbo")
    assert got["due"] == clock.iso(at("2026-11-09T09:00"))


def test_online_dossier_completed_before_acceptance_counts_from_completion(
        store: Store) -> None:
    """Submitted online (1), asked for more before acceptance (5), complete (2): the legal
    clock starts when it is complete, whatever the rule."""
    code = _received(store, "2026-11-02T09:00", status=1)
    assert store.get_dossier(code)["due_at"] is None
    clock.set_source(lambda: at("2026-11-03T09:00"))
    supplement.ask(store, code, ["Ảnh CCCD mờ"], "canbo")
    clock.set_source(lambda: at("2026-11-05T10:00"))
    got = supplement.receive(store, code, _scan(store, b"cccd"), "canbo")
    assert got["due"] == clock.iso(at("2026-11-10T10:00"))


def test_bad_supplements_are_refused(store: Store) -> None:
    code = _received(store, "2026-11-02T09:00")
    with pytest.raises(KioskError):
        supplement.ask(store, code, ["  "], "canbo")
    with pytest.raises(KioskError, match="chờ bổ sung"):
        supplement.receive(store, code, _scan(store, b"x"), "canbo")
    store.change_status(code, int(Status.DONE), "canbo")
    with pytest.raises(KioskError) as closed:
        supplement.ask(store, code, ["Thiếu giấy"], "canbo")
    assert "Đã xử lý xong" in closed.value.message


def test_cli_supplement_with_the_forms(kiosk_home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "KIOSK_HOME": str(kiosk_home)}

    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, text=True,
                              capture_output=True, timeout=120)

    scan = tmp_path / "tk.pdf"
    scan.write_bytes(b"%PDF-1.4 to khai")
    new = kiosk("dossier", "new", "--procedure", PROC, "--name", "Lê Văn Cường",
                "--id-number", "001085001234", "--attach", f"TK={scan}")
    assert new.returncode == 0, new.stderr
    code = json.loads(new.stdout)["code"]
    mau02 = tmp_path / "mau02.pdf"
    asked = kiosk("dossier", "supplement", code, "--ask", "Bản sao giấy khai sinh",
                  "--ask", "Ảnh 4x6", "--contact", "Chị Hoa, 0243 123 456", "--out", str(mau02))
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["status"] == 5
    text = subprocess.run(["pdftotext", str(mau02), "-"], capture_output=True,
                          text=True).stdout
    assert "Bản sao giấy khai sinh" in text and "Ảnh 4x6" in text and code in text
    paper = tmp_path / "giay-khai-sinh.pdf"
    paper.write_bytes(b"%PDF-1.4 giay khai sinh")
    receipt = tmp_path / "bien-nhan.pdf"
    got = kiosk("dossier", "supplement", code, "--attach", f"GKS={paper}", "--out",
                str(receipt))
    assert got.returncode == 0, got.stderr
    out: dict[str, Any] = json.loads(got.stdout)
    assert out["status"] == 2 and out["due"] and out["components"][0]["code"] == "GKS"
    assert "Traceback" not in got.stderr
    # A supplement for a dossier no longer waiting: a clear refusal.
    again = kiosk("dossier", "supplement", code, "--attach", f"GKS={paper}")
    assert again.returncode == 2 and "chờ bổ sung" in again.stderr
    assert "Traceback" not in again.stderr
