"""Havoc mutations in the manner of AFL: a seed input, many cheap random edits.

Hypothesis picks the seed input and the random seed (so a failure shrinks and replays);
each example then feeds ``n`` mutants of it to the code under test, which is what lets
``make fuzz`` reach a million inputs in minutes on a shared machine.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator, Sequence

TOKENS = ["٠١٢٣", "０１２", "²³", "\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\x00",
          "\x1b[2J", "\x07", "\r\n", "\n", "|", "||", "/", "-", ".", " ", "\t", "\udcff",
          "\ud800", "𝟘", "Ⅻ", "\u0301", "\u00ad", "99999999", "29022023", "31042020",
          "00000000", "1e308", "NaN", "Infinity", "-1", "null", "[]", "{}", '"', "\\", "%s",
          "{0}", "'", "Ω", "Đ", "ữ", "x" * 64,
          # Moments: a day that does not exist, no offset, an hour past the day, odd offsets.
          "2026-02-30T09:00:00+07:00", "2026-12-07T09:00:00", "T24:00:00", "+14:00", "-12:00",
          "Z", ".9999999", "2026-12-07"]
INTERESTING_32 = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 20000,
                  30001, 65535, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]


def havoc_text(seed: str, rng: random.Random, n: int) -> Iterator[str]:
    for _ in range(n):
        text = seed
        for _ in range(rng.randint(1, 4)):
            text = _edit_text(text, rng)
        yield text


def _edit_text(text: str, rng: random.Random) -> str:
    at = rng.randint(0, len(text))
    op = rng.randrange(7)
    if op == 0:
        return text[:at] + rng.choice(TOKENS) + text[at:]
    if op == 1 and text:
        end = min(len(text), at + rng.randint(1, 8))
        return text[:at] + text[end:]
    if op == 2:
        return text[:at] + chr(rng.choice((rng.randint(0, 0x2FF), rng.randint(0, 0x10FFFF))))\
            + text[at + 1:]
    if op == 3 and text:
        end = min(len(text), at + rng.randint(1, 16))
        return text[:end] + text[at:end] + text[end:]
    if op == 4:
        digits = str.maketrans("0123456789", rng.choice(("٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９",
                                                          "⁰¹²³⁴⁵⁶⁷⁸⁹")))
        end = min(len(text), at + rng.randint(1, 4))
        return text[:at] + text[at:end].translate(digits) + text[end:]
    if op == 5:
        return text[:at]
    return text[:at] + str(rng.choice(INTERESTING_32)) + text[at:]


def havoc_bytes(seed: bytes, rng: random.Random, n: int) -> Iterator[bytes]:
    for _ in range(n):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 4)):
            _edit_bytes(data, rng)
        yield bytes(data)


def _edit_bytes(data: bytearray, rng: random.Random) -> None:
    if not data:
        data.extend(rng.randbytes(rng.randint(1, 16)))
        return
    at = rng.randrange(len(data))
    op = rng.randrange(6)
    if op == 0:
        data[at] ^= 1 << rng.randrange(8)
    elif op == 1:
        data[at] = rng.randrange(256)
    elif op == 2 and at + 4 <= len(data):
        fmt = rng.choice((">I", "<I"))
        data[at:at + 4] = struct.pack(fmt, rng.choice(INTERESTING_32))
    elif op == 3:
        del data[at:at + rng.randint(1, 64)]
    elif op == 4:
        data[at:at] = rng.randbytes(rng.randint(1, 16))
    else:
        end = min(len(data), at + rng.randint(1, 64))
        data[at:at] = data[at:end]


def pick(rng: random.Random, items: Sequence[str]) -> str:
    return items[rng.randrange(len(items))]
