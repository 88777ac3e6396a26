"""Run in a subprocess: save a 3-component dossier while its token is pulled mid-batch.

Usage: python -m tests.signing.pull_client TOKEN_LABEL TOKEN_DIR [sign-later CODE]

The token's directory is deleted after the first component is signed — what SoftHSM2 sees
when a USB token is pulled out (the next C_Sign fails with a gone handle).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from kiosk.signing import SigningError
from kiosk.signing.dossier import sign_dossier, sign_input
from kiosk.signing.settings import SigningSettings
from kiosk.storage import Store
from tests.signing.helpers import scan_pdf
from tests.signing.pki import KEY_LABEL, SOFTHSM_MODULE, USER_PIN
from tests.storage.helpers import make_input


def main() -> int:
    label, token_dir = sys.argv[1], Path(sys.argv[2])
    settings = SigningSettings(module=SOFTHSM_MODULE, token_label=label, key_label=KEY_LABEL)

    def pull(done: int, total: int) -> None:
        if done == 1:
            shutil.rmtree(token_dir)

    with Store(orphan_grace_seconds=None) as store:
        if len(sys.argv) > 4 and sys.argv[3] == "sign-later":
            try:
                out = sign_dossier(store, sys.argv[4], settings, USER_PIN, actor="clerk1",
                                   progress=pull)
            except SigningError as exc:
                out = {"error": exc.message, "reason": exc.reason, "hint": exc.hint,
                       **exc.details}
            print(json.dumps(out, ensure_ascii=False))
            return 0
        from kiosk.storage import ComponentInput, PageInput

        inp = make_input(store, pages=0)
        inp.components = [
            ComponentInput(f"Giấy tờ {n}", code=f"GT{n}",
                           pages=[PageInput(store.put_file(scan_pdf(f"Giấy tờ {n}")))])
            for n in range(1, 4)]
        outcome = sign_input(inp, store, settings, USER_PIN, progress=pull)
        saved = store.save_dossier(inp, "clerk1")
        record = store.get_dossier(saved.code)
        print(json.dumps({"outcome": outcome.to_json(), "code": saved.code,
                          "components": [c.get("signature") for c in record["components"]]},
                         ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
