"""The VietQR payload, read back by a decoder written here for the test (a plain TLV walk,
nothing shared with the encoder), its CRC checked with the ``crc`` package's
CRC-16/CCITT-FALSE (IBM-3740), and the QR code read back by zxing-cpp from a rendered image."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import crc
import numpy as np
import pytest
import zxingcpp
from PIL import Image

from kiosk.errors import ConfigError, InvalidInput
from kiosk.money import vietqr

ROOT = Path(__file__).resolve().parents[2]
#: The published example (DOMAIN notes, from a VietQR library's README), CRC recomputed.
SAMPLE = ("00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802"
          "VN62150811Chuyen tien6304BBB8")
NESTED = {"38", "62"}


def decode(text: str, nested: frozenset[str] | set[str] = frozenset(NESTED)) -> dict[str, Any]:
    out: dict[str, Any] = {}
    i = 0
    while i < len(text):
        tag, length = text[i:i + 2], int(text[i + 2:i + 4])
        value = text[i + 4:i + 4 + length]
        assert len(value) == length, f"field {tag} is cut short"
        assert tag not in out, f"field {tag} twice"
        out[tag] = decode(value, {"01"} if tag == "38" else set()) if tag in nested else value
        i += 4 + length
    return out


def crc_ok(text: str) -> bool:
    body, check = text[:-4], text[-4:]
    assert body.endswith("6304")
    calc = crc.Calculator(crc.Crc16.IBM_3740)
    return f"{calc.checksum(body.encode()):04X}" == check


def read_qr(image: Image.Image) -> str:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, found
    return str(found[0].text)


def test_the_published_example_is_reproduced() -> None:
    assert vietqr.payload("970416", "257678859", 1000, "Chuyen tien") == SAMPLE
    assert crc_ok(SAMPLE)


def test_a_fee_payload_decodes_field_by_field() -> None:
    code = "000.00.04.H40-261123-1001"
    text = vietqr.payload("970436", "0011001234567", 12_000, vietqr.purpose_for(code))
    fields = decode(text)
    assert crc_ok(text)
    assert fields["00"] == "01" and fields["01"] == "12"
    assert fields["38"]["00"] == "A000000727"
    assert fields["38"]["01"] == {"00": "970436", "01": "0011001234567"}
    assert fields["38"]["02"] == "QRIBFTTA"
    assert fields["53"] == "704" and fields["54"] == "12000" and fields["58"] == "VN"
    assert fields["62"] == {"08": code}
    assert list(fields)[-1] == "63"


def test_a_changed_character_breaks_the_crc() -> None:
    text = vietqr.payload("970436", "0011001234567", 12_000, "X")
    tampered = text.replace("12000", "19000")
    assert crc_ok(text) and not crc_ok(tampered)


def test_the_rendered_qr_reads_back_with_zxing() -> None:
    import segno

    text = vietqr.payload("970415", "113366668888", 250_000, "000.00.04.H40-261123-1002")
    buf = io.BytesIO()
    segno.make_qr(text, error="m").save(buf, kind="png", scale=6, border=4)
    assert read_qr(Image.open(io.BytesIO(buf.getvalue()))) == text


def test_what_the_citizen_screen_draws_reads_back() -> None:
    """The citizen screen draws the modules from ``qr_rows``: rebuild that picture."""
    from kiosk.citizen.board import qr_rows

    text = vietqr.payload("970415", "113366668888", 8_000, "000.00.04.H40-261123-1003")
    rows = qr_rows(text)
    cells = np.array([[0 if c == "1" else 255 for c in row] for row in rows], dtype=np.uint8)
    cells = np.pad(cells, 4, constant_values=255).repeat(8, axis=0).repeat(8, axis=1)
    assert read_qr(Image.fromarray(cells)) == text


@pytest.mark.parametrize(("bank_bin", "account", "amount", "purpose", "error"), [
    ("97041", "123", 1000, "", ConfigError),
    ("970415", "", 1000, "", ConfigError),
    ("970415", "12345678901234567890", 1000, "", ConfigError),
    ("970415", "123", 0, "", InvalidInput),
    ("970415", "123", -5, "", InvalidInput),
    ("970415", "123", 1000, "x" * 26, InvalidInput),
    ("970415", "123", 1000, "Phí chứng thực", InvalidInput),
])
def test_bad_values_are_refused(bank_bin: str, account: str, amount: int, purpose: str,
                                error: type[Exception]) -> None:
    with pytest.raises(error):
        vietqr.payload(bank_bin, account, amount, purpose)


def kiosk(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=120,
                          env={**os.environ, "KIOSK_HOME": str(home), "KIOSK_ACTOR": "canbo"})


def test_kiosk_fee_vietqr_for_a_dossier(kiosk_home: Path, tmp_path: Path) -> None:
    assert kiosk("config", "set", "fees.bank_bin", "970415", home=kiosk_home).returncode == 0
    assert kiosk("config", "set", "fees.bank_account", "113366668888",
                 home=kiosk_home).returncode == 0
    saved = kiosk("dossier", "new", "--procedure", "2.000884", "--name", "Lê Văn Tám",
                  home=kiosk_home)
    assert saved.returncode == 0, saved.stderr
    code = json.loads(saved.stdout)["code"]
    png = tmp_path / "qr.png"
    r = kiosk("fee", "vietqr", code, "--png", str(png), home=kiosk_home)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["amount"] == 10_000 and crc_ok(out["payload"])
    assert decode(out["payload"])["62"]["08"] == code
    assert read_qr(Image.open(png)) == out["payload"]
    # Once paid, there is nothing left to transfer.
    assert kiosk("fee", "collect", code, "--method", "transfer", home=kiosk_home).returncode == 0
    again = kiosk("fee", "vietqr", code, home=kiosk_home)
    assert again.returncode == 2 and "đã thu" in again.stderr and again.stdout == ""
