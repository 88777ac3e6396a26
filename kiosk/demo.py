"""Demo data for ``kiosk run --demo``, the screenshots and the UI tests.

A handful of realistic dossiers: received today, due today, one finished and waiting to be
collected, one overdue. Only added to an empty database, so a real counter never gets them.
"""

from __future__ import annotations

from datetime import timedelta

from kiosk.clock import now
from kiosk.dossier import Status
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, Store

PEOPLE = [
    ("Nguyễn Thị Hồng Nhung", "001189012345", "0912345678", "Thôn Đông, xã Mẫu, Hà Nội"),
    ("Trần Văn Đức", "034092001122", "0987654321", "Xóm Bến, xã Mẫu, Hà Nội"),
    ("Lê Thị Ánh Tuyết", "001301004455", "0904111222", "Thôn Trại, xã Mẫu, Hà Nội"),
    ("Phạm Quốc Việt", "036085007788", "0868123456", "Thôn Nam, xã Mẫu, Hà Nội"),
    ("Đặng Thùy Dương", "001196009900", "0977000111", "Xóm Chùa, xã Mẫu, Hà Nội"),
]


def seed(store: Store, actor: str = "canbo") -> list[str]:
    """Add the demo dossiers to an empty database; returns their codes ([] if not empty)."""
    if store.read(lambda db: db.execute("SELECT count(*) FROM dossiers").fetchone()[0]):
        return []
    catalog = store.catalog
    plan = [
        ("2.000815", 0, None), ("1.001193", 0, None), ("1.004873", 0, Status.PROCESSING),
        ("2.000635", 2, Status.DONE), ("1.004859", 9, Status.PROCESSING),
    ]
    codes = []
    for (proc_code, days_ago, status), (name, id_number, phone, address) in zip(
            plan, PEOPLE, strict=True):
        proc = catalog.get(proc_code)
        received = now().replace(hour=9, minute=15, second=0, microsecond=0) - timedelta(
            days=days_ago)
        inp = DossierInput(
            procedure_code=proc_code,
            applicant=ApplicantInput(name=name, id_number=id_number, phone=phone,
                                     address=address),
            components=[ComponentInput(name=c.name, code=c.code, copy_kind=_kind(c.form),
                                       count=c.count, checked=True)
                        for c in proc.components if c.mandatory],
            received_at=received,
        )
        saved = store.save_dossier(inp, actor)
        if status is not None:
            store.change_status(saved.code, int(Status.PROCESSING), actor)
            if status == Status.DONE:
                store.change_status(saved.code, int(Status.DONE), actor, "Đã ký kết quả")
        codes.append(saved.code)
    return codes


def _kind(form: str) -> str:
    return {"original_or_certified_copy": "certified_copy", "present": "original"}.get(form, form)
