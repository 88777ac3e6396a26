"""A bounded, seeded mix of everything at once: link faults, server faults, both sides
changing statuses. After the faults stop and one clean drain, SYNC.md's properties hold."""

from __future__ import annotations

import os
import random

import httpx
import pytest

from central import service
from central.faults import FaultRule
from central.netproxy import FaultProxy, Faults
from kiosk.sync.status import dossier_sync_state
from tests.sync.conftest import Central, assert_sync_properties, engine_for, save_dossier

#: Three seeds in CI (about 10 s); more locally: KIOSK_CHAOS_SEEDS=$(seq -s, 1 30).
SEEDS = [int(s) for s in os.environ.get("KIOSK_CHAOS_SEEDS", "1,2,3").split(",")]


@pytest.mark.parametrize("seed", SEEDS)
def test_random_faults_and_concurrent_status_changes(store, central: Central, seed: int) -> None:
    rng = random.Random(seed)
    saved = [save_dossier(store, pages=rng.randint(1, 3), size=rng.randint(20_000, 300_000))
             for _ in range(5)]
    faults = Faults(latency=0.001)
    with FaultProxy(central.server.port, faults) as proxy:
        engine = engine_for(store, proxy.url, central.token, rng=rng,
                            timeout=httpx.Timeout(2.0))
        for _round in range(8):
            roll = rng.random()
            if roll < 0.25:
                faults.reset_after.append(rng.randint(200, 400_000))
            elif roll < 0.4:
                faults.drop_response += 1
            elif roll < 0.55:
                central.plan.add(FaultRule(rng.choice(["500", "503", "401"]),
                                           method=rng.choice(["PUT", "PATCH", "POST", "HEAD"]),
                                           count=1))
            elif roll < 0.65:
                faults.black_hole += 1
            d = rng.choice(saved)
            local = store.get_dossier(d.code)["status"]
            remote = service.find_dossier(central.db, code=d.code)
            in_sync = dossier_sync_state(store, d.id) == "sent"
            if remote and in_sync and remote["status"] == 2 and rng.random() < 0.5:
                service.set_status(central.db, d.code, 4, "chuyển xử lý", "tỉnh")
            elif remote and in_sync and remote["status"] == 4 and local == 4:
                service.set_status(central.db, d.code, 9, "xong", "tỉnh")
            elif local == 2 and rng.random() < 0.3:
                store.change_status(d.code, 5, actor="clerk1", note="thiếu giấy tờ")
            elif local == 9:
                store.change_status(d.code, 10, actor="clerk1")
            engine.run_once(ignore_backoff=True)
            if rng.random() < 0.3:
                proxy.cut_all()
        # The faults stop: a clean link, no more injected errors.
        faults.reset_after.clear()
        faults.drop_response = faults.black_hole = 0
        central.plan.rules.clear()
        for _ in range(10):
            if engine.run_once(ignore_backoff=True)["waiting"] == 0:
                break
    assert_sync_properties(store, central)
