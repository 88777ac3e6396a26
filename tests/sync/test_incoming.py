"""Issue 25 §1: a dossier submitted online or by post reaches the unit's counters through
the real central server on loopback, and exactly one counter decides it."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import service
from kiosk.config import Config
from kiosk.dossier import Status
from kiosk.errors import KioskError
from kiosk.storage import Store
from kiosk.storage import incoming as local
from kiosk.sync import incoming
from kiosk.sync.errors import SyncFailed
from tests.sync.conftest import UNIT, Central, engine_for


def _pdf() -> bytes:
    """A real one-page PDF, as a citizen's scan sent through the portal."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont("Helvetica-Bold", 28)
    page.drawString(72, 720, "TO KHAI DANG KY KHAI SINH")
    page.rect(60, 300, 470, 380)
    page.showPage()
    page.save()
    return out.getvalue()


def _png() -> bytes:
    """A real photo-like PNG (a phone picture of the birth certificate)."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 800), (245, 240, 225))
    ImageDraw.Draw(img).rectangle((40, 40, 560, 760), outline=(30, 60, 140), width=8)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


PDF = _pdf()
PNG = _png()


def submission(**over: Any) -> dict[str, Any]:
    body = {"unit": UNIT, "channel": 2, "procedure": "1.001193",
            "applicant": {"name": "Nguyễn Thị Lan", "id_number": "001190012345",
                          "phone": "0912345678", "email": "lan@example.vn",
                          "address": "Thôn Đông, xã Yên Sở"},
            "components": [
                {"code": "TK", "filename": "to-khai.pdf",
                 "content_base64": base64.b64encode(PDF).decode()},
                {"code": "GCS", "filename": "giay-chung-sinh.png",
                 "content_base64": base64.b64encode(PNG).decode()}]}
    body.update(over)
    return body


def submit(central: Central, **over: Any) -> httpx.Response:
    return httpx.post(f"{central.url}/v1/admin/incoming", json=submission(**over),
                      headers={"Authorization": f"Bearer {central.admin_token}"})


def second_counter(tmp_path: Path, central: Central) -> tuple[Store, str]:
    config = Config.load()
    config.set("counter.number", 2)
    other = Store(tmp_path / "counter2.sqlite3", tmp_path / "files2", config,
                  orphan_grace_seconds=None)
    return other, service.add_device(central.db, UNIT, "quầy 2")["token"]


def test_submitted_dossier_reaches_the_counter_and_is_accepted(store: Store,
                                                               central: Central) -> None:
    r = submit(central)
    assert r.status_code == 201, r.text
    sub_id = r.json()["id"]
    assert r.json() == {"id": sub_id, "unit": UNIT, "channel": 2}
    engine = engine_for(store, central.url, central.token)
    engine.run_once()
    waiting = store.read(local.waiting)
    assert [w["id"] for w in waiting] == [sub_id]
    assert waiting[0]["applicant"]["name"] == "Nguyễn Thị Lan"
    assert waiting[0]["procedure_name"] == "Đăng ký khai sinh"
    assert store.read(local.count_waiting) == 1

    before = store.read(lambda db: db.execute("SELECT count(*) FROM dossiers").fetchone()[0])
    out = incoming.accept(engine, sub_id, "clerk1")
    assert out["status"] == 2 and out["channel"] == 2 and out["due"]
    record = store.get_dossier(out["code"])
    assert record["channel"] == 2 and record["status"] == int(Status.RECEIVED)
    # The files came down and hash to their names; the dossier lists them.
    shas = [p["sha256"] for c in record["components"] for p in c["pages"]]
    assert len(shas) == 2
    for sha in shas:
        assert store.files.path_for(sha).read_bytes() in (PDF, PNG)
    assert store.read(lambda db: db.execute("SELECT count(*) FROM dossiers").fetchone()[0]) \
        == before + 1
    assert store.read(local.waiting) == []
    # The normal push takes it to the server, where the unit already holds its files.
    result = engine.run_once()
    assert result["ok"], result
    with central.db.transaction(write=False) as tx:
        row = tx.one("SELECT status, body FROM dossiers WHERE code = ?", (out["code"],))
    assert row is not None and row["status"] == 2
    assert json.loads(row["body"])["channel"] == 2
    # Accepting again here answers the same dossier (a retry after a lost answer).
    assert incoming.accept(engine, sub_id, "clerk1")["code"] == out["code"]


def test_two_counters_one_winner(store: Store, central: Central, tmp_path: Path) -> None:
    sub_id = submit(central, channel=3).json()["id"]
    other, token2 = second_counter(tmp_path, central)
    try:
        first = engine_for(store, central.url, central.token)
        second = engine_for(other, central.url, token2)
        first.run_once()
        second.run_once()
        assert [w["channel"] for w in other.read(local.waiting)] == [3]
        won = incoming.accept(first, sub_id, "clerk1")
        with pytest.raises(incoming.AlreadyDecided) as lost:
            incoming.accept(second, sub_id, "clerk2")
        assert "quầy khác" in lost.value.message
        # The loser's list no longer shows it, and it made no dossier.
        assert other.read(local.waiting) == []
        assert other.read(lambda db: db.execute("SELECT count(*) FROM dossiers").fetchone()[0]) \
            == 0
        # A third look at the feed (the decision event) changes nothing more.
        second.run_once()
        assert other.read(lambda db: local.get(db, sub_id))["state"] == "taken"
        assert store.get_dossier(won["code"])["channel"] == 3
    finally:
        other.close()


def test_refusal_makes_a_refused_dossier(store: Store, central: Central,
                                         tmp_path: Path) -> None:
    sub_id = submit(central).json()["id"]
    engine = engine_for(store, central.url, central.token)
    engine.run_once()
    with pytest.raises(KioskError):
        incoming.refuse(engine, sub_id, "  ", "clerk1")
    out = incoming.refuse(engine, sub_id, "Giấy chứng sinh không rõ nét", "clerk1")
    record = store.get_dossier(out["code"])
    assert record["status"] == int(Status.REFUSED) and record["due_at"] is None
    assert record["events"][-1]["note"] == "Giấy chứng sinh không rõ nét"
    assert engine.run_once()["ok"]
    with central.db.transaction(write=False) as tx:
        row = tx.one("SELECT status, refused_at FROM dossiers WHERE code = ?", (out["code"],))
        sub = tx.one("SELECT state, reason FROM incoming_dossiers WHERE id = ?", (sub_id,))
    assert row is not None and row["status"] == 3 and row["refused_at"]
    assert sub == {"state": "refused", "reason": "Giấy chứng sinh không rõ nét"}
    from kiosk.forms.notices import render_notice

    pdf = render_notice(store, out["code"], "03", ["Giấy chứng sinh không rõ nét"]).pdf
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout
    assert "Giấy chứng sinh không rõ nét" in text.decode()


@pytest.mark.parametrize(("over", "error"), [
    ({"unit": "999.99.99.X99"}, "unknown_unit"),
    ({"procedure": "9.999999"}, "unknown_procedure"),
    ({"applicant": {"name": "Lan", "id_number": "12345"}}, "invalid_id_number"),
    ({"applicant": {"name": "Lan", "id_number": "099190012345"}}, "invalid_id_number"),
    ({"components": [{"code": "TK", "content_base64": base64.b64encode(PDF).decode()}]},
     "missing_attachment"),
    ({"components": [{"code": "TK", "content_base64": ""}]}, "missing_file"),
    ({"components": [{"code": "TK", "content_base64": base64.b64encode(b"MZ exe").decode()}]},
     "invalid_file"),
    ({"components": [{"code": "XX", "content_base64": base64.b64encode(PDF).decode()}]},
     "unknown_component"),
])
def test_bad_submissions_are_refused_clearly(central: Central, over: dict[str, Any],
                                             error: str) -> None:
    r = submit(central, **over)
    assert r.status_code == 422 and r.json()["error"] == error, r.text
    assert r.json()["message"]
    with central.db.transaction(write=False) as tx:
        assert tx.one("SELECT count(*) AS n FROM incoming_dossiers")["n"] == 0


def test_counters_cannot_submit_or_read_another_units(central: Central) -> None:
    r = httpx.post(f"{central.url}/v1/admin/incoming", json=submission(),
                   headers={"Authorization": f"Bearer {central.token}",
                            "Kiosk-Machine": "0" * 64})
    assert r.status_code == 403
    other = service.add_device(central.db, "000.00.05.H40", "xã khác")["token"]
    sub_id = submit(central).json()["id"]
    r = httpx.get(f"{central.url}/v1/incoming/{sub_id}",
                  headers={"Authorization": f"Bearer {other}", "Kiosk-Machine": "1" * 64})
    assert r.status_code == 404


def test_deciding_needs_the_server(store: Store, central: Central) -> None:
    sub_id = submit(central).json()["id"]
    engine = engine_for(store, central.url, central.token)
    engine.run_once()
    engine.http.close()
    dead = engine_for(store, "http://127.0.0.1:9", central.token)
    with pytest.raises(SyncFailed):
        incoming.accept(dead, sub_id, "clerk1")
    # Still waiting, no dossier made.
    assert [w["id"] for w in store.read(local.waiting)] == [sub_id]


def test_cli_submit_list_accept_refuse(central: Central, kiosk_home: Path,
                                       tmp_path: Path) -> None:
    env_home = {"KIOSK_HOME": str(kiosk_home)}
    import os

    env = {**os.environ, **env_home,
           "PYTHON_KEYRING_BACKEND": "kiosk.sync.demo_keyring.DemoFileKeyring"}

    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, text=True,
                              capture_output=True, timeout=120)

    folder = tmp_path / "portal"
    folder.mkdir()
    (folder / "tk.pdf").write_bytes(PDF)
    (folder / "gcs.pdf").write_bytes(PDF)
    spec = {"procedure": "1.001193",
            "applicant": {"name": "Trần Văn Bình", "id_number": "001090054321",
                          "phone": "0987654321", "email": "", "address": "Hà Nội"},
            "components": [{"code": "TK", "file": "tk.pdf"}, {"code": "GCS", "file": "gcs.pdf"}]}
    (folder / "sub.json").write_text(json.dumps(spec, ensure_ascii=False))
    db = str(central.db.url) if hasattr(central.db, "url") else ""
    assert db
    done = kiosk("central", "dossier", "submit", "--db", db, "--blobs", str(central.blobs.root),
                 "--unit", UNIT, "--channel", "2", str(folder / "sub.json"))
    assert done.returncode == 0, done.stderr
    sub = json.loads(done.stdout)
    assert set(sub) == {"id", "unit", "channel"} and sub["channel"] == 2
    # A missing attachment and a bad unit: clear refusals, no traceback.
    spec_missing = {**spec, "components": [{"code": "TK", "file": "nowhere.pdf"}]}
    (folder / "bad.json").write_text(json.dumps(spec_missing))
    bad = kiosk("central", "dossier", "submit", "--db", db, "--blobs", str(central.blobs.root),
                "--unit", UNIT, "--channel", "2", str(folder / "bad.json"))
    assert bad.returncode != 0 and "nowhere.pdf" in bad.stderr and "Traceback" not in bad.stderr
    bad = kiosk("central", "dossier", "submit", "--db", db, "--blobs", str(central.blobs.root),
                "--unit", "000.00.99.X99", "--channel", "2", str(folder / "sub.json"))
    assert bad.returncode != 0 and "000.00.99.X99" in bad.stderr

    enrolled = kiosk("sync", "enroll", "--server", central.url, "--token", central.token)
    assert enrolled.returncode == 0, enrolled.stderr
    listed = kiosk("dossier", "incoming")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["channel"], r["procedure"]) for r in rows] == \
        [(sub["id"], 2, "1.001193")]
    assert rows[0]["applicant"]["name"] == "Trần Văn Bình" and rows[0]["submitted_at"]
    accepted = kiosk("dossier", "accept", sub["id"], "--actor", "clerk1")
    assert accepted.returncode == 0, accepted.stderr
    out = json.loads(accepted.stdout)
    assert out["code"].startswith(UNIT) and out["due"] and out["status"] == 2
    again = kiosk("dossier", "refuse", sub["id"], "--reason", "Thiếu giấy")
    assert again.returncode != 0 and "Traceback" not in again.stderr

    sub2 = json.loads(kiosk("central", "dossier", "submit", "--db", db, "--blobs",
                            str(central.blobs.root), "--unit", UNIT, "--channel", "3",
                            str(folder / "sub.json")).stdout)
    assert kiosk("dossier", "incoming").returncode == 0
    pdf = tmp_path / "mau03.pdf"
    refused = kiosk("dossier", "refuse", sub2["id"], "--reason", "Không thuộc thẩm quyền",
                    "--out", str(pdf))
    assert refused.returncode == 0, refused.stderr
    assert json.loads(refused.stdout)["status"] == 3
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Không thuộc thẩm quyền" in text and json.loads(refused.stdout)["code"] in text



def test_supplement_round_reaches_the_portal_export(store: Store, central: Central) -> None:
    """§2: the supplement asked and received travels to the server; the export lists it in
    DanhSachHoSoBoSung with the old and the new due date."""
    from central.portal import export_dossier
    from kiosk import supplement

    sha = store.put_file(PDF)
    from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput

    saved = store.save_dossier(DossierInput(
        "1.004873", ApplicantInput("Lê Văn Cường", id_number="001085001234"),
        return_method="post",
        components=[ComponentInput("Tờ khai", code="TK", pages=[PageInput(sha)])]), "canbo")
    supplement.ask(store, saved.code, ["Bản sao giấy khai sinh"], "canbo")
    info = store.put_file_info(PNG)
    from datetime import timedelta

    from kiosk import clock

    later = clock.now() + timedelta(days=2)  # the citizen comes back two days later
    clock.set_source(lambda: later)
    try:
        supplement.receive(store, saved.code, [("GKS", "Giấy khai sinh",
                                                [(info.sha256, info.size, "image/png")])],
                           "canbo")
    finally:
        clock.set_source(None)
    engine = engine_for(store, central.url, central.token)
    # Both the first upsert (queued at reception) and the supplement's went unsent: the
    # first one's body already names the new page, which then goes up with it.
    engine.run_once()
    result = engine.run_once(ignore_backoff=True)
    assert result["ok"], (result.get("error"), result.get("last_error"), result.get("hint"))
    row = service.find_dossier(central.db, code=saved.code)
    assert row is not None and row["status"] == 2
    out = export_dossier(service.dossier_state(row))
    assert out["HinhThuc"] == 1
    [item] = out["DanhSachHoSoBoSung"]
    assert item["NoiDungBoSung"] == "Bản sao giấy khai sinh" and item["TrangThaiBoSung"]
    assert item["NgayHenTraTruoc"] and item["NgayHenTraMoi"] > item["NgayHenTraTruoc"]
    assert item["DanhSachGiayToBoSung"] == [{"MaThanhPhanHoSo": "GKS",
                                             "TenGiayTo": "Giấy khai sinh"}]
    # The new page is on the server with the first one (nothing replaced).
    assert {f["MaThanhPhanHoSo"] for f in out["TaiLieuNop"]} == {"TK", "GKS"}
    assert {f["DuocTaiSuDung"] for f in out["TaiLieuNop"]} == {0}  # both handed in


def test_export_says_which_papers_came_from_a_national_database(store: Store,
                                                                central: Central) -> None:
    from central.portal import export_dossier
    from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput

    sha, other = store.put_file(PDF), store.put_file(_pdf() + b"\n% trich luc")
    saved = store.save_dossier(DossierInput(
        "1.004873", ApplicantInput("Lê Văn Cường", id_number="001085001234"),
        components=[ComponentInput("Tờ khai", code="TK", pages=[PageInput(sha)]),
                    ComponentInput("Trích lục", code="TL", from_national_db=True,
                                   pages=[PageInput(other)])]), "canbo")
    assert engine_for(store, central.url, central.token).run_once()["ok"]
    row = service.find_dossier(central.db, code=saved.code)
    assert row is not None
    files = export_dossier(service.dossier_state(row))["TaiLieuNop"]
    assert {f["MaThanhPhanHoSo"]: f["DuocTaiSuDung"] for f in files} == {"TK": 0, "TL": 1}
