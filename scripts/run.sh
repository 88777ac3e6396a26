#!/usr/bin/env bash
# Start the counter on its embedded defaults. Until the UI lands, show what the CLI can do.
set -euo pipefail
cd "$(dirname "$0")/.."
export KIOSK_HOME="${KIOSK_HOME:-$KIOSK_DEV_HOME}"
bin=.venv/bin
echo "KIOSK_HOME=$KIOSK_HOME"
"$bin/kiosk" --help
echo
"$bin/kiosk" config show
