#!/usr/bin/env bash
# Start the counter on its embedded defaults: local SQLite under KIOSK_HOME, the SANE test
# scanner, the sample catalog, a local reference central server on loopback, demo clerks
# (PIN 1234; admin 9999).
set -euo pipefail
cd "$(dirname "$0")/.."
KIOSK_RUN_ARGS=("$@")
export KIOSK_HOME="${KIOSK_HOME:-${KIOSK_DEV_HOME:-$PWD/.kiosk-home}}"
mkdir -p "$KIOSK_HOME"
bin="$PWD/.venv/bin"
port="${KIOSK_CENTRAL_PORT:-8765}"
server="http://127.0.0.1:$port"
log="$KIOSK_HOME/central.log"

# No Secret Service (no desktop session): keep the demo token in a file under KIOSK_HOME.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${PYTHON_KEYRING_BACKEND:-}" ]; then
  export PYTHON_KEYRING_BACKEND=kiosk.sync.demo_keyring.DemoFileKeyring
fi

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != "offscreen" ]; then
  echo "No display found. Run 'make run' in a desktop session, or 'xvfb-run -s \"-screen 0 1366x768x24\" make run' for a headless check." >&2
  exit 1
fi

central_pid=""
cups_started=""
cleanup() {
  [ -n "$central_pid" ] && kill "$central_pid" 2>/dev/null || true
  [ -n "$cups_started" ] && "$bin/kiosk" cups stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The receipt printer: a private cupsd with a PDF queue (KioskPDF, the default), recorded in
# $KIOSK_HOME/config.toml as printer.cups_server so that `kiosk print` / `kiosk printers`
# with this KIOSK_HOME reach it too. Printed receipts land in $KIOSK_HOME/printed/.
# KIOSK_PRINTER=system keeps the machine's own CUPS instead.
if [ "${KIOSK_PRINTER:-pdf}" = "pdf" ]; then
  if "$bin/kiosk" cups start >"$KIOSK_HOME/cups-start.json" 2>"$KIOSK_HOME/cups-start.err"; then
    cups_started=1
    echo "Receipt printer: KioskPDF (PDF files in $KIOSK_HOME/printed/)"
  else
    echo "No PDF test printer: $(head -c 400 "$KIOSK_HOME/cups-start.err")" >&2
    "$bin/kiosk" config set printer.cups_server "" >/dev/null
  fi
else
  "$bin/kiosk" config set printer.cups_server "" >/dev/null  # the machine's own CUPS
fi

if ! "$bin/python" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) != 0)"; then
  echo "Starting the reference central server on $server (log: $log)"
  "$bin/kiosk" central serve --port "$port" >"$log" 2>&1 &
  central_pid=$!
  for _ in $(seq 50); do
    "$bin/python" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) != 0)" && break
    sleep 0.2
  done
fi

if ! "$bin/kiosk" sync status | "$bin/python" -c "import json,sys; sys.exit(0 if json.load(sys.stdin).get('enrolled') else 1)"; then
  unit=$("$bin/python" -c "from kiosk.config import Config; print(Config.load().get('unit.code'))")
  # The token goes through a pipe, never argv: out of the process list, and a token that
  # begins with "-" cannot be taken for an option.
  "$bin/kiosk" central device add --unit "$unit" --name "demo counter" \
    | "$bin/python" -c "import json,sys; print(json.load(sys.stdin)['token'])" \
    | "$bin/kiosk" sync enroll --server "$server" --token - >/dev/null
  echo "Enrolled this counter with $server"
fi

# First start: demo dossiers; the province (the reference server) moves three of them
# forward, and sync brings the new statuses back, as it would in the field.
codes=$("$bin/python" -c "import json; from kiosk.storage import Store; from kiosk.demo import seed; s = Store(); print(json.dumps(seed(s))); s.close()")
if [ "$codes" != "[]" ]; then
  "$bin/kiosk" sync --once --now >/dev/null || true
  for step in "2 4" "3 4" "3 9" "4 4"; do
    set -- $step
    code=$("$bin/python" -c "import json,sys; print(json.loads(sys.argv[1])[$1])" "$codes")
    "$bin/kiosk" central status "$code" --to "$2" --note "Trung tâm (demo)" >/dev/null || true
  done
  "$bin/kiosk" sync --once --now >/dev/null || true
  echo "Demo dossiers added and synced with $server"
fi

echo "Counter app: KIOSK_HOME=$KIOSK_HOME — clerk PIN 1234, admin PIN 9999"
echo "Ready to hand over: the dossier of Phạm Quốc Việt (Trả kết quả lists it under «Kết quả đang chờ trả»)"
set --
"$bin/kiosk" run --demo "${KIOSK_RUN_ARGS[@]}"
