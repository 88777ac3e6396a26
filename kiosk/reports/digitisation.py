"""Which documents of a dossier count for the digitised figures, and when a dossier is
digitised. One rule for the counter's database, the central server's bodies and the
Reports screen's chart (docs/REPORTS.md, "Digitised", says the same for its readers).

A document **counts** when it was received as part of the dossier and should therefore
exist digitally:

- shown only (xuất trình: the ID card looked at and handed back) — never counts;
- not received (an optional item the applicant did not bring, or nothing of it: quantity 0)
  — does not count;
- received and scanned — counts, digitised;
- received, and reused from an earlier digitised copy instead of being scanned again
  (``reused``) — counts, digitised, as reused: a reused document links the earlier copy's
  file (issue 24), so it has pages, yet it was not scanned here;
- received and neither scanned nor reused (a back-entered paper dossier, or a scan still to
  come) — counts, not digitised.

A returned dossier's **result** is *electronic* when the province issued one electronically
(a result downloaded from the central server), else *scanned* when a paper result was
digitised at the counter at hand-over, else unscanned (handed over on paper only, with its
reason). The report's ``results_digitised_share`` is the electronic and scanned ones over
the dossiers returned in the period; ``reused_share`` the reused documents over those that
count.

A dossier is **digitised** when at least one of its documents counts and every one that
counts is digitised. A dossier with nothing that counts (everything shown only) is neither
digitised nor in the share's denominator: it has nothing to digitise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DocumentTally:
    #: Documents that count (received, not shown only).
    documents: int = 0
    #: Of those, documents with a scan.
    scanned: int = 0
    #: Of those, documents reused from an earlier digitised copy instead of a new scan.
    reused: int = 0

    @property
    def digitised_documents(self) -> int:
        return self.scanned + self.reused

    @property
    def has_documents(self) -> bool:
        return self.documents > 0

    @property
    def digitised(self) -> bool:
        return self.documents > 0 and self.digitised_documents == self.documents


def counts_for_digitisation(*, received: bool, shown_only: bool, quantity: int) -> bool:
    return received and not shown_only and quantity > 0


def tally(components: Iterable[dict[str, Any]]) -> DocumentTally:
    """``components``: dicts with ``received``, ``shown_only``, ``quantity``, ``scanned``
    and ``reused`` (booleans, quantity an int)."""
    documents = scanned = reused = 0
    for c in components:
        if not counts_for_digitisation(received=bool(c["received"]),
                                       shown_only=bool(c["shown_only"]),
                                       quantity=int(c["quantity"] or 0)):
            continue
        documents += 1
        # Reused first: the reused item carries the earlier copy's file as its pages.
        if c["reused"]:
            reused += 1
        elif c["scanned"]:
            scanned += 1
    return DocumentTally(documents, scanned, reused)


def result_kind(origins: Iterable[str]) -> str | None:
    """``electronic``, ``scanned`` or None for a dossier whose results came from
    ``origins`` (``province``: issued electronically; ``counter``: scanned at hand-over)."""
    found = set(origins)
    if "province" in found:
        return "electronic"
    return "scanned" if "counter" in found else None
