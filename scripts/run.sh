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

port_open() {
  "$bin/python" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $1)) != 0)"
}

# Our own central server is started below and ends with this script, so a server already on
# the port belongs to someone else (another checkout's make run): its database does not know
# this counter, and enrolling with it would fail with a baffling "token refused".
if port_open "$port"; then
  echo "Cổng $port đã có một máy chủ trung tâm khác đang chạy (có thể của một bản checkout khác)." >&2
  echo "Hãy dừng máy chủ đó, hoặc chạy trên cổng khác, ví dụ: KIOSK_CENTRAL_PORT=$((port + 1)) make run" >&2
  exit 1
fi

# Whatever ends this script — the app closing or crashing, Ctrl-C, SIGTERM — stops what it
# started: the app, the central server and the private cupsd. The app and the server also
# get SIGTERM from the kernel if this shell dies without running its traps (kill -9), and a
# watcher stops cupsd, which runs detached, in that case.
app_pid=""
central_pid=""
cups_started=""
watcher_pid=""
stop_pid() {  # TERM, up to 15 s to close in order, then KILL
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 75); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  trap - EXIT INT TERM HUP
  [ -n "$app_pid" ] && stop_pid "$app_pid"
  [ -n "$central_pid" ] && stop_pid "$central_pid"
  [ -n "$cups_started" ] && { "$bin/kiosk" cups stop >/dev/null 2>&1 || true; }
  [ -n "$watcher_pid" ] && kill "$watcher_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# A prefix for the children that get SIGTERM when this shell dies, however it dies (a plain
# command, not a function, so that `&` forks and execs it with no subshell in between).
with_parent=()
command -v setpriv >/dev/null && with_parent=(setpriv --pdeathsig TERM)

# The receipt printer: a private cupsd with a PDF queue (KioskPDF, the default), recorded in
# $KIOSK_HOME/config.toml as printer.cups_server so that `kiosk print` / `kiosk printers`
# with this KIOSK_HOME reach it too. Printed receipts land in $KIOSK_HOME/printed/.
# KIOSK_PRINTER=system keeps the machine's own CUPS instead.
if [ "${KIOSK_PRINTER:-pdf}" = "pdf" ]; then
  if "$bin/kiosk" cups start >"$KIOSK_HOME/cups-start.json" 2>"$KIOSK_HOME/cups-start.err"; then
    cups_started=1
    script_pid=$$
    (trap '' INT TERM HUP
     while kill -0 "$script_pid" 2>/dev/null; do sleep 1; done
     "$bin/kiosk" cups stop >/dev/null 2>&1) </dev/null >/dev/null 2>&1 &
    watcher_pid=$!
    echo "Receipt printer: KioskPDF (PDF files in $KIOSK_HOME/printed/)"
  else
    echo "No PDF test printer: $(head -c 400 "$KIOSK_HOME/cups-start.err")" >&2
    "$bin/kiosk" config set printer.cups_server "" >/dev/null
  fi
else
  "$bin/kiosk" config set printer.cups_server "" >/dev/null  # the machine's own CUPS
fi

echo "Starting the reference central server on $server (log: $log)"
"${with_parent[@]}" "$bin/kiosk" central serve --port "$port" >"$log" 2>&1 &
central_pid=$!
for _ in $(seq 50); do
  port_open "$port" && break
  kill -0 "$central_pid" 2>/dev/null || { echo "The central server did not start: $(tail -c 600 "$log")" >&2; exit 1; }
  sleep 0.2
done

# Enrolled already, with this server (an earlier run may have used another port).
if ! "$bin/kiosk" sync status | "$bin/python" -c "import json,sys; s = json.load(sys.stdin); sys.exit(0 if s.get('enrolled') and s.get('server') == sys.argv[1] else 1)" "$server"; then
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
# In the background, waited for: a trapped signal interrupts `wait` at once, where it would
# wait for a foreground command to end first.
"${with_parent[@]}" "$bin/kiosk" run --demo "${KIOSK_RUN_ARGS[@]}" &
app_pid=$!
status=0
wait "$app_pid" || status=$?
app_pid=""
exit "$status"
