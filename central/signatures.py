"""Checking the signatures of uploaded component PDFs against the province's trust roots.

Every PDF page of a dossier the server accepts is validated with pyHanko's validator
(:func:`kiosk.signing.verify.verify_pdf`) against the CA bundle the server was started with
(``kiosk central serve --trust CA.pem`` or ``KIOSK_CENTRAL_TRUST``). The verdict is cached
per blob and trust bundle (``blob_signatures``), written onto each component of the stored
record (``components[].signatures``), and a file that is signed but not intact, or signed
by a certificate the roots do not vouch for, adds a ``signature_invalid`` event to the
change feed: a bad file is flagged, never silently accepted — and never dropped either, so
the counter's work is not lost.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from central.blobstore import BlobStore
from kiosk import clock

if TYPE_CHECKING:
    from central.db import Database, Tx

log = logging.getLogger(__name__)

PDF = "application/pdf"
#: What a component's ``signatures`` entries carry (the rest of the verdict stays here).
_KEPT = ("signed", "valid", "intact", "signer", "signed_at", "timestamped", "pdfa")

class SignatureChecker:
    """Validates blobs against one trust bundle (none: nothing is trusted)."""

    def __init__(self, trust_file: Path | None) -> None:
        from kiosk.signing.verify import load_trust

        self.trust_file = trust_file
        self.trust = load_trust(trust_file) if trust_file else []
        digest = hashlib.sha256()
        for cert in self.trust:
            digest.update(cert.dump())
        self.trust_id = digest.hexdigest()[:32]

    def verdict(self, data: bytes) -> dict[str, Any]:
        from kiosk.signing.verify import verify_pdf

        full = verify_pdf(data, self.trust)
        out = {k: full.get(k) for k in _KEPT}
        problems = [s.get("problem") for s in full.get("signatures", []) if s.get("problem")]
        if full.get("problem"):
            problems.append(full["problem"])
        if out["signed"] and not full["signatures"][0].get("trusted", False):
            problems.append("signer not trusted by the server's CA bundle")
        if problems:
            out["problem"] = "; ".join(str(p) for p in problems)[:500]
        return out

    def results(self, db: Database, blobs: BlobStore, pages: list[tuple[str, str]]
                ) -> dict[str, dict[str, Any]]:
        """Verdicts for the PDF pages ``(sha256, mime)`` present in the blob store."""
        wanted = sorted({sha for sha, mime in pages if mime == PDF and blobs.has(sha)})
        found: dict[str, dict[str, Any]] = {}
        if not wanted:
            return found
        with db.transaction(write=False) as tx:
            for sha in wanted:
                row = tx.one("SELECT verdict FROM blob_signatures WHERE sha256 = ? AND "
                             "trust_id = ?", (sha, self.trust_id))
                if row is not None:
                    found[sha] = json.loads(row["verdict"])
        for sha in wanted:
            if sha in found:
                continue
            try:
                data = blobs.blob_path(sha).read_bytes()
            except OSError as exc:  # the blob went away meanwhile: the PUT will say so
                log.warning("cannot read blob %s: %s", sha, exc)
                continue
            try:
                found[sha] = self.verdict(data)
            except Exception as exc:  # a file the validator chokes on is flagged, not a 500
                log.exception("cannot check the signature of blob %s", sha)
                found[sha] = {"signed": None, "valid": False, "intact": False,
                              "problem": f"cannot be checked: {type(exc).__name__}"}
            with db.transaction() as tx:
                if tx.one("SELECT sha256 FROM blob_signatures WHERE sha256 = ? AND "
                          "trust_id = ?", (sha, self.trust_id)) is None:
                    tx.execute("INSERT INTO blob_signatures (sha256, trust_id, verdict, "
                               "checked_at) VALUES (?, ?, ?, ?)",
                               (sha, self.trust_id, json.dumps(found[sha], ensure_ascii=False),
                                clock.iso(clock.now())))
        return found


def extends(blobs: BlobStore, old: str, new: str) -> bool:
    """Whether blob ``new`` is blob ``old`` plus an incremental update (a later signature)."""
    try:
        old_path, new_path = blobs.blob_path(old), blobs.blob_path(new)
        size = old_path.stat().st_size
        if new_path.stat().st_size <= size:
            return False
        with old_path.open("rb") as a, new_path.open("rb") as b:
            while True:
                chunk = a.read(1 << 20)
                if not chunk:
                    return True
                if b.read(len(chunk)) != chunk:
                    return False
    except OSError:
        return False


def annotate(body: dict[str, Any], verdicts: dict[str, dict[str, Any]],
             require_trust: bool = True) -> list[str]:
    """Write each PDF page's verdict onto its component in ``body``; returns the problems.

    A problem is a file that is signed but not intact or not valid (tampered, or signed by a
    certificate the server does not trust). Unsigned files are recorded as such only. A
    server without a CA bundle (``require_trust=False``) flags only files not intact.
    """
    problems: list[str] = []
    for comp in body.get("components", []):
        entries = []
        for page in comp.get("pages", []):
            verdict = verdicts.get(page["sha256"])
            if verdict is None:
                continue
            entries.append({"sha256": page["sha256"], **verdict})
            bad = not verdict.get("intact") or (require_trust and not verdict.get("valid"))
            if verdict.get("signed") is None:
                problems.append(f"{comp.get('code')}: unverifiable ({page['sha256'][:12]})")
            elif verdict.get("signed") and bad:
                what = "tampered" if not verdict.get("intact") else "invalid signature"
                problems.append(f"{comp.get('code')}: {what} ({page['sha256'][:12]})")
        if entries:
            comp["signatures"] = entries
            comp["signed"] = all(bool(e["signed"]) for e in entries)
            comp["signature_valid"] = all(e["signed"] and e["valid"] and e["intact"]
                                          for e in entries)
    return problems


def flag(tx: Tx, dossier_id: str, unit: str, status: int, version: int, problems: list[str],
         now: str) -> None:
    """The change-feed event that tells the unit (and the province) a file is bad."""
    tx.insert_returning_seq(
        "INSERT INTO changes (dossier_id, unit_code, kind, status, server_version,"
        " origin_device, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (dossier_id, unit, "signature_invalid", status, version, None,
         "; ".join(problems)[:2000], now),
    )
