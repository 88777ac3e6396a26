"""How many scans go at once (``sync.parallel_uploads``, kiosk.sync.inflight).

The controller is fed synthetic completions from a model of a link (rate as a function of
the uploads in flight), so every decision is deterministic; the engine path runs against
the central server on loopback."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import Config
from kiosk.errors import ConfigError
from kiosk.sync.inflight import HIGH, LOW, START, InFlight, UploadLanes, pinned
from tests.sync.conftest import Central, assert_sync_properties, engine_for, save_dossier

PAGE = 70_000  # bytes: a typical scan page after the pipeline


def feed(c: InFlight, rate: Callable[[int], float], uploads: int, *, jitter: float = 0.0,
         seed: int = 7, start: float = 0.0) -> list[int]:
    """Finish ``uploads`` uploads of log-normal sizes one after another, each taking its
    bytes / ``rate(limit)`` (± ``jitter``): the levels the controller held, one per upload."""
    rng = random.Random(seed)
    now = start
    levels = []
    for _ in range(uploads):
        size = int(min(400_000, max(15_000, rng.lognormvariate(11.0, 0.6))))
        now += size / rate(c.limit) * (1 + rng.uniform(-jitter, jitter))
        c.finished(size, now)
        levels.append(c.limit)
    return levels


def shaped(cap: float = 2e6) -> Callable[[int], float]:
    """A shaper with a small queue and no delay: one upload at a time leaves a gap per
    request; two fill it; more gain nothing and lose a little to drops."""
    return lambda n: {1: 0.8 * cap, 2: cap}.get(n, cap * (1 - 0.02 * (n - 2)))


def long_rtt(rtt: float, cap: float = 2e6) -> Callable[[int], float]:
    """Each upload waits a round trip: n in flight carry n pages per (rtt + page/cap)."""
    return lambda n: min(cap, n * PAGE / (rtt + PAGE / cap))


def test_a_shaped_link_settles_at_two() -> None:
    c = InFlight()
    levels = feed(c, shaped(), 3000, jitter=0.05)
    assert c.settled == START == 2
    # Probes are short and rare: most of the pass runs at two.
    assert levels.count(2) > 0.85 * len(levels)
    assert set(levels) <= {1, 2, 3}
    assert any(level == 3 for level, _rate in c.history)  # it did look up


def test_a_long_round_trip_climbs_until_the_link_is_full() -> None:
    # 100 ms: each upload takes 135 ms, so 3 in flight carry 1.56 MB/s of 2, 4 fill it.
    c = InFlight()
    feed(c, long_rtt(0.100), 600, jitter=0.05)
    assert c.settled == 4
    assert [level for level, _rate in c.history][:4] == [2, 3, 4, 5]  # 5: no gain, back
    # 200 ms: 6 in flight carry 1.8 MB/s, each level up gains more than the margin.
    c = InFlight()
    levels = feed(c, long_rtt(0.200), 600, jitter=0.05)
    assert c.settled == HIGH == 6
    assert [level for level, _rate in c.history][:5] == [2, 3, 4, 5, 6]
    assert levels.count(6) > 0.6 * len(levels)


def test_a_level_taken_while_the_link_warmed_up_is_given_back() -> None:
    """The first window of a pass can be slow for reasons of its own (TLS handshakes, slow
    start): the probe after it looks like a gain. On a flat link the step back down, no
    slower, is kept."""
    calls = {"n": 0}
    flat = shaped()

    def warming(n: int) -> float:
        calls["n"] += 1
        return flat(n) * (0.6 if calls["n"] <= 40 else 1.0)

    c = InFlight()
    feed(c, warming, 2000, jitter=0.02)
    levels = [level for level, _rate in c.history]
    assert levels[:2] == [2, 3] and c.history[1][1] > 1.1 * c.history[0][1]
    assert c.settled == 2


def test_never_beyond_the_bounds() -> None:
    # A link where every extra upload doubles the rate: stops at six.
    c = InFlight()
    assert max(feed(c, lambda n: 1e5 * 2 ** n, 2000)) == HIGH
    assert c.settled == HIGH
    # A link where every extra upload hurts: goes down to one, never below.
    c = InFlight()
    assert min(feed(c, lambda n: 2e6 / n, 2000)) == LOW
    assert c.settled == LOW


def test_a_link_that_changes_is_followed() -> None:
    c = InFlight()
    feed(c, long_rtt(0.200), 600)
    assert c.settled == 6
    # The same counter later behind a shaper with no delay: more in flight gain nothing,
    # so step-downs (no worse) are kept until one upload alone would lose.
    feed(c, shaped(), 4000, start=10_000.0)
    assert c.settled == 2


def test_a_window_needs_enough_uploads_and_time() -> None:
    c = InFlight(min_done=8, min_seconds=1.0)
    # The first two to finish at two (the level's own lanes) open the window: they were on
    # the wire, or opening their connection, before the level was measured.
    c.finished(PAGE, 0.0)
    c.finished(PAGE, 0.0)
    for i in range(1, 8):
        c.finished(PAGE, i * 0.01)
    assert c.history == []  # 7 uploads: not yet a measurement
    c.finished(PAGE, 0.5)
    assert c.history == []  # 8 uploads but half a second
    c.finished(PAGE, 1.0)
    assert c.history == [(2, 9 * PAGE / 1.0)]
    assert c.limit == 3  # the first window at two is followed by a probe
    # At three, three finish before the window opens, and it needs 3 × 3 uploads.
    for i in range(3 + 8):
        c.finished(PAGE, 2.0 + i)
    assert len(c.history) == 1
    c.finished(PAGE, 20.0)
    assert c.history[1][0] == 3


def test_a_new_pass_opens_a_new_window_and_keeps_the_level() -> None:
    c = InFlight()
    feed(c, long_rtt(0.200), 600)
    level, measured = c.limit, len(c.history)
    c.begin(20_000.0)  # the link was idle for hours: nothing of that gap is measured
    for i in range(1, 6):
        c.finished(PAGE, 20_000.0 + i * 0.05)
    assert (c.limit, len(c.history)) == (level, measured)  # too few to decide anything
    feed(c, long_rtt(0.200), 200, start=20_000.25)
    assert all(rate > 1e6 for _level, rate in c.history[measured:])


def test_the_setting_accepts_auto_or_a_number(tmp_path: Path) -> None:
    config = Config(tmp_path / "config.toml")
    assert config.get("sync.parallel_uploads") == "auto"
    assert pinned("auto") is None
    assert config.set_text("sync.parallel_uploads", "3") == 3
    assert pinned(config.get("sync.parallel_uploads")) == 3
    assert config.set_text("sync.parallel_uploads", " auto ") == "auto"
    for bad in ("0", "9", "nhanh", "", "-1", "3.5"):
        with pytest.raises(ConfigError) as exc:
            config.set_text("sync.parallel_uploads", bad)
        assert "auto hoặc một số từ 1 đến 8" in exc.value.message
    # A file written when the setting was a number (the old default, 4) still pins it.
    old = tmp_path / "old.toml"
    old.write_text("config_version = 2\n[sync]\nparallel_uploads = 4\n", encoding="utf-8")
    assert Config.load(old).get("sync.parallel_uploads") == 4
    assert Config.load(old).problems() == []
    assert pinned(4) == 4


def test_the_gate_lets_limit_through_first_come_first_served() -> None:
    """The lanes never run more than the controller's limit at once, whatever it is."""
    c = InFlight(start=3, low=3, high=3)
    ticks = iter(range(10**6))
    lanes = UploadLanes(None, c, clock=lambda: float(next(ticks)))
    lock = threading.Lock()
    running = {"now": 0, "max": 0}
    order: list[int] = []

    def one(i: int) -> int:
        with lock:
            running["now"] += 1
            running["max"] = max(running["max"], running["now"])
            order.append(i)
        threading.Event().wait(0.005)
        with lock:
            running["now"] -= 1
        return PAGE

    try:
        assert lanes.run_all(range(40), one) == []
    finally:
        lanes.close()
    assert running["max"] <= 3
    assert order[:3] == sorted(order[:3]) and sorted(order) == list(range(40))
    assert len(c.history) >= 1  # the clock fed the controller


