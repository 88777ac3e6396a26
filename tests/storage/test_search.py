"""Search (FTS5 over folded text), lookups, lists and the home-screen counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.storage import Store

from .helpers import MONDAY_9, make_input

PEOPLE = [
    ("Đinh Thị Huyền", "001158024485", "0912345678"),
    ("Nguyễn Văn Đức", "079090001234", "0987000111"),
    ("NGUYỄN THỊ HOA", "031200004567", "0905123456"),
    ("Trần Đức Nguyên", "036095007890", "0933444555"),
]


@pytest.fixture
def filled(store: Store) -> Store:
    for i, (name, id_number, phone) in enumerate(PEOPLE):
        inp = make_input(store, name=name, id_number=id_number, phone=phone, pages=0,
                         received_at=MONDAY_9 + timedelta(minutes=i))
        store.save_dossier(inp, "a")
    return store


def names(rows: list[dict]) -> list[str]:
    return [r["name"] for r in rows]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Names starting with the text (newest first); else names holding the words.
        ("nguyen", ["NGUYỄN THỊ HOA", "Nguyễn Văn Đức"]),
        ("nguyen thi hoa", ["NGUYỄN THỊ HOA"]),
        ("NGUYỄN văn", ["Nguyễn Văn Đức"]),
        ("duc", ["Trần Đức Nguyên", "Nguyễn Văn Đức"]),
        ("đức nguyên", ["Trần Đức Nguyên", "Nguyễn Văn Đức"]),  # every word, any order
        ("tran nguyen", ["Trần Đức Nguyên"]),
        ("huy", ["Đinh Thị Huyền"]),  # prefix of a word
        ("0905123456", ["NGUYỄN THỊ HOA"]),
        ("0905", ["NGUYỄN THỊ HOA"]),
        ("079090001234", ["Nguyễn Văn Đức"]),
        ("07909", ["Nguyễn Văn Đức"]),
        ("000.00.04.H40-261123-1004", ["Trần Đức Nguyên"]),
        ("261123-1002", ["Nguyễn Văn Đức"]),
        ("xyz", []),
        ("   ", []),
    ],
)
def test_search_ignores_case_and_diacritics(filled: Store, text: str, expected: list[str]) -> None:
    assert names(filled.search(text)) == expected


@pytest.mark.parametrize("text", ['"', "nguyen AND", "NEAR(a b)", "h* OR -x", "'; DROP TABLE", "^"])
def test_search_never_lets_input_become_fts_syntax(filled: Store, text: str) -> None:
    filled.search(text)  # must not raise


def test_lookup_by_id_number_and_code(filled: Store) -> None:
    [row] = filled.find_by_id_number("031200004567")
    assert row["name"] == "NGUYỄN THỊ HOA"
    assert filled.get_dossier(row["code"])["applicant"]["id_number"] == "031200004567"
    assert filled.find_by_id_number("999") == []


def test_list_filters_by_status_day_and_overdue(filled: Store) -> None:
    assert len(filled.list_dossiers()) == 4
    assert filled.list_dossiers(day=MONDAY_9.date() + timedelta(days=1)) == []
    assert len(filled.list_dossiers(day=MONDAY_9.date())) == 4
    code = filled.search("huyen")[0]["code"]
    filled.change_status(code, 4, "b")
    assert names(filled.list_dossiers(status=4)) == ["Đinh Thị Huyền"]
    # Due 17:00 the same day: overdue one minute later, unless the clock is paused (5).
    late = MONDAY_9.replace(hour=17, minute=1)
    assert len(filled.list_dossiers(overdue=True, at=MONDAY_9)) == 0
    assert len(filled.list_dossiers(overdue=True, at=late)) == 4
    # Asked for a supplement at 16:00, before its due: its clock stopped in time, so it is
    # not overdue at 17:01; asked after the due, it stays overdue (the report says the same).
    from kiosk import clock

    clock.set_source(lambda: MONDAY_9.replace(hour=16))
    try:
        filled.change_status(code, 5, "b", note="Thiếu giấy tờ")
    finally:
        clock.set_source(None)
    overdue = filled.list_dossiers(overdue=True, at=late)
    assert "Đinh Thị Huyền" not in names(overdue)
    assert all(r["overdue"] for r in overdue)
    other = filled.search("hoa")[0]["code"]
    clock.set_source(lambda: late)
    try:
        filled.change_status(other, 5, "b", note="Thiếu giấy tờ")
    finally:
        clock.set_source(None)
    later = late + timedelta(days=2)
    assert "NGUYỄN THỊ HOA" in names(filled.list_dossiers(overdue=True, at=later))
    assert filled.stats_today(at=later)["overdue"] == 3


def test_stats_today(filled: Store) -> None:
    stats = filled.stats_today(at=MONDAY_9.replace(hour=10))
    assert stats == {"received_today": 4, "due_today": 4, "overdue": 0, "waiting_to_sync": 4}
    stats = filled.stats_today(at=MONDAY_9.replace(hour=18))
    assert stats["overdue"] == 4
    assert filled.stats_today(at=MONDAY_9 + timedelta(days=1))["received_today"] == 0


def test_lookup_by_old_cmnd_number(store: Store) -> None:
    inp = make_input(store, pages=0)
    inp.applicant.old_id_number = "110419092"
    saved = store.save_dossier(inp, "a")
    assert [r["code"] for r in store.find_by_id_number("110419092")] == [saved.code]
    assert [r["code"] for r in store.search("110419092")] == [saved.code]
    assert store.find_by_id_number("") == []
    plan = " ".join(str(r) for r in store.reader().execute(
        "EXPLAIN QUERY PLAN SELECT dossier_id FROM applicants WHERE old_id_number = ? "
        "AND old_id_number != ''", ("110419092",)))
    assert "applicants_old_id_number" in plan
