#!/usr/bin/env bash
# mqtt_auth.sh - MQTT with a user name and password (a broker with a
# mosquitto_passwd file, anonymous refused; tests/tools/mqtt_remote.py auth):
# a wrong password is refused, retried with back-off, masked in the process
# list and never printed; the right one connects and GO changes the DMX.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail
. "$(dirname "$0")/../tools/itest.sh"
. "$(dirname "$0")/../tools/mqtt_itest.sh"
mqtt_itest auth "$@"
