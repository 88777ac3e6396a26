"""Issue 26 §3: the province page driven in Debian's chromium (selenium + chromedriver)
against the real central server on loopback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import fleet, province_auth, queue_facts, service
from central.blobstore import BlobStore
from central.common import Device
from central.db import Database
from central.models import DossierIn
from central.runner import ServerThread
from kiosk import clock
from kiosk.catalog import SAMPLE_CATALOG
from tests.central.helpers import OTHER_UNIT, UNIT, dossier, new_id

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
PASSWORD = "mật-khẩu-tỉnh-2026"
PERIOD = ("2026-11-01", "2026-11-30")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="Debian's chromium and chromium-driver are not installed")


@dataclass
class Site:
    url: str
    db: Database
    db_path: Path
    stale_id: str
    stale_token: str


def _report(**over: Any) -> dict[str, Any]:
    return {"app_version": "0.9.0", "catalog_version": "2025.12.1",
            "calendar_version": "2026.11.1", "outbox_depth": 0, "parked": 0,
            "disk_free_bytes": 40 << 30, "printers": [{"name": "KioskPDF", "state": "ready"}],
            "scanners": [{"name": "test:0", "state": "ready"}], **over}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    path = tmp_path / "central.sqlite3"
    db = Database(str(path))
    province_auth.add_user(db, "tinh", PASSWORD, "province")
    province_auth.add_user(db, "xa2", PASSWORD, "unit", OTHER_UNIT)
    fleet.publish(db, "catalog", SAMPLE_CATALOG.read_bytes(), by="tinh")
    fresh = service.add_device(db, UNIT, "Quầy 1")
    stale = service.add_device(db, UNIT, "Quầy 2")
    other = service.add_device(db, OTHER_UNIT, "Quầy xã 2")
    for dev in (fresh, stale, other):
        fleet.record_health(db, Device(dev["device_id"], dev["unit_code"], "device"), _report())
    with db.transaction() as tx:
        tx.execute("UPDATE device_health SET reported_at = ? WHERE device_id = ?",
                   (clock.iso(clock.now() - timedelta(days=3)), stale["device_id"]))
    # Dossiers of November for both units, uploaded as a counter does.
    for counter, seqs in ((fresh, (1001, 1002, 1003)), (other, (1001,))):
        unit = counter["unit_code"]
        dev = service.authenticate(db, counter["token"])
        for seq in seqs:
            service.put_dossier(db, dev, new_id(), new_id(),
                                DossierIn.model_validate(dossier(seq, unit=unit)))
    # Two citizens' ratings and two queue tickets of November for the first unit.
    with db.transaction() as tx:
        for i, level in enumerate((3, 1)):
            tx.execute("INSERT INTO ratings (id, unit_code, dossier_id, occasion, level, reason,"
                       " clerk, procedure_code, counter, at, device_id, received_at) VALUES"
                       " (?, ?, ?, 'intake', ?, '', 'canbo', '1.001193', 1, ?, ?, ?)",
                       (new_id(), UNIT, new_id(), level, f"2026-11-2{i}T09:00:00+07:00",
                        fresh["device_id"], "2026-11-22T09:00:00+07:00"))
        tickets = [new_id(), new_id()]
        for n, (taken, called) in enumerate((("08:00", "08:10"), ("08:05", "08:25")), 1):
            tx.execute("INSERT INTO queue_tickets (id, unit_code, day, service, number, label,"
                       " device_id, counter, taken_at, called_at, state) VALUES"
                       " (?, ?, '2026-11-22', 'A', ?, ?, ?, 1, ?, ?, 'called')",
                       (tickets[n - 1], UNIT, n, f"A{n:03d}", fresh["device_id"],
                        f"2026-11-22T{taken}:00+07:00", f"2026-11-22T{called}:00+07:00"))
        queue_facts.refresh(tx, tickets)  # as the server's own ticket writes do
    srv = ServerThread(db, BlobStore(tmp_path / "blobs")).start()
    try:
        yield Site(srv.url, db, path, stale["device_id"], stale["token"])
    finally:
        srv.stop()
        db.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=vi-VN",
                "--window-size=1366,768", f"--user-data-dir={tmp_path / 'chromium'}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver: Any, name: str) -> None:
    """Screenshots for the README when KIOSK_SCREENSHOTS names a directory."""
    where = os.environ.get("KIOSK_SCREENSHOTS")
    if where:
        driver.save_screenshot(str(Path(where) / f"{name}.png"))


def sign_in(driver: Any, site: Site, username: str, password: str = PASSWORD) -> None:
    from selenium.webdriver.common.by import By

    driver.get(site.url + "/province/")
    assert driver.current_url.endswith("/province/login")  # not signed in: sent to sign in
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    button = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
    button.click()
    wait_new_page(driver, button)


def wait_new_page(driver: Any, old: Any) -> None:
    """Until the page the click submitted has replaced the one the element was on."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def replaced(driver: Any) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            pass
        except WebDriverException as error:
            # While the new document commits, chromedriver can answer for the old node with
            # this inspector error instead of "stale": it means the same, the node is gone.
            if "does not belong to the document" not in str(error):
                raise
        else:
            return False
        return bool(driver.execute_script("return document.readyState === 'complete'"))

    WebDriverWait(driver, 30).until(replaced)


