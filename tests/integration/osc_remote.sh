#!/usr/bin/env bash
# osc_remote.sh - OSC remote control end to end, with liblo's own oscsend and
# oscdump as the remotes and the sACN output read back.
#
#   bash osc_remote.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_osc_remote)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`), so
# port 7700 and sACN on 127.0.0.1:5568 are private; 10.9.9.1 is added to lo
# as a source outside the show's allow-list. Plays shows/test/osc.lua and
# runs tests/tools/osc_remote.py: GO over UDP, TCP length-prefixed and TCP
# SLIP changes slot 1 on the wire; two subscribed oscdumps and a configured
# remote get active/standby cue labels; each remote sees the other's fader
# moves; wildcards, a timetagged bundle, ping/pong, a cue's OSC action,
# on_osc + osc.send; bad input (malformed, huge bundles, wrong types, out of
# range, unknown addresses, not allowed) is dropped with counted, logged
# reasons and leaves the output unchanged.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "liblo-tools, python3, util-linux, iproute2" oscsend oscdump "$PY"

# ---- inside the private network namespace --------------------------------
ip addr add 10.9.9.1/32 dev lo

itest_workdir osc-remote
itest_check "$SRC/shows/test/osc.lua"
"$PY" "$SRC/tests/tools/osc_remote.py" test "$GL" "$SRC/shows/test/osc.lua" "$TMP"
