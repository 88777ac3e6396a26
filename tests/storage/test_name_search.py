"""Name search ranking for a common name with many namesakes (docs/STORAGE.md)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kiosk.storage import ApplicantInput, DossierInput, Store

from .helpers import MONDAY_9

# (name, id_number, phone, birth year); saved in this order, so later = newer.
PEOPLE = [
    ("Nguyễn Thị Hoa", "001187000111", "0912000001", 1987),
    ("Nguyễn Thị Hoà", "001190000222", "0912000002", 1990),
    ("Nguyễn Thị Hoài", "001187000333", "0912000003", 1987),
    ("Nguyễn Thị Hoa", "001192000444", "0988777666", 1992),
    ("Nguyễn Thị Hạnh", "001195000555", "0912000005", 1995),
    ("Lê Nguyễn Thị Hoa", "001180000666", "0912000006", 1980),
    ("Nguyễn Thị Hoa", "001200000777", "0912000007", 2000),
]


@pytest.fixture
def namesakes(store: Store) -> Store:
    for i, (name, id_number, phone, year) in enumerate(PEOPLE):
        applicant = ApplicantInput(name, id_number=id_number, phone=phone,
                                   birth_date=date(year, 3, 1))
        store.save_dossier(DossierInput("1.001193", applicant,
                                        received_at=MONDAY_9 + timedelta(minutes=i)), "a")
    return store


def ids(rows: list[dict]) -> list[str]:
    return [r["id_number"] for r in rows]


def test_full_name_gives_exact_namesakes_newest_first_then_longer_names(
        namesakes: Store) -> None:
    assert ids(namesakes.search("Nguyễn Thị Hoa")) == [
        # exactly "nguyen thi hoa" (Hoà too: marks are ignored), newest first
        "001200000777", "001192000444", "001190000222", "001187000111",
        "001187000333"]  # then names starting with it (Hoài)


def test_typing_the_given_name_lists_names_starting_with_it(namesakes: Store) -> None:
    assert ids(namesakes.search("nguyen thi h")) == [
        "001200000777", "001195000555", "001192000444", "001187000333", "001190000222",
        "001187000111"]


def test_birth_year_or_id_or_phone_typed_alongside_ranks_that_namesake_first(
        namesakes: Store) -> None:
    assert ids(namesakes.search("nguyen thi hoa 1987"))[:2] == ["001187000111",
                                                                "001200000777"]
    assert ids(namesakes.search("Nguyễn Thị Hoa 7776"))[0] == "001192000444"  # phone
    assert ids(namesakes.search("nguyen thi hoa 000111"))[0] == "001187000111"  # ID digits
    # Still a name search: exact namesakes before "Hoài" even when Hoài has the year.
    found = ids(namesakes.search("nguyen thi hoa 1987"))
    assert found.index("001187000333") > found.index("001192000444")


def test_words_in_another_order_still_found_by_the_word_index(namesakes: Store) -> None:
    # Nothing starts with "nguyen hoa": every word anywhere, as before.
    assert set(ids(namesakes.search("nguyen hoa"))) >= {"001180000666", "001187000111"}
    # A name that only contains the typed name is not mixed in with those starting with it.
    assert "001180000666" not in ids(namesakes.search("nguyen thi hoa"))
    assert "001180000666" in ids(namesakes.search("le nguyen"))


def test_limit_is_respected(namesakes: Store) -> None:
    assert len(namesakes.search("nguyen thi", limit=3)) == 3
