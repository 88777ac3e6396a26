"""Issue 12 §3: CCCD payloads — ASCII digits only, names without hidden characters, no date
in the future, and bytes that are not UTF-8 (argv or stdin) refused without being echoed
and without reaching the database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kiosk.cccd import CccdError, parse_cccd
from kiosk.clock import now

from .helpers import assert_refused, kiosk

GOOD = ["001158024485", "110419092", "Đinh Thị Huyền", "08101958", "Nữ",
        "Khánh Vân, Thường Tín, Hà Nội", "24042021"]
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL = str.maketrans("0123456789", "０１２３４５６７８９")
SUPER = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def card(**change: str) -> str:
    fields = dict(zip(("id", "old", "name", "dob", "sex", "address", "issued"), GOOD,
                      strict=True))
    fields.update(change)
    return "|".join(fields.values())


FUTURE = (now().date() + timedelta(days=2)).strftime("%d%m%Y")

BAD = {
    "id arabic-indic": card(id=GOOD[0].translate(ARABIC)),
    "id full-width": card(id=GOOD[0].translate(FULL)),
    "id one arabic digit": card(id="00115802448" + "٥"),
    "old id full-width": card(old=GOOD[1].translate(FULL)),
    "dob full-width": card(dob=GOOD[3].translate(FULL)),
    "dob arabic slashes": card(dob="٠٨/١٠/١٩٥٨"),
    "dob superscript": card(dob="²/01/2000"),
    "issued superscript": card(issued="24/04/²⁰²¹"),
    "name control": card(name="Đinh Thị\x07 Huyền"),
    "name escape": card(name="Đinh \x1b[31mThị Huyền"),
    "name zero-width space": card(name="Đinh Thị\u200b Huyền"),
    "name zero-width joiner": card(name="Đinh\u200d Thị Huyền"),
    "name bidi override": card(name="\u202eĐinh Thị Huyền"),
    "name bidi isolate": card(name="Đinh \u2066Thị\u2069 Huyền"),
    "name soft hyphen": card(name="Đinh Th\u00adị Huyền"),
    "address bidi": card(address="Khánh Vân\u202e, Hà Nội"),
    "issued future": card(issued=FUTURE),
    "dob future": card(dob=FUTURE, issued=""),
    "nul": card(name="Đinh\x00 Thị"),
    "huge": card(address="x" * 50_000),
}


@pytest.mark.parametrize("payload", BAD.values(), ids=BAD.keys())
def test_bad_payloads_are_refused_by_the_parser(payload: str) -> None:
    with pytest.raises(CccdError) as err:
        parse_cccd(payload)
    assert err.value.hint
    # The message can be shown as is: printable, no control or bidi characters from the card.
    assert all(ch.isprintable() for ch in err.value.message), err.value.message
    assert "\u202e" not in err.value.message and "\x1b" not in err.value.message


@pytest.mark.parametrize("payload", BAD.values(), ids=BAD.keys())
def test_bad_payloads_are_refused_by_the_cli(payload: str) -> None:
    assert "CCCD" in assert_refused(kiosk("cccd", "-", stdin=payload))


def test_today_is_a_valid_issue_date_and_good_cards_still_parse() -> None:
    today = now().date().strftime("%d%m%Y")
    assert parse_cccd(card(issued=today)).issue_date == now().date()
    assert parse_cccd(card()).full_name == "Đinh Thị Huyền"
    # Vietnamese names keep every diacritic, including decomposed input from some readers.
    import unicodedata

    assert parse_cccd(unicodedata.normalize("NFD", card())).full_name == "Đinh Thị Huyền"


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"001158024485|\xc3|x", b"\xed\xa0\x80abc",
                                 b"\x80" * 10])
def test_invalid_utf8_on_stdin_is_refused_and_not_echoed(raw: bytes) -> None:
    for args in (("cccd", "-"), ("dossier", "new", "--procedure", "1.001193", "--cccd", "-")):
        r = kiosk(*args, stdin=raw)
        err = assert_refused(r)
        assert "UTF-8" in err
        assert raw not in r.stderr


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"001158024485|\xc3\x28|x", b"\xed\xa0\x80"])
def test_invalid_utf8_in_argv_is_refused_and_not_echoed(raw: bytes) -> None:
    payload = b"001158024485|110419092|" + raw + b"|08101958|N\xe1\xbb\xaf|x|24042021"
    for args in ((b"cccd", payload),
                 (b"dossier", b"new", b"--procedure", b"1.001193", b"--cccd", payload),
                 (b"dossier", b"new", b"--procedure", b"1.001193", b"--name", raw)):
        r = kiosk(*args)
        err = assert_refused(r)
        assert "UTF-8" in err and raw not in r.stderr


def test_lone_surrogates_never_reach_a_write() -> None:
    # In-process callers (the UI's wedge, a script) can hand over a str with surrogates.
    with pytest.raises(CccdError):
        parse_cccd(card(name="Đinh \udcff Huyền"))
    for payload in BAD.values():
        kiosk("dossier", "new", "--procedure", "1.001193", "--cccd", "-", stdin=payload)
    r = kiosk("dossier", "new", "--procedure", "1.001193", "--cccd", card())
    assert r.returncode == 0, r.stderr.decode()
    assert kiosk("dossier", "list").stdout.count(b"\n") == 1  # only the good one was saved
    check = json.loads(kiosk("db", "check").stdout)
    assert check["ok"], check
