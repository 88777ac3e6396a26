"""A sync client process for the SIGKILL tests: ``python crash_client.py URL TOKEN``.

Runs with the test's KIOSK_HOME and KIOSK_SYNC_CRASH_AT; the token is handed over on the
command line because the in-memory keyring does not cross processes.
"""

import sys

from kiosk.storage import Store
from kiosk.sync.engine import SyncEngine
from kiosk.sync.transport import make_client

url, token = sys.argv[1], sys.argv[2]
store = Store(orphan_grace_seconds=None)
engine = SyncEngine(store, make_client(url), lambda: token)
engine.run_once(ignore_backoff=True)
store.close()
