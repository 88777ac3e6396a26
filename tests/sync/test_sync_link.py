"""The app's sync link builds the same engine as `kiosk sync run`, from the configuration."""

from __future__ import annotations

import time
from types import SimpleNamespace

from kiosk.events import EventHub
from kiosk.storage import Store
from kiosk.sync import credentials
from kiosk.ui.sync_link import SyncLink
from tests.sync.conftest import Central, assert_sync_properties, save_dossier


def test_the_app_link_honours_the_request_deadline_and_syncs(store: Store, central: Central
                                                             ) -> None:
    config = store.config
    config.set("sync.server_url", central.url)
    config.set("sync.request_deadline_seconds", 7)
    credentials.save_token(central.url, central.token)
    save_dossier(store, pages=2)
    link = SyncLink(SimpleNamespace(store=store, config=config), EventHub(), interval=3600)
    link.start()
    try:
        assert link.problem is None
        assert link.engine.http.deadline == 7
        link.poke()
        deadline = time.monotonic() + 30
        while store.outbox_counts().get("pending", 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert store.outbox_counts().get("pending", 0) == 0
    finally:
        link.stop()
    assert_sync_properties(store, central)


def test_an_unenrolled_counter_is_a_state_not_a_crash(store: Store) -> None:
    store.config.set("sync.server_url", "https://mot-cua.example.invalid")
    link = SyncLink(SimpleNamespace(store=store, config=store.config), EventHub(), interval=3600)
    link.start()
    try:
        assert link.engine is None and link.worker is None
        assert link.problem == "Quầy chưa đăng ký với máy chủ https://mot-cua.example.invalid."
    finally:
        link.stop()


def test_a_bad_ca_file_is_named_when_the_app_starts_sync(store: Store, central: Central,
                                                         tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The app's sync does not start on a CA file that is missing, a directory or not PEM;
    Home's server row names the setting, the file and what is wrong (issue 22 §2)."""
    from kiosk.ui.home_model import device_states

    credentials.save_token(central.url, central.token)
    not_pem = tmp_path / "tinh-ca.pem"
    not_pem.write_bytes(b"\x00\x01 not a certificate")
    for value, problem in ((not_pem, "không chứa chứng thư PEM"), (tmp_path, "là một thư mục"),
                           (tmp_path / "none.pem", "không tồn tại")):
        store.config.set("sync.server_url", central.url)
        store.config.set("sync.ca_file", str(value))
        link = SyncLink(SimpleNamespace(store=store, config=store.config), EventHub(),
                        interval=3600)
        link.start()
        try:
            assert link.worker is None
            assert link.problem is not None and "sync.ca_file" in link.problem
            assert str(value) in link.problem and problem in link.problem
            services = SimpleNamespace(extras={}, scanner=lambda: None, printer=None,
                                       sync=link)
            row = next(r for r in device_states(services) if r["kind"] == "server")
            assert row["state"] == link.problem and row["ok"] is False
        finally:
            link.stop()
