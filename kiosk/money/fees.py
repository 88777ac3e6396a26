"""What a dossier owes: the catalog's fees applied to what was handed in, and exemptions.

The fee rules are the catalog's (tiers, a cap, a unit); this module only decides how many
units there are (docs/FEES.md):

- a fee **per page** (unit ``trang``) is computed per copy of each document, over the pages
  of its stored PDF (a PDF's page count, whether scanned or attached; never the number of
  files), tiers and the cap applying within one copy, then multiplied by the copies;
- a fee **per copy or per document** (``bản sao``, ``bản``, ``trường hợp``, ``văn bản``,
  ``giấy tờ``) is multiplied by the copies;
- anything else (``hợp đồng``, ``di chúc``, no unit) is charged once per dossier.

A fee the catalog leaves to the province (no amount) has no amount here either: the clerk
then types the amount the provincial resolution sets (``--amount``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.catalog import Fee, FeeTier
from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.safe_text import is_ascii_digits
from kiosk.text import fold

PER_PAGE_UNITS = frozenset({"trang"})
PER_COPY_UNITS = frozenset({"bản sao", "bản", "trường hợp", "văn bản", "giấy tờ"})
METHODS = ("cash", "transfer", "exempt")


@dataclass(frozen=True)
class FeeItem:
    name: str
    quantity: int
    unit: str
    #: None: the catalog fixes no amount (the province's resolution does).
    amount: int | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "quantity": self.quantity, "unit": self.unit,
                "amount": self.amount}


@dataclass(frozen=True)
class Quote:
    items: tuple[FeeItem, ...]

    @property
    def total(self) -> int | None:
        """None when some item has no amount fixed by the catalog."""
        if any(i.amount is None for i in self.items):
            return None
        return sum(i.amount or 0 for i in self.items)

    @property
    def free(self) -> bool:
        """Nothing to collect by the catalog itself (free, or no fee at all)."""
        return self.total == 0


def fee_from_json(raw: dict[str, Any]) -> Fee:
    """A fee as stored in a dossier's procedure snapshot (``asdict`` of :class:`Fee`)."""
    tiers = tuple(FeeTier(int(t.get("start", t.get("from", 1))), int(t["amount"]))
                  for t in raw.get("tiers") or ())
    maximum = raw.get("maximum", raw.get("max"))
    return Fee(name=str(raw.get("name") or ""), amount=raw.get("amount"),
               unit=raw.get("unit"), note=raw.get("note"), tiers=tiers,
               maximum=int(maximum) if maximum is not None else None)


def fee_items(fees: Iterable[Fee], *, pages: Sequence[int], copies: int) -> list[FeeItem]:
    """The items owed; ``pages`` holds each document's page count (one copy)."""
    if copies < 1:
        raise InvalidInput(_("Số bản phải từ 1 trở lên."), field="copies")
    items = []
    for fee in fees:
        unit = (fee.unit or "").strip()
        key = fold(unit)
        if unit in PER_PAGE_UNITS or key == "trang":
            quantity = sum(pages) * copies
            per_copy = [fee.total(n) for n in pages if n > 0]
            amount = None if fee.amount is None else sum(a or 0 for a in per_copy) * copies
        elif unit in PER_COPY_UNITS or key in {fold(u) for u in PER_COPY_UNITS}:
            quantity = copies
            amount = fee.total(copies) if fee.amount is not None else None
        else:
            quantity = 1
            amount = fee.total(1)
        items.append(FeeItem(fee.name, quantity, unit or "lần", amount))
    return items


@dataclass(frozen=True)
class Reason:
    """A configured exemption (100 %) or reduction reason."""

    text: str
    percent: int

    @property
    def exempts(self) -> bool:
        return self.percent >= 100

    def reduce(self, amount: int) -> int:
        """What is still owed; a fraction of a đồng goes to the citizen."""
        return amount * (100 - self.percent) // 100


def parse_reasons(values: Iterable[str]) -> list[Reason]:
    out = []
    for item in values:
        text, sep, share = item.rpartition("=")
        if not sep:
            text, share = item, "100"
        out.append(Reason(text.strip(), int(share.strip().rstrip("%"))))
    return out


def find_reason(reasons: Sequence[Reason], given: str) -> Reason:
    """The configured reason ``given`` names (its text without regard to case and marks,
    or its number in the list, from 1)."""
    text = given.strip()
    if is_ascii_digits(text) and 1 <= int(text) <= len(reasons):
        return reasons[int(text) - 1]
    for reason in reasons:
        if fold(reason.text) == fold(text):
            return reason
    raise InvalidInput(
        _("«{reason}» không có trong danh sách lý do miễn, giảm phí, lệ phí.", reason=text[:80]),
        hint=_("Các lý do: {reasons}. Quản trị viên sửa danh sách ở fees.exemption_reasons.",
               reasons="; ".join(f"{i}. {r.text}" for i, r in enumerate(reasons, 1))),
        field="reason")


def check_method(method: str) -> str:
    if method not in METHODS:
        raise InvalidInput(
            _("Hình thức thu «{method}» không hợp lệ.", method=str(method)[:40]),
            hint=_("Chọn một trong: cash (tiền mặt), transfer (chuyển khoản), exempt (miễn)."),
            field="method")
    return method
