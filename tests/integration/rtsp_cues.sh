#!/usr/bin/env bash
# rtsp_cues.sh - a show whose cues play, seek, pause, resume and stop two video
# targets on GStreamer's gst-rtsp-server (tests/tools/rtsp_server.py), checked
# against the server's own view: the requests it handled and its pipeline's
# state and position. Both targets are set up before the first GO (one over
# TCP interleaved, one over UDP); a Lua handler seeks with rtsp.seek; OSC
# feedback reports the wall's state; a stop tears down and sets up again.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail
. "$(dirname "$0")/../tools/itest.sh"
. "$(dirname "$0")/../tools/rtsp_itest.sh"
rtsp_itest cues "$@"
