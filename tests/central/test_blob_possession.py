"""Scans are shared by sha256, but only a unit that proved it holds the bytes may use one
(issue 22 §1): two units, their counters running the real sync engine against the real
server on loopback, and a device of one unit that knows only the sha256 of the other's scan.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from kiosk.config import Config
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store
from kiosk.sync import machine, possession
from kiosk.sync.engine import SyncEngine
from kiosk.sync.transport import make_client
from tests.central.helpers import OTHER_UNIT, TUS, UNIT, checksum, dossier, meta, new_id


def auth(token: str) -> dict[str, str]:
    """As a device on this machine (the counters' engines bound their tokens to it)."""
    return {"Authorization": f"Bearer {token}", machine.HEADER: machine.machine_id()}


class Units:
    def __init__(self, srv: ServerThread, root: Path) -> None:
        self.srv = srv
        self.root = root
        self.tokens = {u: service.add_device(srv.db, u, "quầy 1")["token"]
                       for u in (UNIT, OTHER_UNIT)}

    def counter(self, unit: str) -> tuple[Store, SyncEngine]:
        """A counter of ``unit``: its own SQLite store and files, the real sync engine."""
        home = self.root / unit
        config = Config(home / "config.toml", {"unit": {"code": unit}})
        store = Store(home / "kiosk.sqlite3", home / "files", config, orphan_grace_seconds=None)
        return store, SyncEngine(store, make_client(self.srv.url),
                                 lambda: self.tokens[unit])


@pytest.fixture
def units(tmp_path: Path) -> Iterator[Units]:
    db = Database(str(tmp_path / "central.sqlite3"))
    with ServerThread(db, BlobStore(tmp_path / "blobs")) as srv:
        yield Units(srv, tmp_path)


def save(store: Store, scans: list[bytes]) -> str:
    shas = [store.put_file(scan) for scan in scans]
    saved = store.save_dossier(DossierInput(
        "1.001193", ApplicantInput("Lê Thị Mai", id_number="001158024485"),
        components=[ComponentInput("Tờ khai", code="TK", pages=[PageInput(s) for s in shas])]),
        actor="clerk1")
    return str(saved.code)


def sync(store: Store, engine: SyncEngine) -> dict[str, object]:
    result = engine.run_once()
    assert result["ok"] and result["waiting"] == 0, result
    return result


def answers(client: httpx.Client, token: str, sha: str, size: int) -> dict[str, object]:
    """What a device that knows only ``sha`` (and the size) can learn, request by request."""
    head = client.head(f"/v1/blobs/{sha}", headers=auth(token))
    post = client.post("/v1/uploads", headers={
        **auth(token), **TUS, "Upload-Length": str(size), "Upload-Metadata": meta(sha),
        "Idempotency-Key": f"k-{sha}", possession.PROOF_HEADER:
            f"{head.headers.get(possession.CHALLENGE_HEADER, 'x')} {'0' * 64}"})
    empty = client.post("/v1/uploads", headers={
        **auth(token), **TUS, "Upload-Length": "0", "Upload-Metadata": meta(sha)})
    zero_patch = client.patch(post.headers["Location"], content=b"", headers={
        **auth(token), **TUS, "Upload-Offset": "0", "Upload-Checksum": checksum(b""),
        "Content-Type": "application/offset+octet-stream"})
    body = dossier(4000 + size % 1000, unit=UNIT)
    body["components"][0]["pages"] = [{"sha256": sha, "size": size}]
    put = client.put(f"/v1/dossiers/{new_id()}", json=body,
                     headers={**auth(token), "Idempotency-Key": new_id()})
    get = client.get(f"/v1/blobs/{sha}", headers=auth(token))
    return {
        "head": (head.status_code, head.content, possession.CHALLENGE_HEADER in head.headers,
                 "upload-length" in head.headers),
        "post": (post.status_code, post.headers["Upload-Offset"]),
        "empty": (empty.status_code, empty.json().get("error")),
        "zero_patch": (zero_patch.status_code, zero_patch.headers.get("Upload-Offset")),
        "put": (put.status_code, put.json().get("error"), put.json().get("missing")),
        "get": (get.status_code, get.content),
    }


def test_another_units_scan_is_answered_as_if_absent(units: Units) -> None:
    """Unit B's counter uploads a scan; a unit-A device that knows its sha256 gets exactly
    the answers it gets for a sha256 nobody uploaded, and cannot use or download it."""
    store_b, engine_b = units.counter(OTHER_UNIT)
    scan = b"%PDF-1.4\n" + os.urandom(300_000)
    save(store_b, [scan])
    sync(store_b, engine_b)
    theirs = hashlib.sha256(scan).hexdigest()
    nobodys = hashlib.sha256(b"%PDF-1.4\n" + os.urandom(300_000)).hexdigest()
    token_a = units.tokens[UNIT]
    with httpx.Client(base_url=units.srv.url, timeout=30) as client:
        seen = answers(client, token_a, theirs, len(scan))
        unknown = answers(client, token_a, nobodys, len(scan))
        for key in ("head", "post", "empty", "zero_patch", "get"):
            assert seen[key] == unknown[key], key
        assert seen["head"][0] == 404 and seen["head"][2] and not seen["head"][3]
        assert seen["post"] == (201, "0")  # never "complete": the bytes must come
        assert seen["empty"] == (460, "blob_checksum_mismatch")
        assert seen["zero_patch"] == (204, "0")
        assert seen["put"][:2] == unknown["put"][:2] == (409, "missing_blobs")
        assert seen["put"][2] == [theirs] and seen["get"][0] == 404
        # B itself still reads its scan back.
        assert client.get(f"/v1/blobs/{theirs}",
                          headers=auth(units.tokens[OTHER_UNIT])).content == scan
    with units.srv.db.transaction(write=False) as tx:
        owners = tx.all("SELECT unit_code FROM blob_owners WHERE sha256 = ?", (theirs,))
    assert owners == [{"unit_code": OTHER_UNIT}]


def test_a_unit_holding_the_same_file_proves_it_without_uploading(units: Units) -> None:
    """Unit A's counter has the very file unit B already sent (a citizen's document both
    received): its engine answers the challenge, the upload is skipped, the dossier stored."""
    store_b, engine_b = units.counter(OTHER_UNIT)
    store_a, engine_a = units.counter(UNIT)
    shared = b"%PDF-1.4\n" + os.urandom(1_500_000)  # several chunks
    own = b"%PDF-1.4\n" + os.urandom(40_000)
    save(store_b, [shared])
    sync(store_b, engine_b)
    code = save(store_a, [shared, own])
    sync(store_a, engine_a)
    assert engine_a.bytes_sent < len(shared)  # the shared file never crossed the link again
    sha = hashlib.sha256(shared).hexdigest()
    with units.srv.db.transaction(write=False) as tx:
        how = tx.all("SELECT unit_code, how FROM blob_owners WHERE sha256 = ?"
                     " ORDER BY unit_code", (sha,))
        stored = tx.one("SELECT code FROM dossiers WHERE code = ?", (code,))
    assert how == [{"unit_code": UNIT, "how": "challenge"},
                   {"unit_code": OTHER_UNIT, "how": "upload"}]
    assert stored is not None
    with httpx.Client(base_url=units.srv.url, timeout=30) as client:
        assert client.get(f"/v1/blobs/{sha}", headers=auth(units.tokens[UNIT])).content == shared


def test_proofs_of_large_files_and_wrong_proofs(units: Units, tmp_path: Path) -> None:
    """Past 4 MiB the answer samples windows of the file; an answer for other bytes, another
    unit's challenge or an old one proves nothing."""
    big = os.urandom(5 << 20)
    sha = hashlib.sha256(big).hexdigest()
    token_a, token_b = units.tokens[UNIT], units.tokens[OTHER_UNIT]
    path = tmp_path / "big.bin"
    path.write_bytes(big)
    with httpx.Client(base_url=units.srv.url, timeout=60) as client:
        r = client.post("/v1/uploads", content=big, headers={
            **auth(token_b), **TUS, "Content-Type": "application/offset+octet-stream",
            "Upload-Length": str(len(big)), "Upload-Metadata": meta(sha)})
        assert r.status_code == 201 and r.headers["Upload-Offset"] == str(len(big))

        def create(token: str, proof: str) -> str:
            r = client.post("/v1/uploads", headers={
                **auth(token), **TUS, "Upload-Length": str(len(big)), "Upload-Metadata":
                    meta(sha), "Idempotency-Key": new_id(), possession.PROOF_HEADER: proof})
            assert r.status_code == 201, r.text
            return str(r.headers["Upload-Offset"])

        def challenge(token: str) -> str:
            return str(client.head(f"/v1/blobs/{sha}", headers=auth(token))
                       .headers[possession.CHALLENGE_HEADER])

        nonce = challenge(token_a)
        other = bytearray(big)
        start, _length = possession.windows(nonce, len(big))[10]
        other[start] ^= 1  # one byte off in one window
        wrong = tmp_path / "other.bin"
        wrong.write_bytes(bytes(other))
        assert create(token_a, f"{nonce} {possession.answer_file(wrong, nonce)}") == "0"
        token_c = service.add_device(units.srv.db, "000.00.06.H40")["token"]
        theirs = challenge(token_c)  # issued to unit C: no good for unit A
        assert create(token_a, f"{theirs} {possession.answer_file(path, theirs)}") == "0"
        stamp, rand, mac = nonce.split(".")
        forged = f"{int(stamp) - 3600}.{rand}.{mac}"
        assert create(token_a, f"{forged} {possession.answer_file(path, forged)}") == "0"
        assert client.head(f"/v1/blobs/{sha}", headers=auth(token_a)).status_code == 404
        assert create(token_a, f"{nonce} {possession.answer_file(path, nonce)}") == str(len(big))
        head = client.head(f"/v1/blobs/{sha}", headers=auth(token_a))
        assert head.status_code == 200 and head.headers["Upload-Length"] == str(len(big))


def test_windows_cover_small_files_whole_and_sample_large_ones() -> None:
    assert possession.windows("n", 1000) == [(0, 1000)]
    assert possession.windows("n", possession.WHOLE_FILE_UP_TO) == [
        (0, possession.WHOLE_FILE_UP_TO)]
    size = 50 << 20
    spots = possession.windows("n", size)
    assert len(spots) == possession.WINDOWS and spots == sorted(spots)
    assert all(0 <= s and s + n <= size and n == possession.WINDOW for s, n in spots)
    assert spots != possession.windows("m", size)  # each nonce asks for other bytes
