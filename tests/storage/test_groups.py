"""Issue 25 §3: interconnected procedures (liên thông) in the catalog and one intake saving a
dossier per procedure, on a real SQLite store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import SAMPLE_CATALOG, loads_catalog, parse_catalog, read_catalog
from kiosk.catalog_groups import checklist
from kiosk.dossier import Status
from kiosk.errors import InvalidInput, NotFound, StorageError
from kiosk.group_intake import group_inputs, save_group
from kiosk.storage import ApplicantInput, PageInput, Store, records

BIRTH = "KS-TT-BHYT"
DEATH = "KT-XTT-MT"


@pytest.fixture
def store(kiosk_home: Path) -> Iterator[Store]:
    s = Store(orphan_grace_seconds=None)
    yield s
    s.close()


def _sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_CATALOG.read_text(encoding="utf-8"))
    return data


def _applicant() -> ApplicantInput:
    return ApplicantInput("Nguyễn Thị Mai", id_number="001190012345", phone="0912345678")


def test_sample_catalog_carries_both_groups() -> None:
    catalog = read_catalog(SAMPLE_CATALOG)
    birth, death = catalog.group(BIRTH), catalog.group("kt-xtt-mt")
    assert [catalog.get(c).name for c in birth.procedures] == [
        "Đăng ký khai sinh", "Đăng ký thường trú",
        "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"]
    assert [catalog.get(c).name for c in death.procedures] == [
        "Đăng ký khai tử", "Xóa đăng ký thường trú", "Giải quyết trợ cấp mai táng"]
    # Each procedure of a group names the agency that settles it (or the commune itself).
    assert {catalog.get(c).handled_by for c in birth.procedures} == {
        None, "Công an xã", "Bảo hiểm xã hội cơ sở"}
    items = checklist(death, {c: catalog.get(c) for c in death.procedures})
    shared = [i for i in items if i.shared]
    assert [i.key for i in shared] == ["GBT", "GTTT"]
    assert shared[0].members == (("1.000656", "GBT"), ("1.004206", "GBT"), ("1.001731", "GBT"))
    # A shared paper is one line; each procedure's own items follow, named by procedure.
    assert "1.004206:GBT" not in [i.key for i in items]
    assert "1.004206:CT01" in [i.key for i in items]
    # The groups survive an import's round trip (the catalog written under the data dir).
    again = parse_catalog(json.loads(json.dumps(catalog.to_json(), ensure_ascii=False)))
    assert again.groups == catalog.groups


@pytest.mark.parametrize(("change", "where"), [
    (lambda g: g["procedures"].append("9.999999"), "groups[0].procedures[3]"),
    (lambda g: g.update(procedures=["1.001193"]), "groups[0].procedures"),
    (lambda g: g.update(code="ks tt"), "groups[0].code"),
    (lambda g: g["shared"][0]["components"].update({"1.004222": "GTTT"}),
     "groups[0].shared[0].components.1.004222"),
    (lambda g: g["shared"][0]["components"].update({"1.000894": "TK"}),
     "groups[0].shared[0].components.1.000894"),
    (lambda g: g.pop("name"), "groups[0].name"),
])
def test_a_bad_group_refuses_the_whole_catalog(change: Any, where: str) -> None:
    data = _sample()
    change(data["groups"][0])
    raw = json.dumps(data, ensure_ascii=False).encode()
    with pytest.raises(InvalidInput) as err:
        loads_catalog(raw, "danh-muc.json")
    assert where in err.value.message and "Danh mục thủ tục không hợp lệ" in err.value.message


def test_a_duplicate_group_code_is_refused() -> None:
    data = _sample()
    data["groups"].append(dict(data["groups"][0]))
    with pytest.raises(InvalidInput, match="KS-TT-BHYT bị trùng"):
        parse_catalog(data)


def test_unknown_group_and_a_catalog_without_groups(store: Store) -> None:
    with pytest.raises(NotFound) as err:
        store.catalog.group("KS-XX")
    assert "không có nhóm liên thông KS-XX" in err.value.message
    assert BIRTH in (err.value.hint or "")
    data = _sample()
    del data["groups"]
    older = parse_catalog(data)
    with pytest.raises(NotFound) as err:
        older.group(BIRTH)
    assert "cập nhật danh mục" in (err.value.hint or "")


def _birth(store: Store, gcs: str) -> tuple[Any, list[Any]]:
    catalog = store.catalog
    group = catalog.group(BIRTH)
    inputs = group_inputs(catalog, group, _applicant(),
                          pages={"GCS": [PageInput(gcs)]}, ticked={"GTTT"})
    return group, inputs


def test_one_intake_three_linked_dossiers(store: Store) -> None:
    gcs = store.put_file(b"%PDF-1.4\n giay chung sinh " + os.urandom(2000))
    group, inputs = _birth(store, gcs)
    out = save_group(store, group, inputs, "clerk1")
    codes = [d["code"] for d in out["dossiers"]]
    # Consecutive numbers of this counter; each with its own procedure, agency and due.
    assert [int(c[-4:]) for c in codes] == [1001, 1002, 1003]
    assert [d["procedure"] for d in out["dossiers"]] == list(group.procedures)
    assert out["dossiers"][1]["handled_by"] == "Công an xã"
    assert len({d["due"] for d in out["dossiers"]}) == 3
    shown = [store.get_dossier(c) for c in codes]
    for record in shown:
        assert record["group"] == {"id": out["group_id"], "code": BIRTH, "name": group.name,
                                   "dossiers": codes}
    # The shared birth certificate: one file row, one file on disk, a page in two dossiers.
    page_rows = store.read(lambda db: db.execute(
        "SELECT count(*) FROM pages WHERE sha256 = ?", (gcs,)).fetchone()[0])
    assert page_rows == 2
    assert store.read(lambda db: db.execute(
        "SELECT count(*) FROM files WHERE sha256 = ?", (gcs,)).fetchone()[0]) == 1
    assert len([h for h in store.files.iter_hashes() if h == gcs]) == 1
    ks, tt, bhyt = shown
    assert [c["code"] for c in ks["components"] if c["pages"]] == ["GCS"]
    assert [c["code"] for c in bhyt["components"] if c["pages"]] == ["GCS"]
    assert tt["components"][0]["checked"] is False  # CT01 was not handed in
    # The identity paper was shown once, and counts as shown on both that need it.
    assert [c["presented"] for c in ks["components"] if c["code"] == "GTTT"] == [True]
    assert [c["presented"] for c in bhyt["components"] if c["code"] == "GTTT"] == [True]
    # Each dossier's status moves on its own.
    store.change_status(codes[1], int(Status.PROCESSING), "clerk1")
    after = [store.get_dossier(c)["status"] for c in codes]
    assert after == [2, int(Status.PROCESSING), 2]
    assert store.get_dossier(codes[1])["group"]["dossiers"] == codes
    # The outbox payload of each carries the group exactly as the record read back.
    payloads = store.read(lambda db: [json.loads(r[0]) for r in db.execute(
        "SELECT payload FROM outbox WHERE kind = 'dossier.upsert' ORDER BY id")])
    assert [p["group"]["id"] for p in payloads] == [out["group_id"]] * 3
    for payload, code in zip(payloads, codes, strict=True):
        record = store.read(lambda db, c=code: records.dossier_record(
            db, records.id_for_code(db, c) or "", with_procedure=False))
        if record["code"] == codes[1]:
            continue  # its status moved since
        assert payload == json.loads(json.dumps(record, ensure_ascii=False))


def test_all_or_nothing(store: Store) -> None:
    """A failure while saving the third dossier leaves no dossier, no group, no number."""
    gcs = store.put_file(b"%PDF-1.4\n giay chung sinh")
    group, inputs = _birth(store, gcs)
    inputs[2].components[0].copy_kind = "bogus"  # refused before any row is written
    with pytest.raises(InvalidInput):
        save_group(store, group, inputs, "clerk1")
    group, inputs = _birth(store, gcs)
    # Now fail inside the transaction, after two dossiers and their numbers were written.
    from kiosk.storage import groups

    real_insert = groups.dossiers.insert
    calls = {"n": 0}

    def failing(*a: Any, **k: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise StorageError("disk gone")
        return real_insert(*a, **k)

    groups.dossiers.insert = failing  # type: ignore[assignment]
    try:
        with pytest.raises(StorageError):
            save_group(store, group, inputs, "clerk1")
    finally:
        groups.dossiers.insert = real_insert  # type: ignore[assignment]
    assert calls["n"] == 3
    counts = store.read(lambda db: [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                                    for t in ("dossiers", "dossier_groups",
                                              "dossier_group_members", "outbox")])
    assert counts == [0, 0, 0, 0]
    # The numbers rolled back are the next ones given: none skipped, none reused.
    out = save_group(store, group, inputs, "clerk1")
    assert [int(d["code"][-4:]) for d in out["dossiers"]] == [1001, 1002, 1003]


def test_a_group_whose_procedure_left_the_catalog(store: Store, tmp_path: Path) -> None:
    """A catalog naming a group whose procedure it lacks never becomes the counter's."""
    data = _sample()
    data["version"] = "2099.1.1"
    data["procedures"] = [p for p in data["procedures"] if p["code"] != "1.013131"]
    bad = tmp_path / "danh-muc.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    from kiosk.catalog import import_catalog

    with pytest.raises(InvalidInput) as err:
        import_catalog(bad, store.config)
    assert "thủ tục 1.013131 không có trong danh mục" in err.value.message
    assert store.catalog.group(BIRTH).procedures[2] == "1.013131"


