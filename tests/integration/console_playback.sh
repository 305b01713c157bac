#!/usr/bin/env bash
# console_playback.sh - the real console driven by injected input events
# (its --script, pushed into SDL's event queue) under Xvfb with X11 and
# again with SDL's offscreen driver: GO (space) moves the playhead and the
# sACN on the wire, a double tap is one GO (debounce), a typed cue number +
# Enter is GOTO, BACK and GO buttons, a fader dragged by the mouse, two
# faders moved by two fingers at once, the wheel, blackout, panic (Esc Esc);
# every view drawn, and the window seen on the X display (imagemagick's
# import); a cue's sound (SDL's disk driver) in the devices and media views,
# and PANIC fading it out. tests/tools/console_test.py reads the wire and the
# console's state files.
#
#   bash console_playback.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_console_playback)
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "xvfb, imagemagick, python3" Xvfb import "$PY"

# ---- inside the private network namespace --------------------------------
. "$TOOLS/xvfb.sh"
xvfb_itest console-playback
mkdir "$TMP/x11" "$TMP/offscreen"
"$PY" "$TOOLS/console_test.py" playback "$GL" "$SRC/shows/test/console.lua" "$TMP/x11"
mkdir "$TMP/sound"
"$PY" "$TOOLS/console_test.py" sound "$GL" "$TMP/sound"
xvfb_stop
"$PY" "$TOOLS/console_test.py" playback "$GL" "$SRC/shows/test/console.lua" "$TMP/offscreen" --offscreen
echo "console_playback: ok"
