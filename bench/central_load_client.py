"""The simulated counters of bench/central_load.py: one asyncio task per counter, each with
its own device token, its own connection and its own outbox (the dossiers it still has to
send), speaking the sync protocol of SYNC.md with httpx: tus upload of every scan as the
real client does it (kiosk.sync.blobs: a new scan that fits one chunk is one
creation-with-upload POST when OPTIONS offers the extension; a retry asks HEAD first, then
creation and checksummed PATCHes, resuming at the server's offset on 409; ``old_uploads``:
HEAD, creation POST and PATCH for every scan, as before issue 28 §4), then the
idempotent PUT of the dossier body built by ``kiosk.sync.payload.dossier_body`` (the real
client's payload code), retried with the same Idempotency-Key, then the change feed pulled
from the counter's cursor, as the real engine does after a push."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import random
import time
import uuid
from collections import Counter as Tally
from dataclasses import dataclass, field
from typing import Any

import httpx

from kiosk.sync.payload import dossier_body

CHUNK = 256 * 1024  # the real client's first chunk size (kiosk.sync.blobs.START_CHUNK)
TUS = {"Tus-Resumable": "1.0.0"}
RETRIES = 6


@dataclass
class CounterSpec:
    index: int
    unit: str
    seq_base: int
    token: str
    url: str


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Tally[str] = field(default_factory=Tally)
    acked: list[dict[str, Any]] = field(default_factory=list)
    blobs: dict[str, int] = field(default_factory=dict)
    blob_bytes: int = 0
    replays_ok: int = 0
    replays_bad: int = 0
    feed: dict[int, list[int]] = field(default_factory=dict)
    cursors: dict[int, int] = field(default_factory=dict)
    units: dict[int, str] = field(default_factory=dict)
    unfinished: int = 0
    cpu: float = 0.0
    loop_lag: list[float] = field(default_factory=list)

    def merge(self, other: Results) -> None:
        for k, v in other.latencies.items():
            self.latencies.setdefault(k, []).extend(v)
        self.errors.update(other.errors)
        self.acked.extend(other.acked)
        self.blobs.update(other.blobs)
        self.blob_bytes += other.blob_bytes
        self.replays_ok += other.replays_ok
        self.replays_bad += other.replays_bad
        self.feed.update(other.feed)
        self.cursors.update(other.cursors)
        self.units.update(other.units)
        self.unfinished += other.unfinished
        self.cpu += other.cpu
        self.loop_lag.extend(other.loop_lag)


#: Real PDF/A pages as the counter's pipeline writes them, one per size step of 4 KB; each
#: scan is its template with a unique run of bytes inside the (opaque) JPEG data, so the
#: server parses and checks a real file and still stores a new blob every time.
_PAGE_TEMPLATES: dict[int, tuple[bytes, int]] = {}
_MARK = b"\xa5" * 32


def scan_page(size: int, rng: random.Random) -> bytes:
    step = max(1, round(size / 4096))
    if step not in _PAGE_TEMPLATES:
        from kiosk.devices.pipeline.encode import EncodedPage, ImageLayer
        from kiosk.devices.pipeline.pdf import build_pdf

        body = b"\xff\xd8\xff\xe0" + _MARK + random.Random(step).randbytes(step * 4096 - 3000)
        data = build_pdf([EncodedPage("jpeg", 1654, 2339, 200, [ImageLayer(
            body + b"\xff\xd9", "DCTDecode", 1654, 2339)])])
        _PAGE_TEMPLATES[step] = (data, data.index(_MARK))
    data, at = _PAGE_TEMPLATES[step]
    return data[:at] + rng.randbytes(len(_MARK)) + data[at + len(_MARK):]


class Transient(Exception):
    pass


def _checksum(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


class SimCounter:
    def __init__(self, spec: CounterSpec, res: Results, client: httpx.AsyncClient,
                 rng: random.Random, day: str) -> None:
        self.spec = spec
        self.res = res
        self.http = client
        self.rng = rng
        self.day = day
        self.auth = {"Authorization": f"Bearer {spec.token}"}
        self.cursor = 0
        self.etag: str | None = None
        self.catalog_tag: str | None = None
        self.with_upload = False  # OPTIONS said creation-with-upload
        self.old_uploads = False
        res.feed[spec.index] = []
        res.units[spec.index] = spec.unit

    async def call(self, name: str, method: str, path: str, **kw: Any) -> httpx.Response:
        start = time.perf_counter()
        try:
            r = await self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            self.res.errors[f"{name} {type(exc).__name__}"] += 1
            raise Transient(name) from exc
        self.res.latencies.setdefault(name, []).append(time.perf_counter() - start)
        if r.status_code >= 500 or r.status_code == 429:
            self.res.errors[f"{name} {r.status_code}"] += 1
            raise Transient(name)
        return r

    async def retrying(self, step: Any, *args: Any) -> Any:
        for attempt in range(RETRIES):
            try:
                return await step(*args)
            except Transient:
                await asyncio.sleep(self.rng.uniform(0, 0.3 * 2 ** attempt))
        raise RuntimeError(f"counter {self.spec.index}: gave up after {RETRIES} attempts")

    async def discover(self) -> None:
        r = await self.call("OPTIONS /v1/uploads", "OPTIONS", "/v1/uploads",
                            headers={**self.auth, **TUS})
        if r.status_code == 204:
            extensions = {e.strip() for e in r.headers.get("Tus-Extension", "").split(",")}
            self.with_upload = "creation-with-upload" in extensions

    async def upload(self, data: bytes, first: bool) -> str:
        sha = hashlib.sha256(data).hexdigest()
        direct = first and self.with_upload and not self.old_uploads and len(data) <= CHUNK
        if not direct:
            r = await self.call("HEAD /v1/blobs/{sha}", "HEAD", f"/v1/blobs/{sha}",
                                headers=self.auth)
            if r.status_code == 200:
                return sha
        meta = "sha256 " + base64.b64encode(sha.encode()).decode()
        headers = {**self.auth, **TUS, "Upload-Length": str(len(data)), "Upload-Metadata": meta}
        if self.old_uploads:
            r = await self.call("POST /v1/uploads", "POST", "/v1/uploads", headers=headers)
        elif len(data) <= CHUNK and self.with_upload:
            r = await self.call("POST /v1/uploads", "POST", "/v1/uploads", content=data,
                                headers={**headers, "Idempotency-Key": f"upload-{sha}-{len(data)}",
                                         "Content-Type": "application/offset+octet-stream",
                                         "Upload-Checksum": _checksum(data)})
        else:
            r = await self.call("POST /v1/uploads", "POST", "/v1/uploads",
                                headers={**headers, "Idempotency-Key": f"upload-{sha}-{len(data)}"})
        if r.status_code != 201:
            self.res.errors[f"POST /v1/uploads {r.status_code}"] += 1
            raise RuntimeError(r.text)
        location = r.headers["Location"]
        offset = int(r.headers.get("Upload-Offset", "0"))
        while offset < len(data):
            chunk = data[offset:offset + CHUNK]
            r = await self.call("PATCH /v1/uploads/{id}", "PATCH", location, content=chunk,
                                headers={**self.auth, **TUS, "Upload-Offset": str(offset),
                                         "Content-Type": "application/offset+octet-stream",
                                         "Upload-Checksum": _checksum(chunk)})
            if r.status_code == 409 and "offset" in r.json():
                offset = int(r.json()["offset"])  # a retry already landed: resume there
                continue
            if r.status_code != 204:
                self.res.errors[f"PATCH /v1/uploads/{{id}} {r.status_code}"] += 1
                raise Transient("patch")
            offset = int(r.headers["Upload-Offset"])
        return sha

    async def put(self, dossier_id: str, key: str, body: dict[str, Any]) -> httpx.Response:
        r = await self.call("PUT /v1/dossiers/{id}", "PUT", f"/v1/dossiers/{dossier_id}",
                            json=body, headers={**self.auth, "Idempotency-Key": key})
        if r.status_code == 409 and r.json().get("error") in ("conflict", "missing_blobs"):
            self.res.errors[f"PUT /v1/dossiers/{{id}} 409 {r.json()['error']}"] += 1
            raise Transient("put")
        if r.status_code not in (200, 201):
            self.res.errors[f"PUT /v1/dossiers/{{id}} {r.status_code}"] += 1
            raise RuntimeError(r.text)
        return r

    async def pull(self) -> None:
        while True:
            r = await self.call("GET /v1/changes", "GET", "/v1/changes", headers=self.auth,
                                params={"since": self.cursor, "limit": 200})
            if r.status_code != 200:
                self.res.errors[f"GET /v1/changes {r.status_code}"] += 1
                raise Transient("changes")
            feed = r.json()
            self.res.feed[self.spec.index].extend(int(c["seq"]) for c in feed["changes"])
            self.cursor = int(feed["next"])
            self.res.cursors[self.spec.index] = self.cursor
            if not feed["more"]:
                return

    async def fleet(self) -> None:
        """What a counter's sync pass ends with (issue 26): its health report, then the
        catalog with the version it has (a 304 once it has the published one)."""
        r = await self.call("PUT /v1/devices/self/health", "PUT", "/v1/devices/self/health",
                            headers=self.auth, json={
                                "app_version": "bench", "catalog_version": self.catalog_tag,
                                "outbox_depth": 0, "parked": 0,
                                "disk_free_bytes": 40 << 30, "clock_skew_seconds": 0})
        if r.status_code != 200:
            self.res.errors[f"PUT health {r.status_code}"] += 1
            raise Transient("health")
        headers = {**self.auth, **({"If-None-Match": self.etag} if self.etag else {})}
        r = await self.call("GET /v1/publications/catalog", "GET", "/v1/publications/catalog",
                            headers=headers)
        if r.status_code == 200:
            self.etag, self.catalog_tag = r.headers.get("ETag"), r.json()["version"]
        elif r.status_code not in (304, 404):
            self.res.errors[f"GET catalog {r.status_code}"] += 1
            raise Transient("catalog")

    def make_dossier(self, n: int, shas: list[tuple[str, int]]) -> dict[str, Any]:
        seq = self.spec.seq_base + n
        record = {
            "code": f"{self.spec.unit}-{self.day}-{seq:04d}",
            "procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh",
            "channel": 1, "note": "Đăng ký khai sinh cho con",
            "applicant": {"name": f"Nguyễn Thị Bench {self.spec.index}.{n}",
                          "id_number": "001158024485", "phone": "0912345678"},
            "received_at": "2026-12-01T08:15:00+07:00", "due_at": "2026-12-01T16:00:00+07:00",
            "received_by": f"clerk{self.spec.index}", "sets": 1, "catalog_version": "bench",
            "components": [{"code": "TK", "name": "Tờ khai", "copy_kind": "original",
                            "count": 1, "position": 1,
                            "pages": [{"sha256": s, "size": size, "mime": "application/pdf"}
                                      for s, size in shas]}],
        }
        return dossier_body(record, 2, None)

    async def run(self, n_dossiers: int, scans: tuple[int, int], scan_kb: float,
                  replay: float, deadline: float, cfg_pull: int = 1,
                  health_every: int = 0, old_uploads: bool = False, rate: float = 0.0,
                  real_pdf: bool = True) -> None:
        self.old_uploads = old_uploads
        due = time.monotonic()
        if not old_uploads:
            await self.retrying(self.discover)  # once, as the real client does per pass
        for n in range(1, n_dossiers + 1):
            if time.monotonic() > deadline:
                self.res.unfinished += n_dossiers - n + 1
                return
            if rate:
                # Open loop: the counter's next citizen arrives on a Poisson clock, whether
                # or not the server kept up (a counter behind goes on at once).
                due += self.rng.expovariate(rate)
                await asyncio.sleep(max(0.0, min(due, deadline + 0.001) - time.monotonic()))
                if time.monotonic() > deadline:  # the window is over: the rate stays the rate
                    self.res.unfinished += n_dossiers - n + 1
                    return
            pages = []
            for _ in range(self.rng.randint(*scans)):
                size = int(min(400_000, max(8_000, self.rng.lognormvariate(0, 0.5) * scan_kb
                                            * 1000)))
                pages.append(scan_page(size, self.rng) if real_pdf
                             else b"%PDF-1.4\n" + self.rng.randbytes(size))
            shas = []
            for data in pages:
                tries = iter((True,))
                sha = await self.retrying(
                    lambda d, t=tries: self.upload(d, next(t, False)), data)
                self.res.blobs[sha] = len(data)
                self.res.blob_bytes += len(data)
                shas.append((sha, len(data)))
            dossier_id, key = str(uuid.uuid4()), str(uuid.uuid4())
            body = self.make_dossier(n, shas)
            r = await self.retrying(self.put, dossier_id, key, body)
            ack = r.json()
            if self.rng.random() < replay:
                # The answer was "lost": the counter sends the same operation again.
                again = await self.retrying(self.put, dossier_id, key, body)
                if again.headers.get("Idempotent-Replayed") == "true" and again.json() == ack:
                    self.res.replays_ok += 1
                else:
                    self.res.replays_bad += 1
            self.res.acked.append({"id": dossier_id, "code": body["code"], "key": key,
                                   "shas": sorted(s for s, _ in shas), "unit": self.spec.unit,
                                   "seq": ack["server_seq"]})
            if cfg_pull and n % cfg_pull == 0:
                await self.retrying(self.pull)
            if health_every and n % health_every == 0:
                await self.retrying(self.fleet)


async def _run_all(specs: list[CounterSpec], cfg: dict[str, Any]) -> Results:
    res = Results()
    deadline = time.monotonic() + cfg["time_cap"]
    timeout = httpx.Timeout(60.0)
    clients = [httpx.AsyncClient(base_url=s.url, timeout=timeout,
                                 limits=httpx.Limits(max_connections=1)) for s in specs]
    counters = [SimCounter(s, res, c, random.Random(cfg["seed"] * 100_003 + s.index), cfg["day"])
                for s, c in zip(specs, clients, strict=True)]
    tasks = [asyncio.create_task(c.run(cfg["dossiers"], cfg["scans"], cfg["scan_kb"],
                                       cfg["replay"], deadline, cfg["pull_every"],
                                       cfg.get("health_every", 0), cfg.get("old_uploads", False),
                                       cfg.get("rate", 0.0) / (len(specs) * cfg.get("procs", 1)),
                                       cfg.get("real_pdf", True)))
             for c in counters]

    async def lag_probe() -> None:
        # How late this event loop wakes up: the part of a measured latency that is the
        # load generator's own queueing, not the server's.
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.05)
            res.loop_lag.append(time.perf_counter() - t - 0.05)

    probe = asyncio.create_task(lag_probe())
    for t in asyncio.as_completed(tasks):
        try:
            await t
        except Exception as exc:  # one counter giving up must not hide the others' figures
            res.errors[f"counter gave up: {str(exc)[:80]}"] += 1
    probe.cancel()
    for c in clients:
        await c.aclose()
    return res


def run_counters(specs: list[CounterSpec], cfg: dict[str, Any]) -> Results:
    """Entry point of one load process."""
    if cfg.get("real_pdf", True):  # the page templates before the clock: not the load's work
        warm = random.Random(0)
        for step in range(2, 400_000 // 4096 + 2):
            scan_page(step * 4096, warm)
    cpu0 = time.process_time()
    res = asyncio.run(_run_all(specs, cfg))
    res.cpu = time.process_time() - cpu0
    return res
