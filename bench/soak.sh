#!/usr/bin/env bash
# bench/soak.sh - hours of a show under traffic: memory growth per hour,
# frames dropped, the longest gap between frames, the control thread's
# latency and every error, printed at the end (bench/soak.py says how each
# is measured).
#
#   bench/soak.sh DURATION [--ghostlight PATH] [--max-growth MIB_PER_H] [--max-dropped N|P%]
#       DURATION: seconds, or 30m / 1h
#
# A show with 64 sACN universes (44 Hz, unicast to loopback, a chase of
# fades over 8188 RGBW fixtures and a moving head that sweeps without
# pause), sound cues (SDL's disk driver into /dev/null), random OSC and MQTT
# traffic (a private mosquitto), Lua timers and handlers, the resume journal
# writing at every cue. Effects are not in this tree yet; MIDI traffic would
# need a JACK server of the soak's own (the MIDI tests have one) and is not
# in it yet. Runs as root in its own network namespace. Figures, not a
# test - except that with --max-growth / --max-dropped (CI) it exits 1 when
# memory grows or frames drop past those thresholds; the timing figures are
# never asserted.
set -euo pipefail
. "$(dirname "$0")/bench.sh"

usage() {
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}
[ $# -ge 1 ] || usage 2
case "$1" in -h|--help) usage 0 ;; esac
duration=$1
shift
case "$duration" in
*h) seconds=$(( ${duration%h} * 3600 )) ;;
*m) seconds=$(( ${duration%m} * 60 )) ;;
*[!0-9]*|'') echo "soak.sh: DURATION is seconds, 30m or 1h, not '$duration'" >&2; exit 2 ;;
*) seconds=$duration ;;
esac
GL=${GHOSTLIGHT:-}
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--ghostlight) GL=$2; shift 2 ;;
	--max-growth|--max-dropped|--seed) extra+=("$1" "$2"); shift 2 ;;
	*) echo "soak.sh: unknown argument '$1'" >&2; usage 2 ;;
	esac
done
if [ -z "$GL" ]; then
	for cand in "$SRC/build/ghostlight" "$SRC/build-debug/ghostlight"; do
		if [ -x "$cand" ]; then GL=$cand; break; fi
	done
fi
[ -n "$GL" ] && [ -x "$GL" ] || { echo "soak.sh: no ghostlight binary (build it, or --ghostlight PATH)" >&2; exit 1; }
GL=$(readlink -f "$GL")
bench_need mosquitto mosquitto_pub mosquitto_sub
bench_netns "network namespace" "$seconds" --ghostlight "$GL" "${extra[@]}"
TMP=$(mktemp -d /tmp/gl-soak.XXXXXX)
broker=
cleanup() {
	rc=$?
	[ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null
	if [ "$rc" -ne 0 ] && [ -f "$TMP/play.log" ]; then
		echo "--- play.log (last 20 lines):"
		tail -n 20 "$TMP/play.log"
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
printf 'user root\npersistence false\nlog_dest stdout\nlistener 18840 127.0.0.1\nallow_anonymous true\n' \
	>"$TMP/mosquitto.conf"
mosquitto -c "$TMP/mosquitto.conf" >"$TMP/mosquitto.log" 2>&1 &
broker=$!
for _ in $(seq 50); do
	(exec 3<>/dev/tcp/127.0.0.1/18840) 2>/dev/null && break
	sleep 0.1
done
bench_banner
"$PY" "$SRC/bench/soak.py" "$GL" "$TMP" "$seconds" "${extra[@]}"
