"""The citizen screen's core: what reaches the citizen's screen, the ticket, the queue's
checks on server answers, rating validation and the CLI's errors."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import load_catalog
from kiosk.citizen import board
from kiosk.citizen.queue import offline_label, parse_services, valid_ticket
from kiosk.citizen.ticket import render_ticket
from kiosk.clock import TZ, now
from kiosk.errors import InvalidInput
from kiosk.intake import IntakeSession
from kiosk.storage import ApplicantInput, DossierInput, Store
from kiosk.storage.citizen import CitizenStore
from kiosk.working_time import WorkingCalendar

ROOT = Path(__file__).resolve().parents[2]


def test_masking_and_initials() -> None:
    assert board.mask_id("036085007788") == "••••••••7788"
    assert board.mask_id("") == ""
    assert board.initials("Phạm  Quốc Việt") == "P. Q. V."
    assert board.initials("đinh thị huyền") == "Đ. T. H."


def test_board_search_ignores_diacritics_and_shows_what_to_bring() -> None:
    catalog = load_catalog()
    found = board.board(catalog, "chung thuc", "Bộ phận một cửa")
    assert found and all("Chứng thực" in e["name"] or "chứng thực" in e["name"] for e in found)
    birth = board.board(catalog, "dang ky khai sinh", "Bộ phận một cửa")[0]
    assert birth["code"] == "1.001193"
    assert birth["documents"][0]["name"].startswith("Tờ khai")
    assert birth["fees"] and birth["processing"] and birth["resultPlace"] == "Bộ phận một cửa"
    # The QR modules are a real QR code of the catalog's URL.
    assert birth["url"].endswith("1.001193") and len(birth["qr"]) == len(birth["qr"][0]) >= 21
    no_url = next(p for p in catalog.procedures if not p.url)
    assert board.board_entry(no_url, "x")["qr"] == []


def _session(catalog: Any) -> IntakeSession:
    s = IntakeSession()
    s.choose_procedure(catalog.get("1.001193"))
    s.set_applicant_field("name", "Phạm Quốc Việt")
    s.set_applicant_field("id_number", "036085007788")
    s.set_applicant_field("phone", "0868123456")
    s.components[0].checked = True
    return s


def test_check_view_masks_the_id_and_its_digest_follows_the_data() -> None:
    catalog = load_catalog()
    calendar = WorkingCalendar()
    s = _session(catalog)
    view = board.check_view(s, catalog, calendar, now())
    assert view["idNumber"] == "••••••••7788" and "036085007788" not in json.dumps(view)
    assert view["documents"][0]["name"].startswith("Tờ khai") and view["due"]
    again = board.check_view(s, catalog, calendar, now())
    assert again["digest"] == view["digest"]
    # "3 working days" moves with the clock, minute by minute; the confirmation must not.
    s.choose_procedure(catalog.get("1.004873"))
    s.set_applicant_field("name", "Phạm Quốc Việt")
    at = datetime(2026, 12, 1, 9, 31, tzinfo=TZ)
    early = board.check_view(s, catalog, calendar, at)
    late = board.check_view(s, catalog, calendar, at + timedelta(minutes=2))
    assert early["due"] != late["due"] and early["digest"] == late["digest"]
    s.choose_procedure(catalog.get("1.001193"))
    s.set_applicant_field("name", "Phạm Quốc Việt")
    s.components[0].checked = True
    s.set_applicant_field("name", "Phạm Quốc Vinh")
    assert board.check_view(s, catalog, calendar, now())["digest"] != view["digest"]


def test_status_by_receipt_shows_initials_only(tmp_path: Path) -> None:
    with Store(tmp_path / "k.sqlite3", tmp_path / "files", orphan_grace_seconds=None) as store:
        saved = store.save_dossier(DossierInput("1.001193", ApplicantInput(
            "Phạm Quốc Việt", id_number="036085007788", phone="0868123456",
            address="Thôn Nam")), actor="clerk1")
        view = board.status_view(store.get_dossier(saved.code))
    text = json.dumps(view, ensure_ascii=False)
    for private in ("Phạm", "036085007788", "0868123456", "Thôn Nam"):
        assert private not in text
    assert view["initials"] == "P. Q. V." and view["due"] and view["status"] == 2


def test_ticket_is_an_80mm_slip_with_number_group_and_people_ahead(tmp_path: Path) -> None:
    ticket = {"label": "A017", "service": "A", "serviceName": "Tiếp nhận hồ sơ", "ahead": 3,
              "taken_at": "2026-12-01T08:05:00+07:00"}
    pdf, height_mm = render_ticket(ticket, "UBND xã Mẫu", "Trung tâm Phục vụ hành chính công")
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "A017" in text and "Tiếp nhận hồ sơ" in text and "Số người đang chờ trước: 3" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    assert "226.772 x" in info  # 80 mm wide
    assert 40 < height_mm < 120
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout
    assert "BeVietnamPro" in fonts  # the bundled font, embedded


def test_queue_checks_the_servers_answer() -> None:
    good = {"id": str(uuid.uuid4()), "day": "2026-12-01", "service": "A", "number": 5,
            "label": "A005", "taken_at": "2026-12-01T08:00:00+07:00", "state": "waiting"}
    assert valid_ticket(good, "A")["label"] == "A005"
    assert valid_ticket(good, "B") is None  # not the group asked for
    assert valid_ticket({**good, "label": "A2-05"}, "A") is None  # not a server number
    assert valid_ticket({**good, "id": "x"}, "A") is None
    assert valid_ticket({**good, "state": "lost"}, "A") is None
    assert valid_ticket(["A005"], "A") is None
    assert parse_services(["A=Tiếp nhận hồ sơ", "B=Trả kết quả"]) == {
        "A": "Tiếp nhận hồ sơ", "B": "Trả kết quả"}
    assert offline_label("A", 2, 7) == "A2-07"


def test_rating_rules(tmp_path: Path) -> None:
    with Store(tmp_path / "k.sqlite3", tmp_path / "files", orphan_grace_seconds=None) as store:
        saved = store.save_dossier(DossierInput("1.001193", ApplicantInput("Lê Thị Hoa")),
                                   actor="clerk1")
        citizen = CitizenStore(store)

        def rate(**kw: Any) -> Any:
            args = {"rating_id": str(uuid.uuid4()), "dossier_id": saved.id,
                    "occasion": "intake", "level": 3, "reason": "", "clerk": "clerk1",
                    "counter": 1, **kw}
            return citizen.add_rating(**args)

        with pytest.raises(InvalidInput):
            rate(level=1)  # "không hài lòng" needs a reason
        with pytest.raises(InvalidInput):
            rate(level=4)
        assert rate(level=2, reason="time")["reason"] == ""  # a reason only for level 1
        with pytest.raises(InvalidInput):
            rate()  # once per occasion
        assert rate(occasion="return", level=1, reason="attitude")["level"] == 1
        assert store.outbox_counts()["pending"] == 3  # the dossier and its two ratings


def test_cli_bad_input_exits_2_with_a_vietnamese_message(kiosk_home: Path) -> None:
    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                              text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT),
                                                        "KIOSK_HOME": str(kiosk_home),
                                                        "PATH": "/usr/bin:/bin"})

    bad = kiosk("queue", "take", "--service", "Z", "--no-print")
    assert bad.returncode == 2 and "Không có nhóm dịch vụ «Z»" in bad.stderr
    assert "Traceback" not in bad.stderr
    took = kiosk("queue", "take", "--no-print")
    assert took.returncode == 0 and json.loads(took.stdout)["label"] == "A1-01"
    status = json.loads(kiosk("queue", "status").stdout)
    assert status["mode"] == "local" and status["services"][0]["waiting"] == 1
    wrong = kiosk("rating", "report", "--from", "2026-12-02", "--to", "2026-12-01")
    assert wrong.returncode == 2 and "trước ngày bắt đầu" in wrong.stderr


def test_cli_ticket_prints_through_cups(kiosk_home: Path, cups: Any) -> None:
    env = {"PYTHONPATH": str(ROOT), "KIOSK_HOME": str(kiosk_home), "PATH": "/usr/bin:/bin",
           "CUPS_SERVER": cups.socket}
    subprocess.run([sys.executable, "-m", "kiosk", "config", "set", "printer.name",
                    "KioskPDF"], env=env, cwd=ROOT, check=True, capture_output=True)
    took = subprocess.run([sys.executable, "-m", "kiosk", "queue", "take", "--service", "B"],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    assert took.returncode == 0, took.stderr
    ticket = json.loads(took.stdout)
    assert ticket["label"] == "B1-01" and ticket["print"]["media"].startswith("Custom.80x")
    printed = cups.printed(ticket["print"]["job"])
    text = subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "B1-01" in text

