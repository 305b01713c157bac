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
SRC=$(cd "$(dirname "$0")/.." && pwd)
GL=$(readlink -f "${1:-$SRC/build/ghostlight}")
SECONDS_=${2:-600}
if [ -z "${GL_BENCH_NETNS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "bench/audio_soak.sh: needs root (network namespace)" >&2; exit 1; }
	GL_BENCH_NETNS=1 exec unshare -n bash "$0" "$@"
fi
ip link set lo up
TMP=$(mktemp -d /tmp/gl-audio-soak.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
echo "ghostlight: $GL ($(nproc) CPUs, $(uname -r)), $SECONDS_ s"
/usr/bin/python3 "$SRC/tests/tools/audio_play.py" soak "$GL" "$TMP" --duration "$SECONDS_"
