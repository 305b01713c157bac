#!/usr/bin/env bash
# osc_abuse.sh - the OSC adapter under abuse (slow-loris TCP clients, a host
# holding every subscription, costly wildcard patterns, a dead TCP remote)
# and subscriptions keyed by (address, port, transport): see
# tests/tools/osc_abuse.py for each case.
#
#   bash osc_abuse.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_osc_abuse)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`):
# port 7700 is private, and 10.9.9.2-6 on lo stand for other hosts.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "python3, util-linux, iproute2" "$PY"

for h in 2 3 4 5 6; do
	ip addr add "10.9.9.$h/32" dev lo
done
itest_workdir osc-abuse
"$PY" "$TOOLS/osc_abuse.py" "$GL" "$TMP"