def rows(driver: Any, table: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")


def test_sign_in_and_the_stale_counter_comes_first_in_red(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(site.url + "/province/login")
    shot(browser, "province-login")
    sign_in(browser, site, "tinh")
    assert browser.current_url == site.url + "/province/"
    found = rows(browser, "counters")
    assert len(found) == 3
    first = found[0]
    assert first.get_attribute("data-device") == site.stale_id
    assert "bad" in first.get_attribute("class")
    assert "lâu không liên lạc" in first.text and "Quầy 2" in first.text
    # Red, as the province expects a failing counter to be.
    assert first.find_element(By.CSS_SELECTOR, "td").value_of_css_property(
        "background-color") == "rgba(253, 236, 236, 1)"
    assert all("Bình thường" in r.text for r in found[1:])
    # The bundled font is the one in use (no internet in the field).
    assert browser.execute_script(
        "return document.fonts.check(\"16px 'Be Vietnam Pro'\")") is True
    shot(browser, "province-counters")
    link = browser.find_element(By.LINK_TEXT, "Danh mục và lịch")
    link.click()
    wait_new_page(browser, link)
    assert "2025.12.1" in browser.find_element(By.ID, "publications").text
    shot(browser, "province-publications")
    browser.set_window_size(390, 844)
    browser.get(site.url + "/province/")
    assert browser.execute_script("return document.body.scrollWidth") <= 390
    shot(browser, "province-phone")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %".replace(".", ",")


def test_numbers_equal_the_cli_report(site: Site, browser: Any) -> None:
    sign_in(browser, site, "tinh")
    browser.get(f"{site.url}/province/reports?from={PERIOD[0]}&to={PERIOD[1]}")
    shot(browser, "province-reports")
    run = subprocess.run([sys.executable, "-m", "kiosk", "central", "report", "--from",
                          PERIOD[0], "--to", PERIOD[1], "--db", str(site.db_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    units = json.loads(run.stdout)["units"]
    page = {r.get_attribute("data-unit"): r for r in rows(browser, "units")}
    assert set(page) == {UNIT, OTHER_UNIT} == {u["unit"] for u in units}
    for unit in units:
        cells = {c.get_attribute("data-key"): c.text for c in
                 page[unit["unit"]].find_elements("css selector", "td[data-key]")
                 if c.get_attribute("data-key") in ("on_time_rate", "digitised_share",
                                                    "overdue")}
        assert cells == {"on_time_rate": _percent(unit["on_time_rate"]),
                         "digitised_share": _percent(unit["digitised_share"]),
                         "overdue": str(unit["pending"]["overdue"])}
    assert page[UNIT].text.split()[1] == str(units[0]["received"]["total"]) == "3"
    # Satisfaction and queue waits: one of two ratings satisfied; waits of 10 and 20 min.
    first = {c.get_attribute("data-key"): c.text for c in
             page[UNIT].find_elements("css selector", "td[data-key]")}
    assert first["satisfied"].splitlines() == ["50,0 %", "2 lượt"]
    assert first["median_wait"] == "15,0"
    # The overdue list names every overdue dossier, the same count as the report.
    listed = [r.get_attribute("data-code") for r in rows(browser, "overdue")]
    assert len(listed) == sum(u["pending"]["overdue"] for u in units) == 4
    assert sorted(c.split("-")[0] for c in listed) == sorted([UNIT] * 3 + [OTHER_UNIT])


def test_wrong_passwords_lock_the_account(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    for _attempt in range(province_auth.MAX_FAILURES):
        sign_in(browser, site, "tinh", "sai-mật-khẩu-rồi")
        assert "không đúng" in browser.find_element(By.CSS_SELECTOR, ".msg.error").text
    shot(browser, "province-login-refused")
    sign_in(browser, site, "tinh")  # the right password, now refused for a while
    assert browser.current_url.endswith("/province/login")
    assert "bị khóa 15 phút" in browser.find_element(By.CSS_SELECTOR, ".msg.error").text
    # Another account is not locked by it.
    browser.delete_all_cookies()
    sign_in(browser, site, "xa2")
    assert browser.current_url == site.url + "/province/"


def test_a_request_without_the_csrf_token_is_refused(site: Site, browser: Any) -> None:
    sign_in(browser, site, "tinh")
    session = browser.get_cookie("kiosk_province")["value"]
    with httpx.Client(base_url=site.url, cookies={"kiosk_province": session}) as client:
        page = client.get("/province/publications")
        assert page.status_code == 200
        csrf = re.search(r'name=csrf value="([^"]+)"', page.text)[1]  # type: ignore[index]
        upload = {"file": ("c.json", SAMPLE_CATALOG.read_bytes(), "application/json")}
        for data in ({"kind": "catalog"}, {"kind": "catalog", "csrf": "sai" + csrf}):
            refused = client.post("/province/publications", data=data, files=upload)
            assert refused.status_code == 403 and "Yêu cầu không hợp lệ" in refused.text
        assert client.post("/province/logout", data={}).status_code == 403
        # The sign-in form's own token: a form posted from elsewhere has none.
        assert client.post("/province/login", data={
            "username": "tinh", "password": PASSWORD}).status_code == 403
        # With the token the same upload is checked and refused for its version only.
        ok = client.post("/province/publications", data={"kind": "catalog", "csrf": csrf},
                         files=upload)
        assert ok.status_code == 422 and "không mới hơn" in ok.text
    assert [p["version"] for p in fleet.publications(site.db)] == ["2025.12.1"]


def test_a_units_viewer_sees_only_its_unit(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, site, "xa2")
    found = rows(browser, "counters")
    assert [r.text.split("\n")[0] for r in found] == [OTHER_UNIT]
    assert UNIT not in browser.page_source
    browser.get(f"{site.url}/province/reports?from={PERIOD[0]}&to={PERIOD[1]}")
    assert [r.get_attribute("data-unit") for r in rows(browser, "units")] == [OTHER_UNIT]
    assert [r.get_attribute("data-code").split("-")[0]
            for r in rows(browser, "overdue")] == [OTHER_UNIT]
    browser.get(site.url + "/province/publications")
    assert not browser.find_elements(By.CSS_SELECTOR, "input[type=file]")  # cannot publish
    session = browser.get_cookie("kiosk_province")["value"]
    with httpx.Client(base_url=site.url, cookies={"kiosk_province": session}) as client:
        csrf = re.search(r'name=csrf value="([^"]+)"',  # type: ignore[index]
                         client.get("/province/publications").text)[1]
        refused = client.post("/province/publications", data={"kind": "catalog", "csrf": csrf},
                              files={"file": ("c.json", b"{}", "application/json")})
        assert refused.status_code == 403


def test_publishing_through_the_page(site: Site, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    data = json.loads(SAMPLE_CATALOG.read_text(encoding="utf-8"))
    data["version"] = "2099.1.1"
    good = tmp_path / "danh-muc-moi.json"
    good.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    data["version"], data["procedures"] = "2099.1.2", []
    bad = tmp_path / "danh-muc-loi.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    sign_in(browser, site, "tinh")
    browser.get(site.url + "/province/publications")
    browser.find_element(By.NAME, "file").send_keys(str(bad))
    button = browser.find_element(By.CSS_SELECTOR, "form.inline button")
    button.click()
    wait_new_page(browser, button)
    assert "danh mục không có thủ tục nào" in browser.find_element(
        By.CSS_SELECTOR, ".msg.error").text
    shot(browser, "province-publish-refused")
    browser.find_element(By.NAME, "file").send_keys(str(good))
    button = browser.find_element(By.CSS_SELECTOR, "form.inline button")
    button.click()
    wait_new_page(browser, button)
    assert "Đã công bố catalog phiên bản 2099.1.1" in browser.find_element(
        By.CSS_SELECTOR, ".msg.done").text
    assert [p["version"] for p in fleet.publications(site.db)] == ["2099.1.1", "2025.12.1"]
    assert fleet.publications(site.db)[0]["created_by"] == "tinh"


def test_revoking_a_counter_from_the_page(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, site, "tinh")
    row = browser.find_element(By.CSS_SELECTOR, f"tr[data-device='{site.stale_id}']")
    link = row.find_element(By.CSS_SELECTOR, "a.small")
    assert link.text == "Thu hồi"
    link.click()
    wait_new_page(browser, link)
    # The page asks first, naming the counter.
    assert "Quầy 2" in browser.find_element(By.CSS_SELECTOR, ".box p").text
    assert not next(d for d in fleet.devices(site.db) if d["id"] == site.stale_id)["revoked"]
    shot(browser, "province-revoke")
    button = browser.find_element(By.CSS_SELECTOR, "button.danger")
    button.click()
    wait_new_page(browser, button)
    row = browser.find_element(By.CSS_SELECTOR, f"tr[data-device='{site.stale_id}']")
    assert "(đã thu hồi)" in row.text and not row.find_elements(By.CSS_SELECTOR, "a.small")
    # The counter's next request is refused, and told why.
    with httpx.Client(base_url=site.url) as client:
        refused = client.get("/v1/publications/catalog",
                             headers={"Authorization": f"Bearer {site.stale_token}"})
    assert refused.status_code == 401 and refused.json()["error"] == "token_revoked"
    assert "thu hồi" in refused.json()["message"]


def test_enrolment_by_the_pages_qr(site: Site, browser: Any, tmp_path: Path) -> None:
    """The province makes a one-time code; the QR read off the screen enrols a counter,
    which then syncs and reports; the code is spent; revoked, the counter is told so."""
    from PIL import Image
    from pyzbar.pyzbar import decode
    from selenium.webdriver.common.by import By

    sign_in(browser, site, "tinh")
    browser.get(site.url + "/province/enrol")
    browser.find_element(By.NAME, "unit").send_keys(OTHER_UNIT)
    browser.find_element(By.NAME, "name").send_keys("Quầy mới xã 2")
    button = browser.find_element(By.CSS_SELECTOR, "form.inline button")
    button.click()
    wait_new_page(browser, button)
    shot(browser, "province-enrol")
    screen = tmp_path / "enrol.png"
    browser.find_element(By.CSS_SELECTOR, ".qr svg").screenshot(str(screen))
    read = decode(Image.open(screen))
    assert len(read) == 1
    payload = read[0].data.decode()
    assert payload == browser.find_element(By.ID, "payload").text
    assert payload.startswith("kiosk-enrol:") and payload.endswith(site.url)
    home = tmp_path / "counter-home"
    home.mkdir()
    env = {**os.environ, "KIOSK_HOME": str(home), "PYTHONPATH": str(ROOT),
           "PYTHON_KEYRING_BACKEND": "kiosk.sync.demo_keyring.DemoFileKeyring"}

    def kiosk(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin,
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)

    # What the barcode reader types, given on stdin as a wedge reader's line would be.
    enrolled = kiosk("sync", "enroll", "--code", "-", stdin=payload + "\n")
    assert enrolled.returncode == 0, enrolled.stderr
    assert json.loads(enrolled.stdout) == {"server": site.url, "ca_file": "", "enrolled": True,
                                           "by": "code"}
    assert kiosk("sync", "--once").returncode == 0
    mine = [d for d in fleet.devices(site.db) if d["name"] == "Quầy mới xã 2"]
    assert len(mine) == 1 and mine[0]["unit_code"] == OTHER_UNIT
    assert mine[0]["health"]["catalog_version"] == "2025.12.1"
    assert mine[0]["machine_id"]  # the token is bound to this machine
    again = kiosk("sync", "enroll", "--code", "-", stdin=payload)
    assert again.returncode != 0 and "đã dùng hoặc đã hết hạn" in again.stderr
    service.revoke_device(site.db, mine[0]["id"])
    refused = kiosk("sync", "--once")
    assert refused.returncode != 0
    assert "thu hồi" in json.loads(kiosk("sync", "status").stdout)["last_error"]
