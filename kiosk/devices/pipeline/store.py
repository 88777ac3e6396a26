"""Hand-off to the file store: the component PDF and its page thumbnails, by hash.

Thin on purpose: the storage layer (``kiosk.storage.files.FileStore``) owns durability; this
only decides what goes in. The dossier save records the returned hashes in its transaction.
"""

from __future__ import annotations

from typing import Any, Protocol

from kiosk.devices.pipeline.process import Component


class FilePutter(Protocol):
    """What we need of ``kiosk.storage.files.FileStore``: ``put(bytes)`` → ``.sha256``."""

    def put(self, data: bytes) -> Any: ...


def store_component(files: FilePutter, component: Component) -> dict[str, Any]:
    pdf = component.pdf()
    stored = files.put(pdf)
    pages = []
    for page in component.pages:
        thumb = files.put(page.thumbnail)
        pages.append({**page.to_json(), "thumbnail_sha256": thumb.sha256,
                      "in_pdf": page in component.kept()})
    return {"pdf_sha256": stored.sha256, "bytes": len(pdf), "pages": pages}
