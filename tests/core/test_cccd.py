from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.cccd import CccdError, looks_like_cccd, parse_cccd

EXAMPLE = ("001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|"
           "Khánh Vân, Khánh Hà, Thường Tín, Hà Nội|24042021")


def test_standard_payload() -> None:
    r = parse_cccd(EXAMPLE)
    assert r.id_number == "001158024485"
    assert r.old_id_number == "110419092"
    assert r.full_name == "Đinh Thị Huyền"
    assert r.date_of_birth == date(1958, 10, 8)
    assert r.sex == "Nữ"
    assert r.address == "Khánh Vân, Khánh Hà, Thường Tín, Hà Nội"
    assert r.issue_date == date(2021, 4, 24)
    assert r.raw == EXAMPLE


def test_empty_old_id_is_null() -> None:
    r = parse_cccd("079203001234||Lê Văn Được|01012003|Nam|Quận 1, TP Hồ Chí Minh|15082021")
    assert r.old_id_number is None
    assert r.to_json()["old_id_number"] is None


def test_2024_card_with_trailing_empty_fields() -> None:
    r = parse_cccd("001158024485||Đinh Thị Huyền|08101958|Nữ|Hà Nội|04102024||||")
    assert r.issue_date == date(2024, 10, 4)


def test_zalo_six_fields_with_slashed_dates() -> None:
    r = parse_cccd("001158024485|Đinh Thị Huyền|08/10/1958|Nữ|Hà Nội|04/10/2024")
    assert r.old_id_number is None
    assert r.date_of_birth == date(1958, 10, 8)
    assert r.issue_date == date(2024, 10, 4)


def test_bom_and_crlf_are_removed_and_raw_kept() -> None:
    raw = "\ufeff" + EXAMPLE + "\r\n"
    r = parse_cccd(raw)
    assert r.full_name == "Đinh Thị Huyền"
    assert r.issue_date == date(2021, 4, 24)
    assert r.raw == raw


def test_nfd_input_is_normalised_to_nfc() -> None:
    r = parse_cccd(unicodedata.normalize("NFD", EXAMPLE))
    assert r.full_name == "Đinh Thị Huyền"
    assert unicodedata.is_normalized("NFC", r.full_name)
    assert unicodedata.is_normalized("NFC", r.address)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ("00115802448|110419092|A|08101958|Nữ|X|24042021", "id_number"),
        ("00115802448A|110419092|A|08101958|Nữ|X|24042021", "id_number"),
        ("001158024485|1104|A|08101958|Nữ|X|24042021", "old_id_number"),
        ("001158024485||Nguyễn 2 Văn|08101958|Nữ|X|24042021", "full_name"),
        ("001158024485|||08101958|Nữ|X|24042021", "full_name"),
        ("001158024485||An|31021958|Nữ|X|24042021", "date_of_birth"),
        ("001158024485||An|0810195|Nữ|X|24042021", "date_of_birth"),
        ("001158024485||An||Nữ|X|24042021", "date_of_birth"),
        ("001158024485||An|08101958|Khác|X|24042021", "sex"),
        ("001158024485||An|08101958|Nữ|X|32132021", "issue_date"),
        ("001158024485||An|08101958|Nữ|X|01011950", "issue_date"),
        ("hello world", "payload"),
        ("001158024485|a|b", "payload"),
        ("", "payload"),
    ],
)
def test_bad_payloads_name_the_field(payload: str, field: str) -> None:
    with pytest.raises(CccdError) as err:
        parse_cccd(payload)
    assert err.value.field == field
    assert "CCCD" in err.value.message
    assert err.value.hint


def test_looks_like_cccd() -> None:
    assert looks_like_cccd(EXAMPLE)
    assert looks_like_cccd("\ufeff" + EXAMPLE)
    assert not looks_like_cccd("000.00.04.H40-261122-1001")


VIET_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
names = st.lists(
    st.text(alphabet=VIET_LETTERS, min_size=1, max_size=8).map(str.capitalize),
    min_size=1, max_size=5,
).map(" ".join)
addresses = st.text(alphabet=VIET_LETTERS + " ,./0123456789", max_size=80).map(str.strip)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))


@settings(max_examples=300)
@given(
    st.from_regex(r"[0-9]{12}", fullmatch=True),
    st.one_of(st.just(""), st.from_regex(r"[0-9]{9}", fullmatch=True)),
    names, dates, st.sampled_from(["Nam", "Nữ"]), addresses, st.one_of(st.none(), dates),
    st.sampled_from(["plain", "bom_crlf", "trailing", "zalo", "nfd"]),
)
def test_round_trip_any_card(id_number: str, old: str, name: str, dob: date, sex: str,
                             address: str, issued: date | None, variant: str) -> None:
    if issued is not None and issued < dob:
        issued = dob
    issue_text = issued.strftime("%d%m%Y") if issued else ""
    fields = [id_number, old, name, dob.strftime("%d%m%Y"), sex, address, issue_text]
    if variant == "zalo":
        fields = [id_number, name, dob.strftime("%d/%m/%Y"), sex, address,
                  issued.strftime("%d/%m/%Y") if issued else ""]
        old = ""
    payload = "|".join(fields)
    if variant == "bom_crlf":
        payload = "\ufeff" + payload + "\r\n"
    elif variant == "trailing":
        payload += "||||"
    elif variant == "nfd":
        payload = unicodedata.normalize("NFD", payload)
    r = parse_cccd(payload)
    assert r.id_number == id_number
    assert r.old_id_number == (old or None)
    assert r.full_name == " ".join(unicodedata.normalize("NFC", name).split())
    assert r.date_of_birth == dob
    assert r.sex == sex
    assert r.issue_date == issued
    assert r.raw == payload


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        parse_cccd(text)
    except CccdError as err:
        assert err.field
