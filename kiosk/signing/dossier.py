"""Signing a dossier's component PDFs: at intake (before the save) and later (by code).

At intake :func:`sign_input` replaces each component's PDF in the :class:`DossierInput` by
its signed version, so the save stores the signed file and its sha256 is what the record
and the sync carry. When signing cannot happen the components are marked unsigned with the
reason and the dossier is saved all the same ("chưa ký số" on Home) — unless
``signing.required``, then the save is refused and the intake stays as a draft.
:func:`sign_dossier` signs a saved dossier's unsigned components later (dossier screen,
``kiosk sign CODE``); components signed before a failure stay signed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.i18n import _
from kiosk.signing import SigningError
from kiosk.signing.settings import SigningSettings
from kiosk.signing.token import TokenSession
from kiosk.storage.model import DossierInput, PageInput

if TYPE_CHECKING:
    from kiosk.storage import Store

PDF = "application/pdf"
Progress = Callable[[int, int], None]


@dataclass
class SignOutcome:
    signed: int = 0
    unsigned: int = 0
    error: str | None = None
    reason: str | None = None
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"signed": self.signed, "unsigned": self.unsigned, "error": self.error,
                "reason": self.reason}


def _required(exc: SigningError) -> SigningError:
    return SigningError(
        exc.message, reason=exc.reason,
        hint=_("Hồ sơ chưa được lưu vì đơn vị bắt buộc ký số (signing.required); thông tin "
               "đang nhập được giữ lại để lưu khi ký được."))


def _unsigned(error: str) -> dict[str, Any]:
    return {"state": "unsigned", "error": error}


def sign_input(inp: DossierInput, store: Store, settings: SigningSettings, pin: str | None,
               progress: Progress | None = None) -> SignOutcome:
    """Sign ``inp``'s component PDFs in place; see the module docstring for failures."""
    outcome = SignOutcome()
    if not settings.configured:
        return outcome
    # A reused paper keeps the file it was digitised as (signed then, or not): signing it
    # again would make a second copy of the bytes (issue 24).
    targets = [c for c in inp.components
               if not c.from_national_db and any(p.mime == PDF for p in c.pages)]
    if not targets:
        return outcome
    try:
        session = TokenSession(settings, pin or "")
    except SigningError as exc:
        if settings.required:
            raise _required(exc) from exc
        for comp in targets:
            comp.signature = _unsigned(exc.message)
        return SignOutcome(0, len(targets), exc.message, exc.reason, exc.hint)
    with session:
        for n, comp in enumerate(targets):
            try:
                pages: list[PageInput] = []
                last = None
                for page in comp.pages:
                    if page.mime != PDF:
                        pages.append(page)
                        continue
                    last = session.sign(store.files.read(page.sha256))
                    # An incremental update: the signed file is PDF/A-2b exactly when the
                    # unsigned one was, so what the page says about that stays true.
                    pages.append(PageInput(store.put_file(last.data), PDF, pdfa=page.pdfa,
                                           pdfa_problems=page.pdfa_problems))
            except SigningError as exc:
                if settings.required:
                    raise _required(exc) from exc
                for rest in targets[n:]:
                    rest.signature = _unsigned(exc.message)
                outcome.unsigned = len(targets) - n
                outcome.error, outcome.reason, outcome.hint = exc.message, exc.reason, exc.hint
                break
            comp.pages = pages
            assert last is not None
            comp.signature = {"state": "signed", "signer": last.signer,
                              "signed_at": last.signed_at, "timestamped": last.timestamped}
            outcome.signed += 1
            if progress:
                progress(n + 1, len(targets))
    return outcome


def unsigned_components(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Components with a PDF whose stored file is not (yet) signed by the kiosk."""
    return [c for c in record["components"]
            if any(p.get("mime", PDF) == PDF for p in c["pages"])
            and (c.get("signature") or {}).get("state") != "signed"]


def sign_dossier(store: Store, code: str, settings: SigningSettings, pin: str, *,
                 actor: str, progress: Progress | None = None) -> dict[str, Any]:
    """Sign the unsigned components of dossier ``code``; returns what was signed.

    A failure after some components were signed keeps those (committed with their outbox
    entry) and raises, so the clerk sees why the rest is still unsigned.
    """
    from kiosk.storage import signatures

    if not settings.configured:  # nothing to record: this machine signs nothing
        TokenSession(settings, pin)  # raises the "not configured" error
    record = store.get_dossier(code)
    todo = unsigned_components(record)
    if not todo:
        return {"code": record["code"], "signed": [], "unsigned": [],
                "message": _("Mọi thành phần của hồ sơ {code} đã được ký số.",
                             code=record["code"])}
    done: list[dict[str, Any]] = []
    failed: dict[int, str] = {}
    error: SigningError | None = None
    try:
        with TokenSession(settings, pin) as session:
            for n, comp in enumerate(todo):
                for page in comp["pages"]:
                    if page.get("mime", PDF) != PDF:
                        continue
                    signed = session.sign(store.files.read(page["sha256"]))
                    stored = store.put_file_info(signed.data)
                    done.append({"position": comp["position"], "old": page["sha256"],
                                 "new": stored.sha256, "size": stored.size,
                                 "signer": signed.signer, "signed_at": signed.signed_at,
                                 "timestamped": signed.timestamped})
                if progress:
                    progress(n + 1, len(todo))
    except SigningError as exc:
        error = exc

        def complete(comp: dict[str, Any]) -> bool:
            pdfs = sum(1 for p in comp["pages"] if p.get("mime", PDF) == PDF)
            return sum(1 for d in done if d["position"] == comp["position"]) == pdfs

        # A component whose pages were only partly signed stays unsigned.
        failed = {c["position"]: exc.message for c in todo if not complete(c)}
    dossier_id = record["id"]
    result = store.call(lambda db: signatures.replace_signed(db, dossier_id, actor, done,
                                                              failed))
    if error is not None:
        positions = ", ".join(str(p) for p in result["signed"]) or "0"
        raise SigningError(error.message, reason=error.reason,
                           hint=_("Đã ký các thành phần: {signed}; các thành phần còn lại vẫn "
                                  "«chưa ký số».", signed=positions) + " " + (error.hint or ""),
                           signed=result["signed"], unsigned=result["unsigned"])
    return {"code": record["code"], **result}


def sign_bytes(data: bytes, settings: SigningSettings, pin: str,
               reason: str | None = None) -> dict[str, Any]:
    """Sign one PDF (``kiosk sign FILE``, forms); returns the bytes and who signed."""
    with TokenSession(settings, pin) as session:
        signed = session.sign(data, reason=reason)
    return {"data": signed.data, "signer": signed.signer, "signed_at": signed.signed_at,
            "timestamped": signed.timestamped}
