"""Signing time per component PDF through SoftHSM2, and the bytes a signature adds.

    .venv/bin/python bench/signing_bench.py [--n 20]

A real PKCS#11 module (SoftHSM2, ``/usr/lib/softhsm/libsofthsm2.so``) with a test CA and
clerk key made here, in a private token directory; RSA-2048, SHA-256, PAdES. Components as
the intake makes them (the page pipeline's PDF/A output, merged): a 2-page 200 dpi MRC scan
and a 1-page 200 dpi JPEG scan. Baselines in the same run on the same bytes: the durable
save of the unsigned file into the content-addressed store (``FileStore.put``: write,
fsync, rename — what every component costs anyway) and a plain pikepdf open + save. B-T adds
a timestamp from an RFC 3161 server on loopback (pyHanko's test TSA behind HTTP), so its
figure is the token's work plus one local HTTP round trip, not a real TSA's latency.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.signing.pki import (
    KEY_LABEL,
    SOFTHSM_MODULE,
    TOKEN_LABEL,
    USER_PIN,
    Tsa,
    issue,
    make_ca,
    make_token,
)


def median_ms(fn: Callable[[], object], n: int) -> float:
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kiosk-signbench-"))
    ca = make_ca()
    token = make_token(root / "hsm")
    token.load(issue(ca, "Nguyễn Thị Cán Bộ"))
    os.environ.update(token.env)

    import pikepdf

    from kiosk.signing.settings import SigningSettings
    from kiosk.signing.token import TokenSession
    from kiosk.signing.verify import verify_pdf
    from kiosk.storage.files import FileStore
    from tests.signing.helpers import scan_pdf

    tsa = Tsa(ca)
    store = FileStore(root / "files")
    components = {"2-page MRC scan": scan_pdf("Tờ khai", pages=2, dpi=200, mrc=True),
                  "1-page JPEG scan": scan_pdf("CCCD", pages=1, dpi=200)}
    base = SigningSettings(module=SOFTHSM_MODULE, token_label=TOKEN_LABEL,
                           key_label=KEY_LABEL, reason="Tiếp nhận hồ sơ",
                           location="UBND xã Mẫu")
    bt = SigningSettings(**{**base.__dict__, "tsa_url": tsa.url})
    login = median_ms(lambda: TokenSession(base, USER_PIN).close(), max(5, args.n // 4))
    rows = []
    from asn1crypto import x509

    trust = [x509.Certificate.load(ca.cert_der)]
    for name, data in components.items():
        def resave(data: bytes = data) -> bytes:
            with pikepdf.open(io.BytesIO(data)) as pdf:
                buf = io.BytesIO()
                pdf.save(buf)
                return buf.getvalue()

        put = median_ms(lambda data=data: store.put(data + os.urandom(8)), args.n)
        pike = median_ms(resave, args.n)
        # One login per batch, as at the counter; one session at a time per process.
        with TokenSession(base, USER_PIN) as session:
            signed_bb = session.sign(data).data
            bb = median_ms(lambda data=data, s=session: s.sign(data), args.n)
        with TokenSession(bt, USER_PIN) as session:
            signed_bt = session.sign(data).data
            btm = median_ms(lambda data=data, s=session: s.sign(data), args.n)
        assert verify_pdf(signed_bb, trust)["valid"] and verify_pdf(signed_bt, trust)["valid"]
        rows.append({"component": name, "bytes": len(data),
                     "store_put_ms": round(put, 1), "pikepdf_save_ms": round(pike, 1),
                     "sign_bb_ms": round(bb, 1), "sign_bt_ms": round(btm, 1),
                     "bb_vs_put": round(bb / put, 2), "bb_vs_pikepdf": round(bb / pike, 2),
                     "bytes_added_bb": len(signed_bb) - len(data),
                     "bytes_added_bt": len(signed_bt) - len(data)})
    tsa.close()
    print(f"token login (C_OpenSession + C_Login + find key/cert), median: {login:.1f} ms")
    print("| component | size | store put (baseline) | pikepdf save (baseline) | sign B-B | "
          "× put | × pikepdf | sign B-T | bytes added B-B | bytes added B-T |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['component']} | {r['bytes'] / 1024:.0f} KiB | {r['store_put_ms']} ms | "
              f"{r['pikepdf_save_ms']} ms | {r['sign_bb_ms']} ms | {r['bb_vs_put']} | "
              f"{r['bb_vs_pikepdf']} | {r['sign_bt_ms']} ms | {r['bytes_added_bb']} | "
              f"{r['bytes_added_bt']} |")
    print(json.dumps({"login_ms": round(login, 1), "rows": rows}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
