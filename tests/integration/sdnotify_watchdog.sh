#!/usr/bin/env bash
# sdnotify_watchdog.sh - `ghostlight play` under systemd's notify protocol:
# READY=1 once frames go out, STATUS= lines, watchdog pings that stop while
# the engine (or an output thread) is stalled, STOPPING=1. No systemd can
# run here (PID 1 is not systemd, no user manager; systemd as PID 1 of a
# namespace shares the filesystem and cleans /tmp at boot), so the test is
# the socket systemd would listen on (tests/tools/sdnotify_check.py).
#
#   bash sdnotify_watchdog.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_sdnotify_watchdog)
#
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace, strace on a thread" "python3, util-linux, iproute2, strace" "$PY" strace

itest_workdir sdnotify
"$PY" "$TOOLS/sdnotify_check.py" "$GL" "$TMP"
