#!/usr/bin/env bash
# layout_replay.sh - the tablet layouts played against a real ghostlight: the
# built TouchOSC Mk1 layout (ghostlight.touchosc, next to the binary's
# assets/) and the Open Stage Control session, each emulated as its app
# would send and listen (tests/tools/layout_replay.py says what is checked).
#
#   bash layout_replay.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_layout_replay)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`), so
# OSC port 7700 and the tablets' ports 9000-9002 are private.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "python3, util-linux, iproute2" "$PY"

# ---- inside the private network namespace --------------------------------
TOUCHOSC=$(dirname "$GL")/assets/ghostlight.touchosc
[ -f "$TOUCHOSC" ] || fail "no $TOUCHOSC (the build makes it from assets/touchosc/index.xml)"

itest_workdir layout-replay

"$PY" "$SRC/tests/tools/layout_replay.py" "$GL" "$SRC" "$TOUCHOSC" "$TMP"
