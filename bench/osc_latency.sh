#!/usr/bin/env bash
# bench/osc_latency.sh - latency from an OSC GO sent over UDP on loopback to
# the first sACN packet carrying the new look: p50/p99 over 200 GOs.
#
#   bench/osc_latency.sh [GHOSTLIGHT] [GOS]     (as root: private netns)
#
# Plays shows/test/osc.lua (sACN unicast to 127.0.0.1:5568, 44 Hz) in its
# own network namespace; tests/tools/osc_remote.py bench alternates
# /gl/cue/Main/1/go and /gl/cue/Main/2/go and times each until slot 1
# shows the cue's level. The figure includes the wait for the next engine
# tick (0..22.7 ms at 44 Hz) and the output thread's send: it is what an
# operator's tablet sees, not the OSC parsing alone.
set -euo pipefail
. "$(dirname "$0")/bench.sh"
bench_begin osc-bench "$@"
GOS=${2:-200}
bench_banner
"$PY" "$SRC/tests/tools/osc_remote.py" bench "$GL" "$SRC/shows/test/osc.lua" "$TMP" --gos "$GOS"
