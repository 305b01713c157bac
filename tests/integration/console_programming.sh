#!/usr/bin/env bash
# console_programming.sh - programming in the real console under Xvfb,
# driven by injected input events: fixtures selected by number, intensity,
# a colour preset and the position pad, recorded as a new cue, GOTO it,
# saved; the show file keeps every hand-written byte (only its recorded
# line is added, once; the old file kept as .bak), `check` passes, and
# `ghostlight render` of the saved show equals what the wire carried. The
# saved show reloads to the same output; update (tracking), renumber, a
# refused delete (the cue has an on_cue handler), delete + undo, record +
# undo + redo; quitting with unsaved changes asks first (Esc keeps on,
# S saves, D discards and leaves the files alone). A list on timecode whose
# cues start effects: a recorded cue and a renumber out of time order are
# refused, a renumber, a delete and its undo are taken while its clock
# runs, and the clock fires the cues it was given by identity.
#
#   bash console_programming.sh GHOSTLIGHT SOURCE_DIR (CTest: integration_console_programming)
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "xvfb, python3" Xvfb "$PY"

# ---- inside the private network namespace --------------------------------
. "$TOOLS/xvfb.sh"
xvfb_itest console-programming
"$PY" "$TOOLS/console_test.py" programming "$GL" "$SRC/shows/test/console.lua" "$TMP"
mkdir -p "$TMP/timecode"
"$PY" "$TOOLS/console_test.py" timecode "$GL" "$SRC/shows/test/console_timecode.lua" "$TMP/timecode"
echo "console_programming: ok"
