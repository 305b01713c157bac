#!/usr/bin/env bash
# audio_play.sh - `ghostlight play` with cues that carry sound and light:
# 64 universes of sACN, the sound through SDL's disk driver into a file
# that is measured (level, pitch of a resampled file), OSC feedback of the
# audio and /gl/panic, MQTT state/audio, `check` on a missing sound, and 0
# underruns in the summary (the short version of bench/audio_soak.sh).
#
#   bash audio_play.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_audio_play)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`), so
# sACN to 127.0.0.1, OSC on 7700 and the broker are private; the scenario is
# tests/tools/audio_play.py.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "python3, util-linux, iproute2, mosquitto, mosquitto-clients" "$PY" \
	mosquitto mosquitto_sub

itest_workdir audio-play
"$PY" "$TOOLS/audio_play.py" test "$GL" "$TMP" --duration 15
