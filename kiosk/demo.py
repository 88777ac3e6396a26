"""Demo data for ``kiosk run --demo``, the screenshots and the UI tests.

A handful of realistic dossiers received today and in the days before. Only added to an
empty database, so a real counter never gets them. Processing status belongs to the central
server (SYNC.md): ``make run`` moves two of them forward there and lets sync bring the
change back; ``progress=True`` plays that change locally instead (tests, screenshots), so
one dossier is finished and waiting to be collected and one is overdue.
"""

from __future__ import annotations

from datetime import timedelta

from kiosk.clock import now
from kiosk.dossier import Status
from kiosk.intake import copy_kind_for
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, Store

PEOPLE = [
    ("Nguyễn Thị Hồng Nhung", "001189012345", "0912345678", "Thôn Đông, xã Mẫu, Hà Nội"),
    ("Trần Văn Đức", "034092001122", "0987654321", "Xóm Bến, xã Mẫu, Hà Nội"),
    ("Lê Thị Ánh Tuyết", "001301004455", "0904111222", "Thôn Trại, xã Mẫu, Hà Nội"),
    ("Phạm Quốc Việt", "036085007788", "0868123456", "Thôn Nam, xã Mẫu, Hà Nội"),
    ("Đặng Thùy Dương", "001196009900", "0977000111", "Xóm Chùa, xã Mẫu, Hà Nội"),
]


#: Where ``progress`` moves the demo dossiers (by position in :data:`PLAN`).
PROGRESS = {2: (Status.PROCESSING,), 3: (Status.PROCESSING, Status.DONE), 4: (Status.PROCESSING,)}


def seed(store: Store, actor: str = "canbo", *, progress: bool = False) -> list[str]:
    """Add the demo dossiers to an empty database; returns their codes ([] if not empty)."""
    if store.read(lambda db: db.execute("SELECT count(*) FROM dossiers").fetchone()[0]):
        return []
    catalog = store.catalog
    plan = [("2.000815", 0), ("1.001193", 0), ("1.004873", 0), ("2.000635", 2), ("1.004859", 9)]
    codes = []
    for (proc_code, days_ago), (name, id_number, phone, address) in zip(
            plan, PEOPLE, strict=True):
        proc = catalog.get(proc_code)
        received = now().replace(hour=9, minute=15, second=0, microsecond=0) - timedelta(
            days=days_ago)
        inp = DossierInput(
            procedure_code=proc_code,
            applicant=ApplicantInput(name=name, id_number=id_number, phone=phone,
                                     address=address),
            components=[ComponentInput(name=c.name, code=c.code, copy_kind=copy_kind_for(c.form),
                                       count=c.count, checked=True)
                        for c in proc.components if c.mandatory],
            received_at=received,
        )
        codes.append(store.save_dossier(inp, actor).code)
    if progress:
        for index, steps in PROGRESS.items():
            for status in steps:
                store.change_status(codes[index], int(status), "trung-tam",
                                    "Đã ký kết quả" if status == Status.DONE else "")
    return codes

