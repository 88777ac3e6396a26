"""Barcode decoding benchmark: success, wrong text and median time per image for each engine
alone and for kiosk's decoder, on one generated set, in one run.

    .venv/bin/python bench/barcode_decode.py [--count 160] [--payloads 300] [--seed 0]

Engines compared:
  zxing-cpp   zxingcpp.read_barcodes(image, formats=QR+Code128), its own text
  pyzbar      pyzbar.decode(image, symbols=[QRCODE, CODE128]), data decoded as UTF-8
              (zbar's default: it guesses each QR's charset and converts)
  zbar-binary zbar with ZBAR_CFG_BINARY through kiosk's ctypes wrapper, bytes as UTF-8
  kiosk       kiosk.devices.barcode.decode.ImageDecoder() (zxing-cpp, upscale, deskew,
              then zbar binary)
The "payloads" part reads clean QR codes of CCCD texts with Vietnamese names and counts
the ones each engine returns with a wrong text (the "Lý" → "Lﾃｽ" failure).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np

from kiosk.devices.barcode import synth
from kiosk.devices.barcode.decode import ImageDecoder, to_gray
from kiosk.devices.barcode.zbar_binary import zbar_decode

Engine = Callable[[np.ndarray], list[str]]


#: how kiosk's decoder got its reads: (engine, attempt) → count, for the current set
FOUND_BY: Counter[tuple[str, str]] = Counter()


def engines() -> dict[str, Engine]:
    import zxingcpp
    from pyzbar import pyzbar

    formats = zxingcpp.barcode_formats_from_str("QRCode,Code128")
    kiosk = ImageDecoder()

    def zx(img: np.ndarray) -> list[str]:
        return [b.text for b in zxingcpp.read_barcodes(img, formats=formats)]

    def pz(img: np.ndarray) -> list[str]:
        found = pyzbar.decode(img, symbols=[pyzbar.ZBarSymbol.QRCODE,
                                            pyzbar.ZBarSymbol.CODE128])
        return [d.data.decode("utf-8", "replace") for d in found]

    def zb(img: np.ndarray) -> list[str]:
        return [s.raw.decode("utf-8", "replace") for s in zbar_decode(img, ["qr", "code128"])]

    def ks(img: np.ndarray) -> list[str]:
        found = kiosk.decode(img)
        FOUND_BY.update({(d.engine, d.attempt) for d in found})
        return [d.text for d in found]

    return {"zxing-cpp": zx, "pyzbar": pz, "zbar-binary": zb, "kiosk": ks}


def run_set(cases: list[synth.Case], engs: dict[str, Engine]) -> dict[str, dict[str, object]]:
    # Engines take turns on each image, so a change in the machine's load (other work on
    # the shared cores) hits all of them alike and the ratios stay fair.
    for engine in engs.values():
        engine(to_gray(cases[0].image))  # warm-up (library loading)
    FOUND_BY.clear()
    times: dict[str, list[float]] = defaultdict(list)
    results: dict[str, list[str]] = defaultdict(list)
    by_cond: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for case in cases:
        gray = to_gray(case.image)
        cond = case.name.split("-", 2)[2]
        for name, engine in engs.items():
            t0 = time.perf_counter()
            texts = engine(gray)
            times[name].append((time.perf_counter() - t0) * 1000)
            by_cond[name][cond][1] += 1
            if case.expected in texts:
                by_cond[name][cond][0] += 1
                results[name].append("ok")
            else:
                results[name].append("wrong" if texts else "miss")
    stats: dict[str, dict[str, object]] = {}
    for name in engs:
        stats[name] = {"ok": results[name].count("ok"), "wrong": results[name].count("wrong"),
                       "n": len(cases), "median_ms": statistics.median(times[name]),
                       "by_cond": dict(by_cond[name])}
    # kiosk must read whatever either library alone read.
    stats["kiosk"]["lost_vs_alone"] = [
        cases[i].name for i in range(len(cases)) if results["kiosk"][i] != "ok"
        and any(results[e][i] == "ok" for e in ("zxing-cpp", "pyzbar", "zbar-binary"))]
    return stats


def payload_set(count: int, seed: int) -> list[synth.Case]:
    rng = random.Random(seed)
    cases = []
    for i, name in enumerate(synth.vietnamese_names(count, seed)):
        text = synth.cccd_payload(rng, name, ("7", "no-old", "2024")[i % 3])
        cases.append(synth.Case(f"{i:04d}-qr-payload", synth.qr_image(text, module_px=3), text,
                                "qr"))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=160)
    parser.add_argument("--payloads", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    engs = engines()

    cases = list(synth.sample_cases(args.count, args.seed))
    print(f"## Generated set: {len(cases)} images ({', '.join(synth.CONDITIONS)}), "
          f"half CCCD QR, half Code128 dossier codes, seed {args.seed}\n")
    stats = run_set(cases, engs)
    base = float(stats["zxing-cpp"]["median_ms"])  # type: ignore[arg-type]
    print("| engine | read | wrong text | median ms/image | × zxing-cpp |")
    print("|---|---|---|---|---|")
    for name, s in stats.items():
        ms = float(s["median_ms"])  # type: ignore[arg-type]
        print(f"| {name} | {s['ok']}/{s['n']} ({100 * int(s['ok']) / int(s['n']):.1f}%) "  # type: ignore[call-overload]
              f"| {s['wrong']} | {ms:.1f} | {ms / base:.2f} |")
    print("\nper condition (read/total):\n")
    conds = list(synth.CONDITIONS)
    print("| engine | " + " | ".join(conds) + " |")
    print("|---|" + "---|" * len(conds))
    for name, s in stats.items():
        by = s["by_cond"]
        print(f"| {name} | " + " | ".join(f"{by[c][0]}/{by[c][1]}" for c in conds) + " |")  # type: ignore[index]
    print(f"\nkiosk missed where an engine alone read: {stats['kiosk']['lost_vs_alone']}")
    print("kiosk reads by (engine, look): "
          + ", ".join(f"{e}/{a}: {n}" for (e, a), n in sorted(FOUND_BY.items())))

    payloads = payload_set(args.payloads, args.seed + 1)
    print(f"\n## Vietnamese CCCD payloads: {len(payloads)} clean QR codes (3 px/module)\n")
    pstats = run_set(payloads, engs)
    print("| engine | read exactly | wrong text (mis-decoded) | not read | median ms |")
    print("|---|---|---|---|---|")
    for name, s in pstats.items():
        miss = int(s["n"]) - int(s["ok"]) - int(s["wrong"])  # type: ignore[call-overload]
        print(f"| {name} | {s['ok']} | {s['wrong']} | {miss} | {float(s['median_ms']):.1f} |")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
