"""How much each fuzz suite runs, and how many inputs it actually fed in.

``make test`` runs every suite with a small budget (a few seconds each); ``make fuzz``
(scripts/fuzz.py) sets ``KIOSK_FUZZ_EXAMPLES`` / ``KIOSK_FUZZ_BATCH`` high and reads the
counts back from ``KIOSK_FUZZ_REPORT``. A Hypothesis example may carry a batch of inputs
(a list of payloads, each parsed on its own): ``count`` records inputs, not examples.

Another suite joins by living in ``tests/fuzz/test_fuzz_*.py`` and calling
``settings_for(...)`` and ``count(suite, n)`` — e.g. the sync client's response handling
(issue 12 §4, ``tests/fuzz/test_fuzz_sync.py``).
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings

_lock = threading.Lock()
_inputs: Counter[str] = Counter()
_examples: Counter[str] = Counter()


def examples(default: int = 120) -> int:
    return int(os.environ.get("KIOSK_FUZZ_EXAMPLES", default))


def batch(default: int = 20) -> int:
    """Mutants per Hypothesis example (see tests/fuzz/mutate.py)."""
    return int(os.environ.get("KIOSK_FUZZ_BATCH", default))


def settings_for(scale: float = 1.0) -> Any:
    """Bounded, no example database (no writes beside the tests), no deadline (shared CPU),
    no shrinking: an example replays thousands of mutants, so shrinking costs hours; the
    failing mutant itself is named in the failure instead (:func:`check`)."""
    return settings(max_examples=max(10, int(examples() * scale)), deadline=None,
                    database=None, derandomize=False,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


def count(suite: str, n: int = 1) -> None:
    with _lock:
        _inputs[suite] += n
        _examples[suite] += 1


def report() -> dict[str, Any]:
    with _lock:
        return {"inputs": dict(_inputs), "examples": dict(_examples),
                "total_inputs": sum(_inputs.values())}


def write_report(path: Path) -> None:
    path.write_text(json.dumps(report(), indent=1), encoding="utf-8")


def check(fn: Any, value: Any) -> None:
    """``fn(value)``; a failure names the input, as ``repr``, for a regression test."""
    try:
        fn(value)
    except Exception as exc:
        raise AssertionError(f"input {value!r:.2000}: {type(exc).__name__}: {exc}") from exc
