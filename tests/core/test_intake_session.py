"""The intake's rules for a second card and a batch cut mid-way (Qt-free; the screens that
use them are tested on Xvfb in tests/ui)."""

from __future__ import annotations

from kiosk.cccd import parse_cccd
from kiosk.config import Config
from kiosk.intake import IntakePage, IntakeSession
from kiosk.storage import Store

NHUNG = ("001189012345|012345678|Nguyễn Thị Hồng Nhung|12051989|Nữ|"
         "Thôn Đông, xã Mẫu, Hà Nội|20042021")
DUC = "034092001122||Trần Văn Đức|01021992|Nam|Xóm Bến, xã Mẫu, Hà Nội|05052021"


def session_for(code: str = "1.001193") -> IntakeSession:
    s = IntakeSession()
    with Store(config=Config.load()) as store:
        s.choose_procedure(store.catalog.get(code))
    return s


def test_a_second_card_is_a_question_only_when_it_is_another_person() -> None:
    s = IntakeSession()
    assert not s.card_question(parse_cccd(NHUNG))  # nobody yet: fill
    s.apply_cccd(NHUNG)
    s.set_applicant_field("phone", "0912345678")
    assert not s.card_question(parse_cccd(NHUNG))  # the same card again
    # The old ID number (CMND) on the card counts as the same person.
    s.applicant.id_number = "012345678"
    assert not s.card_question(parse_cccd(NHUNG))
    assert s.card_question(parse_cccd(DUC))
    # Typed by hand, without a number: the name decides (diacritics and case aside).
    typed = IntakeSession()
    typed.set_applicant_field("name", "nguyen thi  hong nhung")
    assert not typed.card_question(parse_cccd(NHUNG))
    assert typed.card_question(parse_cccd(DUC))


def test_the_same_person_keeps_the_phone_another_does_not() -> None:
    s = IntakeSession()
    s.apply_cccd(NHUNG)
    s.set_applicant_field("phone", "0912345678")
    s.apply_cccd(NHUNG)
    assert s.applicant.phone == "0912345678"
    s.apply_cccd(DUC, same_person=False)
    assert (s.applicant.name, s.applicant.phone) == ("Trần Văn Đức", "")


def test_a_draft_saved_mid_batch_reads_back_as_cut(kiosk_home: object) -> None:
    s = session_for()
    for i in (0, 1, 3):
        s.tick(i)
    s.add_page(0, IntakePage("a" * 64, "b" * 64))
    s.add_page(1, IntakePage("c" * 64, "d" * 64))
    s.scan_batch = {"component": 1, "all": True}
    back = IntakeSession.from_draft(s.to_draft())
    assert back.scan_batch is None
    assert back.interrupted == {"component": 1, "all": True}
    text = back.interrupted_text()
    assert "Giấy chứng sinh" in text and "đã giữ 1 trang" in text and "Quét lại" in text
    assert "Văn bản ủy quyền" in text  # never reached in that feeder pass
    # Kept across further saves until the document is scanned again or read.
    assert IntakeSession.from_draft(back.to_draft()).interrupted == back.interrupted
    # A batch that finished leaves nothing to say.
    s.scan_batch = None
    assert IntakeSession.from_draft(s.to_draft()).interrupted_text() == ""
