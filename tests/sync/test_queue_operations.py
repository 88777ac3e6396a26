"""Queue operations (issue 27) on the real central server shared by two counters, on a
counter's own offline tickets, and through ``kiosk queue ...`` as a clerk types it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import app as central_app
from central import service
from kiosk.citizen.queue import QueueService
from kiosk.citizen.queue_ops import operate
from kiosk.citizen.ratings_report import period_blocks
from kiosk.clock import now
from kiosk.config import Config
from kiosk.errors import InvalidInput
from kiosk.storage import Store
from kiosk.sync import machine
from kiosk.sync.engine import SyncEngine
from tests.sync.conftest import UNIT, Central, engine_for

ROOT = Path(__file__).resolve().parents[2]


def _queue(store: Store, url: str | None, token: str, counter: int,
           bind: bool = True) -> QueueService:
    config = Config.load()
    config.set("counter.number", counter)
    headers = {"Authorization": f"Bearer {token}"}
    if bind:
        headers[machine.HEADER] = machine.machine_id()
    return QueueService(store, config, client=lambda: None if url is None else httpx.Client(
        base_url=url, timeout=2.0, headers=headers))


@pytest.fixture()
def two(store: Store, central: Central, tmp_path: Path) -> Any:
    other = Store(tmp_path / "c2.sqlite3", tmp_path / "f2", orphan_grace_seconds=None)
    token2 = service.add_device(central.db, UNIT, "quầy 2")["token"]
    yield (_queue(store, central.url, central.token, 1),
           _queue(other, central.url, token2, 2, bind=False))
    other.close()


def test_priority_is_called_first_in_its_group_at_any_counter(two: Any) -> None:
    q1, q2 = two
    a1 = q1.take("A")
    b1 = q1.take("B")
    old = q2.take("A", priority="nguoi-cao-tuoi")
    assert old["priority"] == "nguoi-cao-tuoi" and old["priorityName"] == "Người cao tuổi"
    # Only group B at counter 1: the priority ticket of A does not jump into B's line.
    assert q1.call_next("c1", ["B"])["label"] == b1["label"]
    assert q2.call_next("c2", ["A"])["label"] == old["label"]
    assert q2.call_next("c2", ["A"])["label"] == a1["label"]
    with pytest.raises(InvalidInput, match="Không có đối tượng ưu tiên «vip»"):
        q1.take("A", priority="vip")


def test_hold_recall_noshow_and_transfer_across_two_counters(two: Any) -> None:
    q1, q2 = two
    first, second, third = (q1.take("A")["label"] for _ in range(3))
    assert q1.call_next("c1", ["A"])["label"] == first
    # The person stepped out: the ticket leaves counter 1 and keeps its place.
    held = operate(q1, "hold")
    assert (held["label"], held["state"]) == (first, "held")
    assert q1.current() is None
    assert q1.call_next("c1", ["A"])["label"] == second
    # Back: counter 2 recalls the held number by its label (the server holds the queue).
    back = operate(q2, "recall", first, by="c2")
    assert (back["state"], back["called_counter"]) == ("called", 2)
    # Counter 1 recalls its current ticket; a no-show needs the configured recalls first.
    with pytest.raises(InvalidInput, match="cần gọi lại đủ 2 lần"):
        operate(q1, "noshow")
    assert operate(q1, "recall")["recalls"] == 1
    assert operate(q1, "recall")["recalls"] == 2
    gone = operate(q1, "noshow")
    assert (gone["label"], gone["state"]) == (second, "noshow")
    # Counter 1 cannot touch the ticket counter 2 serves.
    with pytest.raises(InvalidInput, match="không đang được gọi tại quầy 1"):
        operate(q1, "hold", first)
    # Counter 2 sends its person to group B at counter 1: only counter 1 calls it, first.
    moved = operate(q2, "transfer", to_service="B", to_counter=1)
    assert (moved["service"], moved["for_counter"], moved["state"]) == ("B", 1, "waiting")
    assert q2.call_next("c2", ["A", "B"])["label"] == third
    assert q1.call_next("c1", ["A", "B"])["label"] == first
    status = q1.status()
    assert status["mode"] == "central"
    blocks = period_blocks(q1.store, now().date(), now().date())["queue"]
    assert blocks["noshow"] == 1 and blocks["transferred"] == 1


def test_offline_tickets_are_operated_here_and_reach_the_server(store: Store,
                                                                central: Central) -> None:
    q = _queue(store, None, "", 1)  # no link to the server: this counter numbers itself
    walk_in = q.take("A")
    child = q.take("A", priority="con-nho")
    assert child["label"] == "A1-02" and child["ahead"] == 0
    assert q.call_next("c1")["label"] == "A1-02"
    assert operate(q, "hold")["state"] == "held"
    assert q.call_next("c1")["label"] == walk_in["label"]
    assert operate(q, "recall", "a1-02")["state"] == "called"  # back; labels any case
    assert q.current()["label"] == "A1-02"  # and A1-01, served meanwhile, is finished
    with pytest.raises(InvalidInput, match="mới được gọi lại 0 lần"):
        operate(q, "noshow")
    q.config.set("queue.noshow_after_recalls", 0)
    assert operate(q, "noshow")["state"] == "noshow"
    blocks = period_blocks(store, now().date(), now().date())["queue"]
    assert (blocks["priority"], blocks["noshow"], blocks["held"]) == (1, 1, 0)
    assert {p["key"]: p["tickets"] for p in blocks["by_priority"]} == {"": 1,
                                                                           "con-nho": 1}
    # The link is back: every state went up in order; the server keeps the last.
    engine: SyncEngine = engine_for(store, central.url, central.token)
    assert engine.run_once(pull=False)["needs_attention"] == 0
    with central.db.transaction() as tx:
        rows = tx.all("SELECT o.label, o.state, m.priority FROM queue_offline_tickets o "
                      "LEFT JOIN queue_ticket_marks m ON m.ticket_id = o.id ORDER BY o.label")
    assert [(r["label"], r["state"], r["priority"]) for r in rows] == [
        ("A1-01", "done", None), ("A1-02", "noshow", "con-nho")]


def test_cli_queue_operations_offline(kiosk_home: Path) -> None:
    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                              text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT),
                                                        "KIOSK_HOME": str(kiosk_home),
                                                        "PATH": "/usr/bin:/bin"})

    def ok(*args: str) -> Any:
        done = kiosk(*args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    ok("queue", "take", "--no-print")
    took = ok("queue", "take", "--priority", "khuyet-tat", "--no-print")
    assert took["priority"] == "khuyet-tat" and took["ahead"] == 0
    assert ok("queue", "call")["called"]["label"] == "A1-02"
    assert ok("queue", "recall")["ticket"]["recalls"] == 1
    bad = kiosk("queue", "noshow")
    assert bad.returncode == 2 and "cần gọi lại đủ 2 lần" in bad.stderr
    assert "Traceback" not in bad.stderr
    moved = ok("queue", "transfer", "--service", "B")["ticket"]
    assert (moved["service"], moved["state"]) == ("B", "waiting")
    nothing = kiosk("queue", "hold")
    assert nothing.returncode != 0 and "không đang phục vụ số nào" in nothing.stderr
    wrong = kiosk("queue", "take", "--priority", "vip", "--no-print")
    assert wrong.returncode == 2 and "Không có đối tượng ưu tiên «vip»" in wrong.stderr
    day = now().date().isoformat()
    full = ok("queue", "report", "--from", day, "--to", day)
    assert full["booking"]["by_service"][0]["service"] == "A"  # slot use beside the queue
    report = full["queue"]
    assert report["priority"] == 1 and report["transferred"] == 1 and report["waiting"] == 2


def _offline_transfer_and_booking(store: Store) -> None:
    q = _queue(store, None, "", 1)
    q.take("A")
    assert q.call_next("c1")["label"] == "A1-01"
    assert operate(q, "transfer", to_service="B")["moved_from"] == "A@1"
    q.take("B", booked_until="2099-01-01T10:30:00+07:00")


def test_offline_transfer_and_booking_reach_a_server_that_takes_them(
        store: Store, central: Central) -> None:
    _offline_transfer_and_booking(store)
    engine = engine_for(store, central.url, central.token)
    assert engine.run_once(pull=False)["needs_attention"] == 0
    assert "offline-ticket-marks" in engine.server_features
    with central.db.transaction() as tx:
        rows = tx.all("SELECT o.label, o.service, m.moved_from, m.booked_until FROM "
                      "queue_offline_tickets o LEFT JOIN queue_ticket_marks m "
                      "ON m.ticket_id = o.id ORDER BY o.label")
    assert [tuple(r.values()) for r in rows] == [
        ("A1-01", "B", "A@1", None), ("B1-01", "B", None, "2099-01-01T10:30:00+07:00")]


def test_an_older_server_gets_offline_tickets_without_the_marks(
        store: Store, central: Central, monkeypatch: pytest.MonkeyPatch) -> None:
    # A server from before the feature names none, and refuses a body with keys it does not
    # know: the counter leaves them out instead of parking every transferred ticket.
    monkeypatch.setattr(central_app, "FEATURES", ())
    _offline_transfer_and_booking(store)
    engine = engine_for(store, central.url, central.token)
    sent: list[dict[str, Any]] = []
    put = engine.http.put
    engine.http.put = lambda url, **kw: (sent.append(kw["json"]), put(url, **kw))[1]
    assert engine.run_once(pull=False)["needs_attention"] == 0
    assert sent and all("moved_from" not in b and "booked_until" not in b for b in sent)
    with central.db.transaction() as tx:
        assert [r["label"] for r in tx.all("SELECT label FROM queue_offline_tickets "
                                           "ORDER BY label")] == ["A1-01", "B1-01"]
