"""The ticket's footer says what its QR code holds: a look-up address, or the bare code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import Config
from kiosk.storage import Store
from tests.forms.helpers import decode, pdf_text, rasterize


def _ticket(tmp_path: Path, capsys: pytest.CaptureFixture[str], code: str) -> tuple[str, dict]:
    out = tmp_path / "t.pdf"
    assert main(["form", code, "--paper", "thermal", "--out", str(out)]) == 0
    json.loads(capsys.readouterr().out)
    return " ".join(pdf_text(out).split()), decode(rasterize(out, 200)[0])


def test_footer_matches_the_qr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk import demo

    with Store() as store:
        code = demo.seed(store)[0]
    text, codes = _ticket(tmp_path, capsys, code)
    assert codes["QRCode"] == [code]
    assert "Mã QR là mã hồ sơ" in text and "để tra cứu" not in text

    config = Config.load()
    config.set("forms.lookup_url", "https://dichvucong.example.vn/tra-cuu?ma={code}")
    config.save()
    text, codes = _ticket(tmp_path, capsys, code)
    assert codes["QRCode"] == [f"https://dichvucong.example.vn/tra-cuu?ma={code}"]
    assert "Quét mã QR để tra cứu tình trạng hồ sơ" in text
