"""Issue 27: the citizens' booking page (/dat-lich/) driven in Debian's chromium (selenium +
chromedriver) against the real central server on loopback, with a real counter that
published its booking settings and checks the booking in by its code."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from kiosk import clock
from kiosk.citizen.booking import BookingService
from kiosk.citizen.booking_rules import parse_at
from kiosk.citizen.queue import QueueService
from kiosk.config import Config
from kiosk.errors import InvalidInput
from kiosk.storage import Store
from tests.web.test_province_page import CHROMIUM, DRIVER, wait_new_page

UNIT = "000.00.04.H40"
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="Debian's chromium and chromium-driver are not installed")


@dataclass
class Rig:
    url: str
    db: Database
    counter: BookingService
    token: str
    moment: list[datetime]


@pytest.fixture
def rig(kiosk_home: Path, tmp_path: Path) -> Iterator[Rig]:
    moment = [datetime(2026, 12, 7, 8, 0, tzinfo=clock.TZ)]  # a Monday
    clock.set_source(lambda: moment[0])
    db = Database(str(tmp_path / "central.sqlite3"))
    token = service.add_device(db, UNIT, "Quầy 1")["token"]
    srv = ServerThread(db, BlobStore(tmp_path / "blobs")).start()
    store = Store(orphan_grace_seconds=None)
    config = Config.load()
    config.set("counter.number", 1)
    config.set("unit.name", "UBND xã Mẫu")
    config.set("booking.groups", ["A=2"])
    config.set("booking.horizon_days", 30)
    config.set("sync.server_url", srv.url)
    queue = QueueService(store, config, client=lambda: httpx.Client(
        base_url=srv.url, timeout=5.0, headers={"Authorization": f"Bearer {token}"}))
    counter = BookingService(queue)
    assert counter.publish() == {"unit_code": UNIT, "published": True, "revision": 1,
                                 "changed": True}
    try:
        yield Rig(srv.url, db, counter, token, moment)
    finally:
        queue.close()
        store.close()
        srv.stop()
        db.close()
        clock.set_source(None)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    # A phone's screen: the page is meant for one.
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=vi-VN",
                "--window-size=412,915", f"--user-data-dir={tmp_path / 'chromium'}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver: Any, name: str) -> None:
    """Screenshots for the docs when KIOSK_SCREENSHOTS names a directory (the whole page)."""
    where = os.environ.get("KIOSK_SCREENSHOTS")
    if where:
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(412, max(915, int(height) + 140))
        driver.save_screenshot(str(Path(where) / f"{name}.png"))
        driver.set_window_size(412, 915)


def open_day(driver: Any, rig: Rig, day: str) -> None:
    """Choose group A and ``day`` in the form as a person does, then see the slots."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(rig.url + "/dat-lich/")
    Select(driver.find_element(By.NAME, "service")).select_by_value("A")
    field = driver.find_element(By.NAME, "day")
    driver.execute_script("arguments[0].value = arguments[1]", field, day)
    button = driver.find_element(By.CSS_SELECTOR, "form[method=get] button")
    button.click()
    wait_new_page(driver, button)


def book(driver: Any, time: str, phone: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"input[name=at][value$='T{time}:00+07:00']").click()
    box = driver.find_element(By.NAME, "phone")
    box.clear()
    box.send_keys(phone)
    button = driver.find_element(By.CSS_SELECTOR, "form[method=post] button")
    button.click()
    wait_new_page(driver, button)


def error_text(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, ".msg.error").text)


