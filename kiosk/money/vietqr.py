"""The VietQR payload a banking app scans to pay a fee by transfer.

An EMVCo merchant-presented QR payload (ID + two-digit length + value, nested where the
value is itself a list of fields) with NAPAS's VietQR template in field 38:

=====  ==================================================================================
00     payload format ``01``
01     ``12`` dynamic (an amount is given), ``11`` static
38     00 ``A000000727`` (NAPAS); 01 {00 the bank's 6-digit BIN, 01 the account}; 02 the
       service ``QRIBFTTA`` (to an account) or ``QRIBFTTC`` (to a card)
53     currency ``704`` (VND)
54     amount in whole đồng
58     country ``VN``
62     08 the purpose (≤ 25 characters): the dossier code
63     CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over everything before it including
       ``6304``, four upper-case hex digits
=====  ==================================================================================

The bank's BIN and the account are the unit's fee account (settings ``fees.bank_bin``,
``fees.bank_account``): configuration, never code.
"""

from __future__ import annotations

import re

from kiosk.errors import ConfigError, InvalidInput
from kiosk.i18n import _

NAPAS_GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
TO_CARD = "QRIBFTTC"
CURRENCY_VND = "704"
COUNTRY = "VN"
MAX_PURPOSE = 25
BIN_RE = re.compile(r"^\d{6}$")
ACCOUNT_RE = re.compile(r"^[0-9A-Za-z]{1,19}$")
#: What a purpose may hold: banks' apps mangle anything beyond plain ASCII.
_PURPOSE_RE = re.compile(r"^[0-9A-Za-z .,\-/]*$")


def field(tag: str, value: str) -> str:
    """One ``ID length value`` element (lengths are characters, at most 99)."""
    if len(value) > 99:
        raise ValueError(f"VietQR field {tag} longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def payload(bank_bin: str, account: str, amount: int | None, purpose: str = "", *,
            service: str = TO_ACCOUNT) -> str:
    """The string to encode in the QR code."""
    if not BIN_RE.match(bank_bin):
        raise ConfigError(_("Mã BIN ngân hàng «{value}» không hợp lệ (6 chữ số).",
                            value=bank_bin),
                          hint=_("Đặt fees.bank_bin theo tài khoản thu phí của đơn vị."))
    if not ACCOUNT_RE.match(account):
        raise ConfigError(_("Số tài khoản thu phí «{value}» không hợp lệ.", value=account),
                          hint=_("Đặt fees.bank_account: chữ số, tối đa 19 ký tự."))
    if amount is not None and (isinstance(amount, bool) or amount <= 0 or amount >= 10**13):
        raise InvalidInput(_("Số tiền {amount} không tạo được mã VietQR.", amount=str(amount)))
    if len(purpose) > MAX_PURPOSE or not _PURPOSE_RE.match(purpose):
        raise InvalidInput(_("Nội dung chuyển khoản «{value}» dài quá {n} ký tự hoặc có ký tự "
                             "không dùng được.", value=purpose, n=MAX_PURPOSE))
    beneficiary = field("00", bank_bin) + field("01", account)
    merchant = field("00", NAPAS_GUID) + field("01", beneficiary) + field("02", service)
    parts = [field("00", "01"), field("01", "12" if amount is not None else "11"),
             field("38", merchant), field("53", CURRENCY_VND)]
    if amount is not None:
        parts.append(field("54", str(amount)))
    parts.append(field("58", COUNTRY))
    if purpose:
        parts.append(field("62", field("08", purpose)))
    body = "".join(parts) + "6304"
    return body + f"{crc16_ccitt_false(body.encode('utf-8')):04X}"


def purpose_for(code: str) -> str:
    """The dossier code as the transfer's purpose: the bank statement then names it.

    A code is longer than 25 characters only with a very long unit code: keep its tail
    (date and sequence), which identifies the dossier within the unit."""
    text = code.strip()
    return text if len(text) <= MAX_PURPOSE else text[-MAX_PURPOSE:]
