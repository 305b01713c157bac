#!/usr/bin/env bash
# mqtt_outage.sh - the broker killed (kill -9) mid-show and restarted empty
# a few seconds later (tests/tools/mqtt_remote.py outage): ghostlight
# retries with back-off, reconnects, re-subscribes (GO works again) and
# republishes its retained status and state; a dumpcap capture shows its
# sACN frames never stopped for a second during the outage.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail
. "$(dirname "$0")/../tools/itest.sh"
. "$(dirname "$0")/../tools/mqtt_itest.sh"
mqtt_itest outage "$@"
