#!/usr/bin/env bash
# rtsp_digest.sh - a video target behind gst-rtsp-server's Digest authentication
# (RTSPAuth): ghostlight answers the 401 and every request after it with
# Digest and the cue plays; with a wrong password the refusal is reported,
# the lights go on, and neither password is ever printed.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail
. "$(dirname "$0")/../tools/itest.sh"
. "$(dirname "$0")/../tools/rtsp_itest.sh"
rtsp_itest digest "$@"