def _kiosk(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIOSK_HOME": str(home)}
    env.pop("KIOSK_LANG", None)
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, text=True,
                          capture_output=True, timeout=120)


def test_cli_refusals_write_nothing(kiosk_home: Path, tmp_path: Path) -> None:
    scan = tmp_path / "gbt.pdf"
    scan.write_bytes(b"%PDF-1.4 giay bao tu")
    who = ("--name", "Lê Văn Cường", "--id-number", "001085001234")
    cases = [
        (("--group", "KS-XX-YY", *who), "không có nhóm liên thông KS-XX-YY"),
        (("--group", "ks tt", *who), "Mã nhóm liên thông «ks tt» không hợp lệ"),
        (("--group", DEATH, *who, "--attach", f"TK={scan}"), "có ở nhiều thủ tục"),
        (("--group", DEATH, *who, "--attach", f"GKS={scan}"), "không có thành phần GKS"),
        (("--group", DEATH, *who, "--attach", f"GBT={tmp_path / 'none.pdf'}"), "none.pdf"),
        (("--group", DEATH, *who, "--reuse", "GBT=abc"), "--reuse"),
        (("--group", DEATH, "--procedure", "1.000656", *who), "không dùng"),
        (("--group", DEATH, *who, "--notify", "fax"), "fax"),
    ]
    for args, said in cases:
        done = _kiosk(kiosk_home, "dossier", "new", *args)
        assert done.returncode != 0, args
        assert said in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr and "không mong đợi" not in done.stderr
    store = Store()
    try:
        assert store.read(lambda db: db.execute("SELECT count(*) FROM dossiers").fetchone()[0]
                          ) == 0
    finally:
        store.close()
    done = _kiosk(kiosk_home, "dossier", "new", "--group", DEATH, *who,
                  "--attach", f"GBT={scan}", "--attach", f"1.000656:TK={scan}")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) >= {"group", "dossiers"} and out["group"] == DEATH
    assert [set(d) >= {"code", "procedure", "due"} for d in out["dossiers"]] == [True] * 3
    # Nothing was spent by the refusals: the first number of the day.
    assert out["dossiers"][0]["code"].endswith("-1001")
    shown = json.loads(_kiosk(kiosk_home, "dossier", "show", out["dossiers"][2]["code"]).stdout)
    assert shown["group"]["code"] == DEATH
    assert shown["group"]["dossiers"] == [d["code"] for d in out["dossiers"]]
