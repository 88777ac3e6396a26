"""Which documents count for the digitised figures, on the counter's database and on the
central server's bodies (the same rule, kiosk.reports.digitisation)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kiosk.clock import now
from kiosk.reports.digitisation import tally
from kiosk.reports.records import server_record
from kiosk.reports.summary import summary
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store

BIRTH = "1.001193"


def _doc(code: str, *, received: bool = True, shown: bool = False, quantity: int = 1,
         scanned: bool = False, reused: bool = False) -> dict[str, object]:
    return {"code": code, "received": received, "shown_only": shown, "quantity": quantity,
            "scanned": scanned, "reused": reused}


def test_every_kind_of_checklist_item() -> None:
    docs = [_doc("TK", scanned=True), _doc("GCS", scanned=True),
            _doc("GTTT", shown=True),                 # shown only: never counts
            _doc("UQ", received=False),               # optional and absent
            _doc("XN", quantity=0),                   # nothing of it
            _doc("BS", reused=True)]                  # reused from an earlier copy
    t = tally(docs)
    assert (t.documents, t.scanned, t.reused, t.digitised) == (3, 2, 1, True)
    # A handed-in paper with neither a scan nor a reused copy: not digitised.
    assert not tally([*docs, _doc("CC")]).digitised
    # Nothing to digitise (only the card shown): neither digitised nor counted.
    only_shown = tally([_doc("GTTT", shown=True)])
    assert (only_shown.has_documents, only_shown.digitised) == (False, False)


def _save(store: Store, comps: list[ComponentInput]) -> str:
    inp = DossierInput(BIRTH, ApplicantInput("Lê Văn Tám", id_number="001158024485"),
                       components=comps)
    return store.save_dossier(inp, "canbo1").code


def test_counter_records_follow_the_rule(kiosk_home: Path) -> None:
    with Store(orphan_grace_seconds=None) as store:
        def page() -> list[PageInput]:
            return [PageInput(store.put_file(b"%PDF-1.4\n% a scan\n"))]

        # The dossier: three papers handed in and scanned, the ID card shown.
        full = _save(store, [ComponentInput("Tờ khai", code="TK", pages=page()),
                             ComponentInput("Giấy chứng sinh", code="GCS", pages=page()),
                             ComponentInput("CCCD", code="GTTT", presented=True),
                             ComponentInput("Ủy quyền", code="UQ", pages=page())])
        # A document taken from an earlier digitised copy (the counter's from_national_db,
        # sent to the server as "reused"): digitised without a new scan.
        reused = _save(store, [ComponentInput("Tờ khai", code="TK", pages=page()),
                               ComponentInput("Giấy chứng sinh", code="GCS",
                                              from_national_db=True),
                               ComponentInput("CCCD", code="GTTT", presented=True),
                               ComponentInput("Ủy quyền", code="UQ", checked=False)])
        # Handed in on paper and not scanned (a back-entry would be like this).
        paper = _save(store, [ComponentInput("Tờ khai", code="TK"),
                              ComponentInput("Giấy chứng sinh", code="GCS", pages=page()),
                              ComponentInput("CCCD", code="GTTT", presented=True)])
        # Nothing handed in at all: only the card shown.
        shown = _save(store, [ComponentInput("CCCD", code="GTTT", presented=True)])
        records = {r.code: r for r in store.report_records()}
    assert records[full].documents.digitised and records[full].documents.documents == 3
    assert records[reused].documents.digitised and records[reused].documents.reused == 1
    assert not records[paper].documents.digitised
    assert not records[shown].documents.has_documents
    today = now().date()
    report = summary(records.values(), today, today)
    assert report["digitised"] == 2
    assert report["digitisation"] == {"dossiers": 3, "documents": 7, "scanned": 5,
                                      "reused": 1}
    assert report["digitised_share"] == round(2 / 3, 4)


def test_server_bodies_follow_the_rule() -> None:
    body = {"code": "000.00.04.H40-261125-1001", "procedure_code": BIRTH,
            "received_at": "2026-11-25T09:00:00+07:00", "due_at": "2026-11-25T17:00:00+07:00",
            "components": [
                {"code": "TK", "quantity": 1, "handed_in": True, "pages": [{"sha256": "a"}]},
                {"code": "GCS", "quantity": 1, "handed_in": True, "reused": True,
                 "pages": []},
                {"code": "UQ", "quantity": 1, "handed_in": False, "pages": []}]}
    rec = server_record(body, unit="X", status=2)
    assert (rec.documents.documents, rec.documents.scanned, rec.documents.reused) == (2, 1, 1)
    assert summary([rec], date(2026, 11, 25), date(2026, 11, 25))["digitised_share"] == 1.0
