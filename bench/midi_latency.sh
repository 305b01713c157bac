#!/usr/bin/env bash
# bench/midi_latency.sh - MIDI figures over a private JACK server (dummy
# backend, 256 frames at 48 kHz: JACK moves MIDI once per 5.3 ms period;
# synchronous, as the tests run it, see tests/tools/midi_remote.py):
#  1. note in -> DMX out: a note from tests/tools/midi_peer mapped to GOTO
#     cue 1 or 2, alternating, timed until the first sACN packet carrying the
#     cue's level (the same measuring code as bench/osc_latency.sh); p50/p99
#     over 200 notes;
#  2. MTC chase error: build/bench_midi_mtc, the adapter's chased position
#     against the source's time code, sampled every 7 ms, at 25 and 29.97 df.
#
#   bench/midi_latency.sh [BUILD_DIR] [NOTES] [SECONDS]   (as root: private netns)
#
# Plays shows/test/midi.lua (sACN unicast to 127.0.0.1:5568, 44 Hz) in its
# own network namespace. The note figure includes JACK's period, the wait
# for the next engine tick (0..22.7 ms at 44 Hz) and the output thread's
# send, like the OSC and MQTT ones.
set -euo pipefail
. "$(dirname "$0")/bench.sh"
BUILD=$(readlink -f "${1:-$SRC/build}")
GL=$BUILD/ghostlight
NOTES=${2:-200}
SECONDS_MTC=${3:-20}
bench_netns "network namespace" "$@"
bench_workdir midi-bench
JACKD=
cleanup() {
	[ -n "$JACKD" ] && kill "$JACKD" 2>/dev/null && wait "$JACKD" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
bench_banner "$(jackd --version 2>/dev/null | head -1)"
"$PY" "$SRC/tests/tools/midi_remote.py" bench "$GL" \
	"$BUILD/tests/midi_peer" "$SRC/shows/test/midi.lua" "$TMP" --gos "$NOTES"
export JACK_DEFAULT_SERVER=glbench$$
jackd -n "$JACK_DEFAULT_SERVER" -S -t 10000 --no-realtime -d dummy -r 48000 -p 256 \
	>"$TMP/jackd.log" 2>&1 &
JACKD=$!
for _ in $(seq 100); do jack_lsp >/dev/null 2>&1 && break; sleep 0.1; done
echo "MTC chase error (the chased position against the source's time code; timecode"
echo "cue lists do not exist yet, so this is the position they will read):"
"$BUILD/bench_midi_mtc" "$SECONDS_MTC"
