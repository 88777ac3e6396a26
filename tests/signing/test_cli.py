"""``kiosk sign`` / ``kiosk verify`` as an admin runs them: subprocesses, real token."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.signing.conftest import Pki
from tests.signing.helpers import scan_pdf
from tests.signing.pki import KEY_LABEL, SOFTHSM_MODULE, TOKEN_LABEL, USER_PIN

ROOT = Path(__file__).resolve().parents[2]


def kiosk(*args: str, pin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("KIOSK_SIGNING_PIN", None)
    if pin is not None:
        env["KIOSK_SIGNING_PIN"] = pin
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd=ROOT, check=False,
                          stdin=subprocess.DEVNULL)


@pytest.fixture
def configured(pki: Pki, kiosk_home: Path) -> Pki:
    for key, value in (("signing.pkcs11_module", SOFTHSM_MODULE),
                       ("signing.token_label", TOKEN_LABEL),
                       ("signing.key_label", KEY_LABEL),
                       ("signing.location", "UBND xã Mẫu, Hà Nội")):
        r = kiosk("config", "set", key, value)
        assert r.returncode == 0, r.stderr
    return pki


def _clean_error(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stderr and "Lỗi không mong đợi" not in r.stderr


def test_sign_file_then_verify(configured: Pki, tmp_path: Path) -> None:
    src = tmp_path / "to-khai.pdf"
    src.write_bytes(scan_pdf("Tờ khai"))
    out = tmp_path / "to-khai-da-ky.pdf"
    r = kiosk("sign", str(src), "--out", str(out), pin=USER_PIN)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["signer"] == "Nguyễn Thị Cán Bộ" and info["bytes_added"] > 0
    assert USER_PIN not in r.stdout + r.stderr
    r = kiosk("verify", str(out), "--trust", str(configured.ca_pem))
    assert r.returncode == 0, r.stdout + r.stderr
    verdict = json.loads(r.stdout)
    assert {k: verdict[k] for k in ("signed", "valid", "intact", "signer", "pdfa")} == {
        "signed": True, "valid": True, "intact": True, "signer": "Nguyễn Thị Cán Bộ",
        "pdfa": True}
    assert verdict["signed_at"].startswith(str(time.gmtime().tm_year))
    # Another CA: intact but not valid → exit 1.
    r = kiosk("verify", str(out), "--trust", str(configured.other_ca_pem))
    assert r.returncode == 1
    assert json.loads(r.stdout)["intact"] is True
    # Tampered: exit 1, not intact.
    data = bytearray(out.read_bytes())
    at = data.find(b"stream", 200) + 40
    data[at] ^= 0x20
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(data))
    r = kiosk("verify", str(bad), "--trust", str(configured.ca_pem))
    assert r.returncode == 1
    assert json.loads(r.stdout)["intact"] is False
    # Unsigned: exit 1, signed false.
    r = kiosk("verify", str(src), "--trust", str(configured.ca_pem))
    assert r.returncode == 1 and json.loads(r.stdout)["signed"] is False


def test_bad_input_exits_2_with_a_clear_message(configured: Pki, tmp_path: Path) -> None:
    src = tmp_path / "a.pdf"
    src.write_bytes(scan_pdf("A"))
    text = tmp_path / "note.pdf"
    text.write_text("không phải PDF", encoding="utf-8")
    cases = [
        (("sign", str(src)), "Thiếu --out"),
        (("sign", str(src), "--out", str(src)), "--out phải khác"),
        (("sign", str(text), "--out", str(tmp_path / "x.pdf")), "không phải PDF"),
        (("sign", str(tmp_path / "missing.pdf"), "--out", str(tmp_path / "x.pdf")),
         "Không tìm thấy tệp"),
        (("verify", str(text)), "không phải PDF"),
        (("verify", str(src), "--trust", str(text)), "không phải chứng thư"),
        (("sign", "000.00.04.H40-261123-0001"), "Không tìm thấy hồ sơ"),
    ]
    for args, words in cases:
        r = kiosk(*args, pin=USER_PIN)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert words in r.stderr, (args, r.stderr)
        _clean_error(r)


def test_wrong_pin_and_no_pin(configured: Pki, tmp_path: Path) -> None:
    src = tmp_path / "a.pdf"
    src.write_bytes(scan_pdf("A"))
    r = kiosk("sign", str(src), "--out", str(tmp_path / "b.pdf"), pin="111111")
    assert r.returncode == 2
    assert "Mã PIN của thẻ ký số không đúng." in r.stderr and "lần thử" in r.stderr
    assert "111111" not in r.stderr
    _clean_error(r)
    assert not (tmp_path / "b.pdf").exists()
    r = kiosk("sign", str(src), "--out", str(tmp_path / "b.pdf"))
    assert r.returncode == 2 and "KIOSK_SIGNING_PIN" in r.stderr
    _clean_error(r)


def test_pin_typed_at_a_tty_prompt_is_not_echoed(configured: Pki, tmp_path: Path) -> None:
    src = tmp_path / "a.pdf"
    src.write_bytes(scan_pdf("A"))
    out = tmp_path / "b.pdf"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("KIOSK_SIGNING_PIN", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: kiosk on a terminal
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "kiosk", "sign", str(src),
                                   "--out", str(out)], env)
    seen = b""
    deadline = time.monotonic() + 60
    while b"PIN" not in seen and time.monotonic() < deadline:
        seen += os.read(fd, 1024)
    os.write(fd, USER_PIN.encode() + b"\n")
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert "Mã PIN thẻ ký số".encode() in seen
    assert USER_PIN.encode() not in seen  # getpass does not echo
    assert out.exists()


def test_dossier_saved_unsigned_then_kiosk_sign_code(configured: Pki, tmp_path: Path) -> None:
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(scan_pdf("Tờ khai"))
    # No PIN and no terminal: the dossier is still saved, flagged unsigned.
    r = kiosk("dossier", "new", "--procedure", "1.001193", "--name", "Đinh Thị Huyền",
              "--attach", f"TK={scan}")
    assert r.returncode == 0, r.stderr
    saved = json.loads(r.stdout)
    assert saved["signing"]["unsigned"] == 1 and saved["signing"]["reason"] == "no_pin"
    assert "Chưa ký số" in r.stderr
    code = saved["code"]
    r = kiosk("sign", code, pin=USER_PIN)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["signed"] == [1]
    r = kiosk("dossier", "show", code)
    record = json.loads(r.stdout)
    comp = next(c for c in record["components"] if c["pages"])
    assert comp["signature"]["state"] == "signed"


@pytest.mark.parametrize(("shift", "words"), [("+800d", "đã hết hạn"),
                                              ("-30d", "chưa có hiệu lực")])
def test_clock_outside_the_certificate_validity(configured: Pki, tmp_path: Path, shift: str,
                                                words: str) -> None:
    """The clerk's own (valid) certificate, with the machine's clock moved by libfaketime."""
    import shutil

    if shutil.which("faketime") is None:
        pytest.skip("faketime is not installed (scripts/system-packages.txt)")
    src = tmp_path / "a.pdf"
    src.write_bytes(scan_pdf("A"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIOSK_SIGNING_PIN": USER_PIN}
    r = subprocess.run(["faketime", "-f", shift, sys.executable, "-m", "kiosk", "sign",
                        str(src), "--out", str(tmp_path / "b.pdf")], capture_output=True,
                       text=True, timeout=120, env=env, cwd=ROOT, check=False,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 2, r.stderr
    assert "Chứng thư số của Nguyễn Thị Cán Bộ" in r.stderr and words in r.stderr
    assert "Hồ sơ vẫn được lưu" not in r.stderr  # a file, not a dossier
    _clean_error(r)
    assert not (tmp_path / "b.pdf").exists()