def decode(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_book_on_the_page_then_the_counter_lists_and_checks_it_in(rig: Rig, browser: Any
                                                                   ) -> None:
    from selenium.webdriver.common.by import By

    browser.get(rig.url + "/dat-lich/")
    assert "UBND xã Mẫu (000.00.04.H40)" in browser.find_element(By.NAME, "unit").text
    assert browser.execute_script(
        "return document.fonts.check(\"16px 'Be Vietnam Pro'\")") is True
    open_day(browser, rig, "2026-12-08")
    slots = browser.find_elements(By.CSS_SELECTOR, "input[name=at]")
    # The counter's grid: 9 morning and 7 afternoon slots of 30 minutes.
    assert len(slots) == 16 and slots[0].get_attribute("value") == "2026-12-08T07:00:00+07:00"
    assert "còn 2/2 chỗ" in browser.find_element(By.CSS_SELECTOR, ".slots").text
    shot(browser, "booking-page-slots")
    book(browser, "07:30", "0912 345 678")
    assert "/dat-lich/hen/" in browser.current_url
    code = browser.find_element(By.ID, "code").text
    assert code.startswith("H") and len(code) == 7
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "07:30 ngày 08/12/2026" in page and "A – Tiếp nhận hồ sơ" in page
    assert "Đã đặt" == browser.find_element(By.ID, "state").text
    shot(browser, "booking-page-done")
    # The QR as the page shows it (a screenshot) and as the server renders it (the PNG).
    assert code in decode(browser.get_screenshot_as_png())
    assert decode(httpx.get(f"{rig.url}/dat-lich/qr/{code}.png").content) == [code]
    # The counters see it through the device API, without the phone number.
    listed = httpx.get(f"{rig.url}/v1/bookings", params={"start": "2026-12-08",
                                                         "end": "2026-12-08"},
                       headers={"Authorization": f"Bearer {rig.token}"}).json()["bookings"]
    assert [(b["code"], b["made_by"], b["state"]) for b in listed] == [(code, "web", "booked")]
    assert "phone" not in listed[0]
    assert rig.counter.slots("A", parse_at("2026-12-08T07:00").date())[1]["free"] == 1
    # Checked in at the counter by the code read from the slip's QR.
    rig.moment[0] = datetime(2026, 12, 8, 7, 10, tzinfo=clock.TZ)
    ticket = rig.counter.checkin(code.lower())
    assert ticket["label"] == "A001" and ticket["origin"] == "central"
    browser.refresh()
    assert browser.find_element(By.ID, "state").text == "Đã nhận số tại quầy"


def test_full_slot_holiday_twice_and_bad_phone_are_refused_on_the_page(rig: Rig, browser: Any
                                                                        ) -> None:
    from selenium.webdriver.common.by import By

    open_day(browser, rig, "2026-12-08")
    # While the person types, the counters give away the slot's two places.
    at = parse_at("2026-12-08T09:00")
    rig.counter.make("A", at, phone="0987654321")
    rig.counter.make("A", at, id_number="001099012345")
    book(browser, "09:00", "0912345678")
    assert error_text(browser) == "Khung 09:00 ngày 08/12/2026 đã hết chỗ (2 chỗ)."
    full = browser.find_element(By.CSS_SELECTOR, "input[value='2026-12-08T09:00:00+07:00']")
    assert not full.is_enabled() and "Hết chỗ" in full.find_element(By.XPATH, "..").text
    # What was typed stays in the form.
    assert browser.find_element(By.NAME, "phone").get_attribute("value") == "0912345678"
    shot(browser, "booking-page-full")
    book(browser, "10:00", "0912345678")
    assert "/dat-lich/hen/" in browser.current_url
    open_day(browser, rig, "2026-12-08")
    book(browser, "10:00", "0912345678")
    assert error_text(browser).startswith("Người này đã có lịch hẹn H")
    book(browser, "10:30", "12345")
    assert error_text(browser) == ("Số điện thoại «12345» không hợp lệ (10 chữ số, "
                                   "bắt đầu bằng 0).")
    open_day(browser, rig, "2027-01-01")
    assert error_text(browser) == ("Ngày 01/01/2027 là ngày nghỉ lễ (Tết Dương lịch), "
                                   "không nhận hẹn.")
    assert not browser.find_elements(By.CSS_SELECTOR, "input[name=at]")
    open_day(browser, rig, "2026-12-12")
    assert error_text(browser) == "Ngày 12/12/2026 không phải ngày làm việc, không nhận hẹn."
    # The date field offers today to the horizon; a day beyond comes from an old link.
    day = browser.find_element(By.NAME, "day")
    assert (day.get_attribute("min"), day.get_attribute("max")) == ("2026-12-07", "2027-01-06")
    browser.get(rig.url + "/dat-lich/?unit=000.00.04.H40&service=A&day=2027-01-20")
    assert error_text(browser) == ("Chỉ nhận đặt hẹn trước tối đa 30 ngày "
                                   "(đến hết ngày 06/01/2027).")
    browser.get(rig.url + "/dat-lich/?service=A&day=2026-12-01")
    assert error_text(browser) == "Ngày 01/12/2026 đã qua."
    browser.get(rig.url + "/dat-lich/?unit=000.00.04.H40&service=B&day=2026-12-08")
    assert error_text(browser) == "Nhóm B (Trả kết quả) không nhận đặt hẹn."
    # Same refusals as the counter's CLI gives.
    with pytest.raises(InvalidInput, match="ngày nghỉ lễ \\(Tết Dương lịch\\)"):
        rig.counter.make("A", parse_at("2027-01-01T07:30"), phone="0912345678")


def test_a_post_without_the_forms_token_or_from_another_site_is_refused(rig: Rig) -> None:
    form = {"unit": UNIT, "service": "A", "at": "2026-12-08T07:00:00+07:00",
            "phone": "0912345678"}
    with httpx.Client(base_url=rig.url) as web:
        assert web.post("/dat-lich/", data=form).status_code == 403  # no cookie, no token
        page = web.get("/dat-lich/", params={"unit": UNIT, "service": "A",
                                             "day": "2026-12-08"})
        token = web.cookies["kiosk_dat_lich"]
        assert f"value='{token}'" in page.text
        forged = ("y" if token[0] == "x" else "x") + token[1:]  # never the token itself
        refused = web.post("/dat-lich/", data={**form, "csrf": forged})
        assert refused.status_code == 403 and "Biểu mẫu đã hết hạn" in refused.text
        other = web.post("/dat-lich/", data={**form, "csrf": token},
                         headers={"Origin": "https://evil.example"})
        assert other.status_code == 403
        with rig.db.transaction(write=False) as tx:
            assert tx.one("SELECT count(*) AS n FROM bookings")["n"] == 0
        ok = web.post("/dat-lich/", data={**form, "csrf": token})
        assert ok.status_code == 303 and ok.headers["location"].startswith("/dat-lich/hen/H")


def test_one_address_cannot_fill_the_slots(rig: Rig) -> None:
    with httpx.Client(base_url=rig.url) as web:
        web.get("/dat-lich/")
        token = web.cookies["kiosk_dat_lich"]
        answers = [web.post("/dat-lich/", data={
            "unit": UNIT, "service": "A", "at": f"2026-12-09T{h:02d}:00:00+07:00",
            "phone": "0912345678", "csrf": token}).status_code for h in (7, 8, 9, 10, 14, 15)]
    assert answers == [303] * 5 + [429]
    with rig.db.transaction(write=False) as tx:
        assert tx.one("SELECT count(*) AS n FROM bookings")["n"] == 5


def test_settings_that_are_not_a_counters_are_refused(rig: Rig) -> None:
    answer = httpx.put(f"{rig.url}/v1/bookings/settings", json={"capacities": {"A": 3}},
                       headers={"Authorization": f"Bearer {rig.token}"})
    assert answer.status_code == 422
    settings = rig.counter.settings()
    settings["office_hours"] = ["25:00-11:30"]
    answer = httpx.put(f"{rig.url}/v1/bookings/settings", json=settings,
                       headers={"Authorization": f"Bearer {rig.token}"})
    assert answer.status_code == 422
    assert httpx.put(f"{rig.url}/v1/bookings/settings", json={}).status_code == 401
    kept = httpx.get(f"{rig.url}/v1/bookings/settings",
                     headers={"Authorization": f"Bearer {rig.token}"}).json()
    assert kept["capacities"] == {"A": {"": 2}} and kept["horizon_days"] == 30


def test_looking_up_codes_is_rate_limited(rig: Rig) -> None:
    """A script guessing codes on /dat-lich/hen/<code> is stopped after a few misses; a
    person reloading their own booking is not stopped by those rules before 60 look-ups."""
    code = rig.counter.make("A", parse_at("2026-12-08T07:00"), phone="0912345678")["code"]
    with httpx.Client(base_url=rig.url) as web:
        assert web.get(f"/dat-lich/hen/{code}").status_code == 200
        misses = [web.get(f"/dat-lich/hen/HAAAA{c}{c}").status_code for c in "23456789ABC"]
        assert misses == [404] * 10 + [429]
        refused = web.get(f"/dat-lich/hen/{code}")
        assert refused.status_code == 429 and "tra cứu quá nhiều mã hẹn" in refused.text
        assert code not in refused.text