def _watch_uploads(engine: Any) -> dict[str, int]:
    """Concurrent upload requests (creation POSTs, PATCHes) the engine has on the wire."""
    seen = {"now": 0, "max": 0, "n": 0}
    lock = threading.Lock()
    original = engine.http.request

    def request(method: str, url: Any, **kw: Any) -> Any:
        upload = method in ("POST", "PATCH") and "/v1/uploads" in str(url)
        if upload:
            with lock:
                seen["now"] += 1
                seen["n"] += 1
                seen["max"] = max(seen["max"], seen["now"])
        try:
            return original(method, url, **kw)
        finally:
            if upload:
                with lock:
                    seen["now"] -= 1

    engine.http.request = request
    return seen


def test_the_default_engine_chooses_and_stays_exactly_once(store, central: Central) -> None:
    for i in range(6):
        save_dossier(store, pages=6, size=30_000, name=f"Đinh Thị Huyền {i}")
    engine = engine_for(store, central.url, central.token)  # the default: auto
    assert engine.parallel is None and engine.in_flight is not None
    # Short windows so a pass of 36 scans on loopback makes decisions.
    engine.in_flight = InFlight(min_done=4, min_seconds=0.0)
    seen = _watch_uploads(engine)
    result = engine.run_once()
    assert result["ok"] and result["sent"] == 6
    assert seen["n"] == 36
    assert 1 <= seen["max"] <= HIGH
    assert engine.in_flight.history  # measured and decided during the pass
    assert all(LOW <= level <= HIGH for level, _rate in engine.in_flight.history)
    assert_sync_properties(store, central)


@pytest.mark.parametrize("limit", [1, 3])
def test_the_engine_never_sends_more_at_once_than_the_limit(store, central: Central,
                                                            limit: int) -> None:
    for i in range(4):
        save_dossier(store, pages=8, size=20_000, name=f"Lê Văn Tám {i}")
    engine = engine_for(store, central.url, central.token)
    engine.in_flight = InFlight(start=limit, low=limit, high=limit)
    seen = _watch_uploads(engine)
    assert engine.run_once()["sent"] == 4
    assert seen["n"] == 32 and seen["max"] <= limit
    assert_sync_properties(store, central)


def test_a_pinned_number_keeps_its_own_lanes(store, central: Central) -> None:
    for i in range(3):
        save_dossier(store, pages=5, size=20_000, name=f"Trần Thị Mai {i}")
    engine = engine_for(store, central.url, central.token, parallel=2)
    assert engine.in_flight is None
    seen = _watch_uploads(engine)
    assert engine.run_once()["sent"] == 3
    assert seen["n"] == 15 and seen["max"] <= 2
    assert_sync_properties(store, central)
