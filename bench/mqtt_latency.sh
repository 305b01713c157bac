#!/usr/bin/env bash
# bench/mqtt_latency.sh - latency from an MQTT GO published to a mosquitto
# broker on loopback to the first sACN packet carrying the new look:
# p50/p99 over 200 GOs, the figure to read next to bench/osc_latency.sh.
#
#   bench/mqtt_latency.sh [GHOSTLIGHT] [GOS]     (as root: private netns)
#
# Plays shows/test/mqtt.lua (sACN unicast to 127.0.0.1:5568, 44 Hz) in its
# own network namespace with a private broker; tests/tools/mqtt_remote.py
# bench keeps one mosquitto_pub connected (QoS 1, a line per GO) and
# alternates {"list": "Main", "cue": 1} and ... 2 on gltest/cmd/go, timing
# each until slot 1 shows the cue's level. The figure includes the broker's
# hop, the wait for the next engine tick (0..22.7 ms at 44 Hz) and the
# output thread's send, like the OSC one.
set -euo pipefail
. "$(dirname "$0")/bench.sh"
bench_begin mqtt-bench "$@"
GOS=${2:-200}
bench_banner "$(mosquitto -h 2>/dev/null | head -1)"
"$PY" "$SRC/tests/tools/mqtt_remote.py" bench "$GL" "$SRC/shows/test/mqtt.lua" "$TMP" --gos "$GOS"
