"""Fee arithmetic against hand-computed cases (TT 226/2016 Art. 4 as the sample catalog has
it), page counting from the stored copy, and exemptions and reductions."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.catalog import Fee, FeeTier, load_catalog
from kiosk.errors import InvalidInput
from kiosk.money.fees import Quote, fee_items, find_reason, parse_reasons

from .helpers import configure, kiosk, kiosk_json, pdf_of

#: Copy certification: 2 000 đ a page for pages 1–2, 1 000 đ from page 3, at most 200 000 đ
#: a copy.
COPY = Fee("Phí chứng thực bản sao", 2000, "trang", tiers=(FeeTier(1, 2000), FeeTier(3, 1000)),
           maximum=200_000)


@pytest.mark.parametrize(("pages", "copies", "expected"), [
    ([1], 1, 2_000),
    ([2], 1, 4_000),
    ([3], 1, 5_000),            # 2 000 + 2 000 + 1 000
    ([10], 1, 12_000),          # 4 000 + 8 × 1 000
    ([10], 3, 36_000),          # per copy, times 3
    ([198], 1, 200_000),        # 4 000 + 196 000: exactly the cap
    ([199], 1, 200_000),        # 201 000 → capped per copy
    ([250], 2, 400_000),        # the cap applies to each copy, not to the total
    ([3, 1], 2, 14_000),        # two documents: (5 000 + 2 000) × 2
])
def test_per_page_with_tiers_and_a_cap_per_copy(pages: list[int], copies: int,
                                                 expected: int) -> None:
    [item] = fee_items([COPY], pages=pages, copies=copies)
    assert item.amount == expected
    assert item.quantity == sum(pages) * copies and item.unit == "trang"


def test_per_copy_per_document_and_once() -> None:
    extract = Fee("Phí cấp bản sao trích lục", 8000, "bản sao")
    signature = Fee("Phí chứng thực chữ ký", 10_000, "trường hợp")
    contract = Fee("Phí chứng thực hợp đồng", 50_000, "hợp đồng")
    items = fee_items([extract, signature, contract], pages=[7], copies=3)
    assert [(i.quantity, i.amount) for i in items] == [(3, 24_000), (3, 30_000), (1, 50_000)]
    assert Quote(tuple(items)).total == 104_000


def test_a_fee_set_by_the_province_has_no_amount() -> None:
    quote = Quote(tuple(fee_items([Fee("Lệ phí", None)], pages=[1], copies=1)))
    assert quote.total is None and not quote.free
    assert Quote(tuple(fee_items([Fee("Lệ phí", 0)], pages=[1], copies=1))).free


def test_the_sample_catalog_certification_fees() -> None:
    catalog = load_catalog()
    copy = catalog.get("2.000815")
    assert fee_items(copy.fees, pages=[4], copies=2)[0].amount == 12_000
    assert fee_items(catalog.get("2.000884").fees, pages=[1], copies=2)[0].amount == 20_000
    assert fee_items(catalog.get("2.001035").fees, pages=[9], copies=4)[0].amount == 50_000


def test_reasons_exempt_or_reduce() -> None:
    reasons = parse_reasons(["Hộ nghèo", "Người cao tuổi=50%", "Khác=30"])
    assert [(r.text, r.percent, r.exempts) for r in reasons] == [
        ("Hộ nghèo", 100, True), ("Người cao tuổi", 50, False), ("Khác", 30, False)]
    assert reasons[1].reduce(5_000) == 2_500
    assert reasons[2].reduce(5_000) == 3_500
    assert reasons[2].reduce(1_001) == 700  # the fraction of a đồng goes to the citizen
    assert find_reason(reasons, "ho ngheo") is reasons[0]  # marks and case ignored
    assert find_reason(reasons, "2") is reasons[1]
    with pytest.raises(InvalidInput, match="không có trong danh sách"):
        find_reason(reasons, "Bạn của cán bộ")


def test_pages_come_from_the_stored_pdfs_not_the_number_of_files(kiosk_home: Path,
                                                                   tmp_path: Path) -> None:
    configure(kiosk_home)
    attached = tmp_path / "ban-sao.pdf"
    attached.write_bytes(pdf_of(5))
    one = kiosk_json("dossier", "new", "--procedure", "2.000815", "--name", "Lê Thị Mai",
                     "--attach", f"BS={attached}", home=kiosk_home)
    quote = kiosk_json("fee", "quote", one["code"], home=kiosk_home)
    # One file of five pages: 2 000 + 2 000 + 3 × 1 000.
    assert quote == {"dossier": one["code"], "total": 7_000, "exempt": False, "paid": None,
                     "items": [{"name": "Phí chứng thực bản sao từ bản chính", "quantity": 5,
                                "unit": "trang", "amount": 7_000}]}
    # Scanned: one single-page PDF per page (what the scanner stores), three of them.
    pages = []
    for n in range(3):
        page = tmp_path / f"p{n}.pdf"
        page.write_bytes(pdf_of(1, f"Trang quét {n}"))
        pages += ["--attach", f"BS={page}"]
    scanned = kiosk_json("dossier", "new", "--procedure", "2.000815", "--name", "Lê Thị Mai",
                         *pages, home=kiosk_home)
    assert kiosk_json("fee", "quote", scanned["code"], home=kiosk_home)["total"] == 5_000


def test_exemption_and_reduction_are_recorded_with_the_reason(kiosk_home: Path) -> None:
    configure(kiosk_home)
    code = kiosk_json("dossier", "new", "--procedure", "2.000884", "--name", "Hà Văn Sáu",
                      home=kiosk_home)["code"]
    done = kiosk_json("fee", "collect", code, "--method", "cash", "--reason",
                      "Người cao tuổi", home=kiosk_home)["receipt"]
    assert done["amount"] == 5_000 and done["reason"] == "Người cao tuổi"
    assert done["amount_words"] == "Năm nghìn đồng"
    other = kiosk_json("dossier", "new", "--procedure", "2.000884", "--name", "Hà Văn Bảy",
                       home=kiosk_home)["code"]
    exempt = kiosk_json("fee", "collect", other, "--method", "exempt", "--reason", "1",
                        home=kiosk_home)["receipt"]
    assert exempt["method"] == "exempt" and exempt["amount"] == 0
    assert exempt["number"] is None and exempt["reason"] == "Trẻ em dưới 6 tuổi"
    assert kiosk_json("fee", "quote", other, home=kiosk_home)["exempt"] is True
    # An exemption takes no receipt number: the next receipt follows the first one.
    third = kiosk_json("dossier", "new", "--procedure", "2.000884", "--name", "Hà Văn Tám",
                       home=kiosk_home)["code"]
    assert kiosk_json("fee", "collect", third, "--method", "cash",
                      home=kiosk_home)["receipt"]["number"] == done["number"] + 1
    # Exempting needs a reason that exempts; a reduction cannot be an exemption.
    fourth = kiosk_json("dossier", "new", "--procedure", "2.000884", "--name", "Hà Văn Chín",
                        home=kiosk_home)["code"]
    for args, words in ((["--method", "exempt"], "cần ghi lý do"),
                        (["--method", "exempt", "--reason", "Người cao tuổi"], "chỉ giảm 50%"),
                        (["--method", "cash", "--reason", "Hộ nghèo"], "không có trong"),
                        (["--method", "cash", "--reason", "Người khuyết tật"], "miễn toàn bộ")):
        r = kiosk("fee", "collect", fourth, *args, home=kiosk_home)
        assert r.returncode == 2 and words in r.stderr and r.stdout == "", (args, r.stderr)
