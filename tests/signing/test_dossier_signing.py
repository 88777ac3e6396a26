"""Signing at intake and later, on a real Store, with the real SoftHSM2 token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.signing import SigningError
from kiosk.signing.dossier import sign_dossier, sign_input, unsigned_components
from kiosk.signing.verify import verify_pdf
from kiosk.storage import ComponentInput, PageInput, Store, signatures
from tests.signing.conftest import Pki
from tests.signing.helpers import scan_pdf
from tests.signing.pki import KEY_LABEL, USER_PIN, make_token
from tests.storage.helpers import make_input

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(kiosk_home: Path) -> Store:
    s = Store(orphan_grace_seconds=None)
    yield s  # type: ignore[misc]
    s.close()


def _input(store: Store, n: int = 2):  # type: ignore[no-untyped-def]
    inp = make_input(store, pages=0)
    inp.components = [
        ComponentInput(f"Giấy tờ {i}", code=f"GT{i}",
                       pages=[PageInput(store.put_file(scan_pdf(f"Giấy tờ {i}")))])
        for i in range(1, n + 1)]
    inp.components.append(ComponentInput("Bản chính xuất trình", code="BC", checked=True))
    return inp


def test_intake_stores_the_signed_file_and_its_hash(store: Store, pki: Pki) -> None:
    inp = _input(store)
    unsigned = [c.pages[0].sha256 for c in inp.components[:2]]
    outcome = sign_input(inp, store, pki.settings(), USER_PIN)
    assert (outcome.signed, outcome.unsigned, outcome.error) == (2, 0, None)
    saved = store.save_dossier(inp, "clerk1")
    record = store.get_dossier(saved.code)
    for comp, old in zip(record["components"][:2], unsigned, strict=True):
        sha = comp["pages"][0]["sha256"]
        assert sha != old
        data = store.files.read(sha)
        assert data.startswith(store.files.read(old))
        verdict = verify_pdf(data, pki.trust())
        assert verdict["valid"] and verdict["pdfa"]
        assert comp["signature"]["state"] == "signed"
        assert comp["signature"]["signer"] == "Nguyễn Thị Cán Bộ"
    assert "signature" not in record["components"][2]  # nothing scanned, nothing to sign
    # The outbox sends the signed files.
    op = store.pending_outbox()[0]
    assert {b["sha256"] for b in op["blobs"]} == {
        c["pages"][0]["sha256"] for c in record["components"][:2]}
    assert store.read(signatures.unsigned_dossiers) == []


def test_not_configured_signs_and_flags_nothing(store: Store, pki: Pki) -> None:
    inp = _input(store)
    outcome = sign_input(inp, store, pki.settings(module=""), USER_PIN)
    assert outcome.signed == outcome.unsigned == 0
    saved = store.save_dossier(inp, "clerk1")
    assert all("signature" not in c for c in store.get_dossier(saved.code)["components"])


def test_wrong_pin_saves_flagged_then_sign_later(store: Store, pki: Pki) -> None:
    inp = _input(store)
    outcome = sign_input(inp, store, pki.settings(), "999999")
    assert outcome.reason == "wrong_pin" and outcome.unsigned == 2 and outcome.signed == 0
    saved = store.save_dossier(inp, "clerk1")
    listed = store.read(signatures.unsigned_dossiers)
    assert [d["code"] for d in listed] == [saved.code]
    assert listed[0]["unsigned"] == 2 and "PIN" in listed[0]["error"]
    record = store.get_dossier(saved.code)
    assert len(unsigned_components(record)) == 2
    before = record["version"]
    result = sign_dossier(store, saved.code, pki.settings(), USER_PIN, actor="clerk2")
    assert result["signed"] == [1, 2] and result["unsigned"] == []
    record = store.get_dossier(saved.code)
    assert record["version"] == before + 1
    assert unsigned_components(record) == []
    assert store.read(signatures.unsigned_dossiers) == []
    for comp in record["components"][:2]:
        assert verify_pdf(store.files.read(comp["pages"][0]["sha256"]), pki.trust())["valid"]
    # The new files go to the server: the older pending operation uploads them too.
    ops = store.pending_outbox()
    assert len(ops) == 2
    new = {c["pages"][0]["sha256"] for c in record["components"][:2]}
    for op in ops:
        assert new <= {b["sha256"] for b in op["blobs"]}
    assert [e["action"] for e in store.audit_log(record["id"])][-1] == "dossier.sign"
    again = sign_dossier(store, saved.code, pki.settings(), USER_PIN, actor="clerk2")
    assert again["signed"] == [] and "đã được ký số" in again["message"]


@pytest.mark.parametrize(("kw", "reason"), [
    ({"key_label": "expired"}, "cert_expired"),
    ({"key_label": "future"}, "cert_not_yet_valid"),
    ({"token_label": "khong-cam"}, "no_token"),
])
def test_cannot_sign_still_saves(store: Store, pki: Pki, kw: dict[str, str],
                                 reason: str) -> None:
    inp = _input(store, 1)
    outcome = sign_input(inp, store, pki.settings(**kw), USER_PIN)
    assert outcome.reason == reason
    saved = store.save_dossier(inp, "clerk1")
    comp = store.get_dossier(saved.code)["components"][0]
    assert comp["signature"]["state"] == "unsigned"
    assert comp["signature"]["error"] == outcome.error


def test_required_refuses_to_save_unsigned(store: Store, pki: Pki) -> None:
    inp = _input(store, 1)
    with pytest.raises(SigningError) as err:
        sign_input(inp, store, pki.settings(required=True), "999999")
    assert err.value.reason == "wrong_pin"
    assert "chưa được lưu" in (err.value.hint or "")
    assert store.list_dossiers() == []


def _pull(pki: Pki, label: str, *extra: str) -> dict[str, object]:
    tokens = pki.root / "hsm" / "tokens"
    before = set(tokens.iterdir())
    token = make_token(pki.root / "hsm", label=label)
    token.load(pki.clerk, KEY_LABEL, "01")
    (token_dir,) = set(tokens.iterdir()) - before  # SoftHSM2: one directory per token
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "tests.signing.pull_client", label,
                           str(token_dir), *extra], capture_output=True, text=True,
                          timeout=120, env=env, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert not token_dir.exists()
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_token_pulled_mid_batch_keeps_the_dossier(pki: Pki, kiosk_home: Path) -> None:
    out = _pull(pki, "pull-intake")
    assert out["outcome"] == {"signed": 1, "unsigned": 2, "reason": "token_removed",
                              "error": "Thẻ ký số bị rút ra hoặc mất kết nối trong khi ký."}
    states = [c["state"] for c in out["components"]]  # type: ignore[index,union-attr]
    assert states == ["signed", "unsigned", "unsigned"]
    with Store(orphan_grace_seconds=None) as store:
        assert [d["code"] for d in store.read(signatures.unsigned_dossiers)] == [out["code"]]


def test_token_pulled_while_signing_later(pki: Pki, kiosk_home: Path) -> None:
    with Store(orphan_grace_seconds=None) as store:
        inp = _input(store, 3)
        sign_input(inp, store, pki.settings(), "999999")
        code = store.save_dossier(inp, "clerk1").code
    out = _pull(pki, "pull-later", "sign-later", code)
    assert out["reason"] == "token_removed"
    assert out["signed"] == [1] and out["unsigned"] == [2, 3]
    with Store(orphan_grace_seconds=None) as store:
        record = store.get_dossier(code)
        states = [(c.get("signature") or {}).get("state") for c in record["components"]]
        assert states == ["signed", "unsigned", "unsigned", None]
        # What was signed before the pull is kept and verifies.
        data = store.files.read(record["components"][0]["pages"][0]["sha256"])
        assert verify_pdf(data, pki.trust())["valid"]


def test_sign_later_without_a_token_configured_records_nothing(store: Store, pki: Pki) -> None:
    inp = _input(store, 1)
    code = store.save_dossier(inp, "clerk1").code
    with pytest.raises(SigningError) as err:
        sign_dossier(store, code, pki.settings(module=""), USER_PIN, actor="clerk1")
    assert err.value.reason == "not_configured"
    assert store.read(signatures.unsigned_dossiers) == []
    assert "signature" not in store.get_dossier(code)["components"][0]
