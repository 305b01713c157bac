#!/usr/bin/env bash
# play_signals.sh - SIGTERM and SIGINT end `ghostlight play` whatever its
# control thread is doing, with three sACN stream-terminated packets per
# universe: a handler busy in a pathological pattern (interrupted), the
# control thread frozen by strace (the deadline ends the streams and the
# process), a play started with SIGINT ignored (as a shell starts
# background jobs), a signal during a slow load.
#
#   bash play_signals.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_play_signals)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`), so
# sACN on 127.0.0.1:5568 and OSC on 7700 are private; the receiver is a raw
# socket in tests/tools/play_signals.py.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "python3, util-linux, iproute2, strace" "$PY" strace

itest_workdir play-signals
"$PY" "$TOOLS/play_signals.py" "$GL" "$TMP"
