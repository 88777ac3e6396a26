"""Helpers shared by the storage tests."""

from __future__ import annotations

from datetime import datetime

from kiosk.clock import TZ
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store

#: A Monday morning, a working day: due times are predictable.
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)


def make_input(
    store: Store | None = None,
    *,
    name: str = "Đinh Thị Huyền",
    id_number: str = "001158024485",
    phone: str = "0912345678",
    procedure: str = "1.001193",
    received_at: datetime | None = MONDAY_9,
    pages: int = 1,
    content: bytes = b"%PDF-1.4 scan",
) -> DossierInput:
    components = []
    if store is not None and pages:
        shas = [store.put_file(content + str(i).encode()) for i in range(pages)]
        components.append(
            ComponentInput("Tờ khai đăng ký khai sinh", code="TK",
                           pages=[PageInput(sha) for sha in shas])
        )
        components.append(ComponentInput("Giấy chứng sinh", code="GCS", copy_kind="copy",
                                         checked=False))
    return DossierInput(
        procedure,
        ApplicantInput(name, id_number=id_number, phone=phone),
        components=components,
        received_at=received_at,
    )
