#!/usr/bin/env bash
# resume_kill.sh - `ghostlight play` killed with SIGKILL at 20 random
# moments of a running show: every restart resumes at the journaled state,
# checked on the wire (sACN to a socket in this test's network namespace)
# and through OSC feedback, and the journal is never unreadable
# (tests/tools/resume_kill.py says how).
#
#   bash resume_kill.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_resume_kill)
#
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "python3, util-linux, iproute2, mosquitto, mosquitto-clients" "$PY" \
	mosquitto mosquitto_sub

itest_workdir resume-kill
"$PY" "$TOOLS/resume_kill.py" "$GL" "$TMP" --kills "${GL_RESUME_KILLS:-20}"
