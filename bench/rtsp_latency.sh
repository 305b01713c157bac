#!/usr/bin/env bash
# bench/rtsp_latency.sh - latency from a cue's GO to the RTSP server's reply
# to the PLAY it causes, with the video target set up ahead of the GO
# (preload = true: one round trip) and without (preload = false: connect,
# OPTIONS, DESCRIBE, a SETUP per track, then PLAY): p50/p99 over GOS/2
# plays each.
#
#   bench/rtsp_latency.sh [GHOSTLIGHT] [GOS]     (as root: private netns)
#
# Plays shows/test/video.lua against gst-rtsp-server on 127.0.0.1:8554
# (tests/tools/rtsp_server.py; packages python3-gi, gir1.2-gst-rtsp-server-1.0,
# gstreamer1.0-plugins-base/-good). tests/tools/rtsp_remote.py bench fires
# OSC GOs alternating cue 1 (wall plays) and cue 5 (stop), each after the
# last one's sACN arrived; a dumpcap capture of OSC and RTSP on lo gives,
# for every play GO, the time from its OSC packet to the first reply to a
# PLAY after it. The figure includes the wait for the engine's next tick
# (0..22.7 ms at 44 Hz: a GO fires a cue, the cue's actions go out when
# the control thread reads its event) and gst-rtsp-server's own work.
set -euo pipefail
. "$(dirname "$0")/bench.sh"
bench_begin rtsp-bench "$@"
GOS=${2:-200}
bench_banner "$("$PY" -c 'import gi; gi.require_version("Gst", "1.0"); from gi.repository import Gst; Gst.init(None); print(Gst.version_string())')"
"$PY" "$SRC/tests/tools/rtsp_remote.py" bench "$GL" "$SRC/shows/test/video.lua" "$TMP" --gos "$GOS"
