"""The province page's view of the national portal push (issue 25 §4), in Debian's chromium
against the real central server on loopback: the province sees every refused item with the
portal's answer, a unit's user only its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from central import province_auth, service
from central.blobstore import BlobStore
from central.db import Database
from central.models import DossierIn
from central.portal_push import push_once
from central.runner import ServerThread
from tests.central.helpers import OTHER_UNIT, UNIT, dossier, new_id
from tests.central.portal_helpers import EmulatorThread, settings
from tests.web.test_province_page import CHROMIUM, DRIVER, PASSWORD, shot

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="Debian's chromium and chromium-driver are not installed")


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=vi-VN",
                "--window-size=1366,768", f"--user-data-dir={tmp_path / 'chromium'}"):
        opts.add_argument(arg)
    chrome = webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
    chrome.set_page_load_timeout(60)
    try:
        yield chrome
    finally:
        chrome.quit()


def _sign_in(driver: Any, url: str, username: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url + "/province/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/province/"))


def test_refused_items_on_the_province_page(tmp_path: Path, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    db = Database(str(tmp_path / "central.sqlite3"))
    province_auth.add_user(db, "tinh", PASSWORD, "province")
    province_auth.add_user(db, "xa2", PASSWORD, "unit", OTHER_UNIT)
    dev = service.authenticate(db, service.add_device(db, UNIT, "Quầy 1")["token"])
    bad = DossierIn.model_validate(dossier(1001, procedure_code="TT-XA-01"))
    service.put_dossier(db, dev, new_id(), new_id(), bad)
    service.put_dossier(db, dev, new_id(), new_id(), DossierIn.model_validate(dossier(1002)))
    with EmulatorThread(tmp_path / "portal.sqlite3") as emu:
        push_once(db, settings(emu.port))
    srv = ServerThread(db, BlobStore(tmp_path / "blobs")).start()
    try:
        _sign_in(driver, srv.url, "tinh")
        driver.find_element(By.LINK_TEXT, "Cổng DVCQG").click()
        rows = driver.find_elements(By.CSS_SELECTOR, "#portal-failed tbody tr")
        assert len(rows) == 1
        text = rows[0].text
        assert bad.code in text and "TT-XA-01" in text and "Hồ sơ" in text
        summary = driver.find_element(By.CSS_SELECTOR, ".summary").text
        assert "1\nđã gửi" in summary and "1\ncần người xử lý" in summary
        shot(driver, "province-portal")
        driver.save_screenshot(str(tmp_path / "province-portal.png"))
        driver.delete_all_cookies()
        _sign_in(driver, srv.url, "xa2")  # another unit: not its dossier
        driver.get(srv.url + "/province/portal")
        assert not driver.find_elements(By.CSS_SELECTOR, "#portal-failed")
        assert "Không có hồ sơ nào bị Cổng từ chối." in driver.page_source
    finally:
        srv.stop()
        db.close()
