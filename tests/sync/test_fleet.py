"""Issue 26 §1–2 end to end: the province publishes on the real central server, counters
(each with its own data directory) take it through sync, and report their health."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from central import fleet, service
from central.fleet_routes import HealthReport
from kiosk import clock, publications
from kiosk.catalog import SAMPLE_CATALOG
from kiosk.errors import KioskError
from kiosk.storage import ApplicantInput, DossierInput, Store
from tests.sync.conftest import UNIT, Central, engine_for

ROOT = Path(__file__).resolve().parents[2]


def catalog_bytes(version: str, *, name: str = "Đăng ký khai sinh (mẫu mới)",
                  days: float = 3, unit: str = "working_days") -> bytes:
    data = json.loads(SAMPLE_CATALOG.read_text(encoding="utf-8"))
    data["version"] = version
    proc = next(p for p in data["procedures"] if p["code"] == "1.001193")
    proc["name"] = name
    proc["processing"] = {"unit": unit, "value": days}
    return json.dumps(data, ensure_ascii=False).encode()


def calendar_bytes(version: str, days_off: list[str]) -> bytes:
    return json.dumps({"schema": 1, "version": version,
                       "days_off": [{"date": d, "source": "Quyết định của UBND tỉnh"}
                                    for d in days_off],
                       "working_days": []}, ensure_ascii=False).encode()


class Counter:
    """One counter: its own data directory (KIOSK_HOME), store and sync engine."""

    def __init__(self, home: Path, url: str, token: str, monkeypatch: pytest.MonkeyPatch):
        self.home, self.monkeypatch = home, monkeypatch
        home.mkdir(parents=True, exist_ok=True)
        self.use()
        self.store = Store(orphan_grace_seconds=None)
        self.engine = engine_for(self.store, url, token)
        self.engine.device_states = lambda: {
            "printers": [{"name": "KioskPDF", "state": "ready"}],
            "scanners": [{"name": "test:0", "state": "ready"}]}

    def use(self) -> None:
        self.monkeypatch.setenv("KIOSK_HOME", str(self.home))

    def sync(self) -> dict[str, Any]:
        self.use()
        return self.engine.run_once()

    def save(self, catalog_version: str | None = None) -> Any:
        self.use()
        inp = DossierInput("1.001193", ApplicantInput("Đinh Thị Huyền", id_number="001158024485"),
                           catalog_version=catalog_version)
        return self.store.save_dossier(inp, actor="clerk1")


@pytest.fixture
def two_counters(central: Central, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    other = service.add_device(central.db, UNIT, "quầy 2")["token"]
    a = Counter(tmp_path / "counter-a", central.url, central.token, monkeypatch)
    b = Counter(tmp_path / "counter-b", central.url, other, monkeypatch)
    yield a, b
    a.store.close()
    b.store.close()


def procedure_row(counter: Counter, code: str) -> tuple[str, str]:
    row = counter.store.read(lambda db: db.execute(
        "SELECT d.catalog_version, p.name FROM dossiers d JOIN procedures p ON"
        " p.catalog_version = d.catalog_version AND p.code = d.procedure_code"
        " WHERE d.code = ?", (code,)).fetchone())
    return row[0], row[1]


def test_published_catalog_reaches_two_counters_and_open_intakes_keep_theirs(
        central: Central, two_counters: tuple[Counter, Counter]) -> None:
    a, b = two_counters
    before = a.store.catalog.version
    first = a.save()
    # An intake opened under the old catalog is still open when the new one arrives.
    opened_under = a.store.catalog.version
    fleet.publish(central.db, "catalog", catalog_bytes("2099.1.1"), by="tỉnh")
    result = a.sync()
    assert result["ok"], result
    assert result["fleet"]["catalog"] == {"changed": True, "version": "2099.1.1",
                                          "state": "published"}
    a.use()
    status = publications.catalog_status(a.store.config)
    assert status["version"] == "2099.1.1" and status["source"] == "central"
    assert a.store.catalog.get("1.001193").name == "Đăng ký khai sinh (mẫu mới)"
    # The dossier received before keeps its version; the open intake saves under its own;
    # a new intake takes the new catalog.
    assert procedure_row(a, first.code) == (before, "Đăng ký khai sinh")
    late = a.save(catalog_version=opened_under)
    assert procedure_row(a, late.code) == (before, "Đăng ký khai sinh")
    new = a.save()
    assert procedure_row(a, new.code) == ("2099.1.1", "Đăng ký khai sinh (mẫu mới)")
    # The second counter, with its own data, gets it too.
    assert b.sync()["fleet"]["catalog"]["changed"] is True
    b.use()
    assert publications.catalog_status(b.store.config)["version"] == "2099.1.1"
    # A second pass downloads nothing (the server answers 304 to the known version).
    assert a.sync()["fleet"]["catalog"] == {"changed": False, "version": "2099.1.1"}
    # The province sees both counters on the published version, nothing wrong.
    seen = fleet.devices(central.db)
    assert [d["health"]["catalog_version"] for d in seen] == ["2099.1.1", "2099.1.1"]
    assert all(d["ok"] and not d["problems"] for d in seen), seen
    assert fleet.publications(central.db, "catalog")[0]["counters"] == 2


def test_malformed_publication_refused_on_server_and_on_counter(
        central: Central, two_counters: tuple[Counter, Counter]) -> None:
    a, _b = two_counters
    fleet.publish(central.db, "catalog", catalog_bytes("2099.1.1"))
    a.sync()
    bad = catalog_bytes("2099.1.2", days=-4)
    with pytest.raises(KioskError, match="thời hạn phải lớn hơn 0"):
        fleet.publish(central.db, "catalog", bad)
    assert [p["version"] for p in fleet.publications(central.db)] == ["2099.1.1"]
    # Forced into the database past the server's check: the counter refuses it too.
    with central.db.transaction() as tx:
        tx.execute("INSERT INTO publications (kind, version, state, content, sha256,"
                   " created_at, created_by, published_at) VALUES ('catalog', '2099.1.2',"
                   " 'published', ?, ?, ?, 'tay', ?)",
                   (bad.decode(), "0" * 64, clock.iso(clock.now()), clock.iso(clock.now())))
    result = a.sync()
    refused = result["fleet"]["catalog"]["refused"]
    assert refused.startswith("2099.1.2: Danh mục thủ tục không hợp lệ"), refused
    a.use()
    assert publications.catalog_status(a.store.config)["version"] == "2099.1.1"
    assert a.store.catalog.version == "2099.1.1"
    mine = next(d for d in fleet.devices(central.db) if d["name"] == "quầy 1")
    assert "catalog_refused" in mine["problems"] and "catalog_behind" in mine["problems"]
    assert mine["health"]["catalog_refused"] == refused
    # A correct publication after it clears the refusal.
    fleet.publish(central.db, "catalog", catalog_bytes("2099.1.3"))
    assert a.sync()["fleet"]["catalog"]["changed"] is True
    mine = next(d for d in fleet.devices(central.db) if d["name"] == "quầy 1")
    assert mine["problems"] == [] and mine["health"]["catalog_refused"] is None


def test_published_calendar_moves_due_times(central: Central,
                                            two_counters: tuple[Counter, Counter]) -> None:
    a, _b = two_counters
    fleet.publish(central.db, "catalog", catalog_bytes("2099.1.1", days=1))
    a.sync()
    monday = date(2027, 3, 1)
    received = clock.to_local(clock.parse_iso("2027-03-01T09:00:00+07:00"))
    proc = a.store.catalog.get("1.001193")
    due_before = a.store.calendar.due(received, proc.processing)
    assert due_before.date() == monday + timedelta(days=1)
    fleet.publish(central.db, "calendar", calendar_bytes("2027.1.1", ["2027-03-02"]))
    assert a.sync()["fleet"]["calendar"]["changed"] is True
    a.use()
    assert publications.calendar_status() == {"version": "2027.1.1", "source": "central"}
    due_after = a.store.calendar.due(received, proc.processing)
    assert due_after.date() == monday + timedelta(days=2)
    with pytest.raises(KioskError, match="vừa là ngày nghỉ vừa là ngày làm bù"):
        fleet.publish(central.db, "calendar", json.dumps(
            {"schema": 1, "version": "2027.1.2", "days_off": ["2027-03-03"],
             "working_days": ["2027-03-03"]}).encode())


def test_draft_reaches_only_its_pilot_until_promoted(
        central: Central, two_counters: tuple[Counter, Counter]) -> None:
    a, b = two_counters
    fleet.publish(central.db, "catalog", catalog_bytes("2099.1.1"))
    a_id = next(d["id"] for d in service.list_devices(central.db) if d["name"] == "quầy 1")
    fleet.publish(central.db, "catalog", catalog_bytes("2099.2.0"), draft=True, pilots=[a_id])
    assert a.sync()["fleet"]["catalog"]["version"] == "2099.2.0"
    assert b.sync()["fleet"]["catalog"]["version"] == "2099.1.1"
    # The pilot on a newer draft is not "behind".
    assert all("catalog_behind" not in d["problems"] for d in fleet.devices(central.db))
    fleet.promote(central.db, "catalog", "2099.2.0")
    assert b.sync()["fleet"]["catalog"] == {"changed": True, "version": "2099.2.0",
                                            "state": "published"}


def test_health_report_and_stale_counter_flagged_by_the_cli(
        central: Central, two_counters: tuple[Counter, Counter], tmp_path: Path) -> None:
    a, b = two_counters
    a.save()
    result = a.sync()
    health = result["fleet"]["health"]
    assert health["sent"] and health["app_version"] and health["disk_free_bytes"] > 0
    assert health["outbox_depth"] == 0 and health["parked"] == 0
    assert health["printers"] == [{"name": "KioskPDF", "state": "ready"}]
    b.sync()
    # Counter B goes silent for two days; its scanner had failed at its last report.
    b_id = next(d["id"] for d in service.list_devices(central.db) if d["name"] == "quầy 2")
    old = clock.iso(clock.now() - timedelta(days=2))
    with central.db.transaction() as tx:
        row = tx.one("SELECT report FROM device_health WHERE device_id = ?", (b_id,))
        report = json.loads(row["report"])  # type: ignore[index]
        report["scanners"] = [{"name": "test:0", "state": "error"}]
        tx.execute("UPDATE device_health SET reported_at = ?, report = ? WHERE device_id = ?",
                   (old, json.dumps(report), b_id))
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "central", "devices", "--problems",
         "--db", str(tmp_path / "central.sqlite3")],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 3, run.stderr
    flagged = json.loads(run.stdout)
    assert [d["name"] for d in flagged] == ["quầy 2"]
    assert flagged[0]["stale"] is True
    assert flagged[0]["problems"] == ["stale", "scanner_failing"]
    # Unit, last contact and every health field at the top of each entry.
    assert flagged[0]["unit_code"] == UNIT and flagged[0]["last_contact"]
    assert flagged[0]["catalog_version"] == flagged[0]["health"]["catalog_version"]
    assert set(HealthReport.model_fields) == set(fleet.HEALTH_FIELDS) <= set(flagged[0])
    assert "1 quầy cần xem: 000.00.04.H40/quầy 2" in run.stderr
    # The history keeps each report.
    assert len(fleet.history(central.db, b_id)) == 1
    a.sync()
    a_id = next(d["id"] for d in service.list_devices(central.db) if d["name"] == "quầy 1")
    assert len(fleet.history(central.db, a_id)) == 2


def forms_bytes(version: str, title: str, label: str = "Mã hồ sơ") -> bytes:
    data = json.loads((ROOT / "assets" / "forms" / "tt03-2025.json").read_text(encoding="utf-8"))
    data["forms"]["01"]["title"] = title
    data["labels"]["code"] = label
    return json.dumps({"schema": 1, "version": version, "sets": [data]},
                      ensure_ascii=False).encode()


@pytest.fixture
def fresh_sets() -> Any:
    """The template sets are cached by id: a set installed here must not reach other tests."""
    from kiosk.forms.templates import load_set

    load_set.cache_clear()
    yield load_set
    load_set.cache_clear()


def test_published_form_templates_replace_the_bundled_set(
        central: Central, two_counters: tuple[Counter, Counter], fresh_sets: Any) -> None:
    load_set = fresh_sets
    a, _b = two_counters
    a.use()
    assert load_set("tt03-2025").form("01").title == "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    fleet.publish(central.db, "forms", forms_bytes("2026.12.1", "GIẤY TIẾP NHẬN (SỬA)"))
    assert a.sync()["fleet"]["forms"]["changed"] is True
    a.use()
    assert load_set("tt03-2025").form("01").title == "GIẤY TIẾP NHẬN (SỬA)"
    assert publications.forms_status() == {"version": "2026.12.1", "source": "central",
                                           "sets": ["tt03-2025"]}
    # A label naming a field no form has is refused on the server, and forced, on the counter.
    bad = forms_bytes("2026.12.2", "X", label="Mã {ma_sai}")
    with pytest.raises(KioskError, match=r"sets\[0\]"):
        fleet.publish(central.db, "forms", bad)
    with central.db.transaction() as tx:
        tx.execute("INSERT INTO publications (kind, version, state, content, sha256,"
                   " created_at, created_by, published_at) VALUES ('forms', '2026.12.2',"
                   " 'published', ?, ?, ?, 'tay', ?)",
                   (bad.decode(), "1" * 64, clock.iso(clock.now()), clock.iso(clock.now())))
    assert a.sync()["fleet"]["forms"]["refused"].startswith("2026.12.2: Bộ biểu mẫu công bố")
    a.use()
    assert load_set("tt03-2025").form("01").title == "GIẤY TIẾP NHẬN (SỬA)"
    mine = next(d for d in fleet.devices(central.db) if d["name"] == "quầy 1")
    assert {"forms_refused", "forms_behind"} <= set(mine["problems"])
