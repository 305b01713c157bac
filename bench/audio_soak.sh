#!/usr/bin/env bash
# bench/audio_soak.sh - buffer underruns over a long play with the lights at
# 64 universes: the show of tests/tools/audio_play.py (a tone, a 44.1 kHz bed
# looping with devamp, a fade out, a loop of cues every 5 s, 64 universes of
# sACN unicast to 127.0.0.1), its sound into SDL's disk driver at real-time
# pace (/dev/null). Prints play's audio summary; underruns must be 0.
#
#   bench/audio_soak.sh [GHOSTLIGHT] [SECONDS]    (default 600; as root: private netns)
#
# integration_audio_play is the same show for 15 s in CI.
set -euo pipefail
. "$(dirname "$0")/bench.sh"
bench_begin audio-soak "$@"
SECONDS_=${2:-600}
bench_banner "$SECONDS_ s"
"$PY" "$SRC/tests/tools/audio_play.py" soak "$GL" "$TMP" --duration "$SECONDS_"
