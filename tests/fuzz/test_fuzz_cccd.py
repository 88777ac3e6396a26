"""Fuzzing the CCCD parser: any text, and cards one mutation away from valid ones.

Property: ``parse_cccd`` returns a record whose every field is clean (ASCII digits, no
hidden characters, no future date, valid UTF-8) or raises ``CccdError`` with a printable
message — never another exception, never a value that would break a later write.
"""

from __future__ import annotations

import json
import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kiosk.cccd import CccdError, parse_cccd
from kiosk.clock import now
from kiosk.safe_text import bad_characters
from tests.fuzz import budget
from tests.fuzz.mutate import havoc_text

FIELDS = ["001158024485", "110419092", "Đinh Thị Huyền", "08101958", "Nữ",
          "Khánh Vân, Khánh Hà, Thường Tín, Hà Nội", "24042021"]
TRICKY = ["٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "⁰¹²³⁴⁵⁶⁷⁸⁹", "\u200b", "\u200d", "\u202e",
          "\u2066", "\ufeff", "\x00", "\x1b", "\x07", "\r\n", "|", "/", "-", ".", " ",
          "\udcff", "\ud800", "𝟘𝟙", "Ⅻ", "ǅ", "\u0301", "\u00ad", "99999999", "29022023",
          "31042020", "00000000", "01011899", "01012101"]

any_text = st.text(alphabet=st.characters(codec=None), max_size=300)
tricky_text = st.lists(st.sampled_from(TRICKY) | st.text(max_size=4), max_size=6).map("".join)


@st.composite
def near_cards(draw: st.DrawFn) -> str:
    fields = list(FIELDS)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(fields) - 1))
        how = draw(st.sampled_from(["replace", "insert", "append", "drop", "dup"]))
        extra = draw(tricky_text)
        if how == "replace":
            fields[i] = extra
        elif how == "insert":
            at = draw(st.integers(0, len(fields[i])))
            fields[i] = fields[i][:at] + extra + fields[i][at:]
        elif how == "append":
            fields[i] += extra
        elif how == "drop" and len(fields) > 1:
            fields.pop(i)
        else:
            fields.insert(i, fields[i])
    return "|".join(fields)


def _check_one(payload: str, today: date) -> None:
    try:
        record = parse_cccd(payload)
    except CccdError as exc:
        assert exc.message.isprintable(), repr(exc.message)
        exc.message.encode("utf-8")
        return
    assert record.id_number.isascii() and record.id_number.isdigit()
    assert len(record.id_number) == 12
    assert record.old_id_number is None or (record.old_id_number.isascii()
                                            and record.old_id_number.isdigit())
    assert not bad_characters(record.full_name) and not bad_characters(record.address)
    assert record.date_of_birth <= today
    assert record.issue_date is None or record.date_of_birth <= record.issue_date <= today
    json.dumps(record.to_json(), ensure_ascii=False).encode("utf-8")  # storable as is


@budget.settings_for(1.1)
@given(any_text | near_cards(), st.integers(0, 2**63).map(random.Random))
def test_parser_never_crashes_and_never_lets_a_bad_card_through(seed: str,
                                                                rng: random.Random) -> None:
    today = now().date()
    n = budget.batch(20)
    for payload in [seed, *havoc_text(seed, rng, n)]:
        budget.check(lambda p: _check_one(p, today), payload)
    budget.count("cccd", n + 1)
