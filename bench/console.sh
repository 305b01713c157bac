#!/usr/bin/env bash
# console.sh - what the SDL console costs and how fast it answers:
#  1. GUI frame time with 1024 fixtures patched (SDL's software renderer
#     under Xvfb, the stage view full of fixtures that change every frame);
#  2. the engine's inter-frame gap on the wire (sACN, every universe,
#     dumpcap + tests/tools/capture_stats.py): `play` with no GUI, the
#     console idle (no input: the stage view of 1024 fixtures redrawn as
#     they change), the console busy (views switching and a fader dragged
#     the whole time);
#  3. GO key -> DMX out: the space key pushed into the console's event
#     queue (its --script) to the first sACN packet carrying the new look,
#     over 100 GOs.
#
#   bench/console.sh [GHOSTLIGHT] [SECONDS]      (as root: private netns, capture)
#
# Figures, not a test: nothing is asserted. Uses the release build
# (build/ghostlight) unless given one; needs xvfb, tshark (dumpcap), python3.
set -euo pipefail
. "$(dirname "$0")/bench.sh"
GL=$(readlink -f "${1:-$SRC/build/ghostlight}")
SECONDS_MEASURED=${2:-10}
bench_need dumpcap Xvfb
bench_netns "network namespace, capture" "$GL" "$SECONDS_MEASURED"
TMP=$(mktemp -d /tmp/gl-bench-console.XXXXXX)
GL_PID=
DUMPCAP_PID=
fail() { echo "bench/console.sh: $*" >&2; exit 1; }
. "$SRC/tests/tools/xvfb.sh"
cleanup() {
	local rc=$?
	set +e
	[ -n "$GL_PID" ] && kill "$GL_PID" 2>/dev/null && wait "$GL_PID" 2>/dev/null
	[ -n "$DUMPCAP_PID" ] && kill -INT "$DUMPCAP_PID" 2>/dev/null && wait "$DUMPCAP_PID" 2>/dev/null
	xvfb_stop
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export SDL_RENDER_DRIVER=software
xvfb_start

# 1024 generic/rgbw on 8 universes, a 32 x 32 grid on stage, every
# channel fading all the time (a looping crossfade, 5 s fades).
SHOW=$TMP/rig1024.lua
{
	echo 'show { name = "1024 fixtures" }'
	echo 'output { "bench", type = "sacn", universes = {1, 2, 3, 4, 5, 6, 7, 8}, unicast = "127.0.0.1", discovery = false }'
	for row in $(seq 0 31); do
		u=$((row / 4 + 1)); a=$((row % 4 * 128 + 1))
		echo "patch { \"r$row\", type = \"generic/rgbw\", universe = $u, address = $a, count = 32, at = {0, $row} }"
	done
	echo 'local a, b = {}, {}'
	echo 'for row = 0, 31 do'
	echo '  a["r" .. row] = { intensity = 1, red = 1, green = 0, blue = 1, white = 0 }'
	echo '  b["r" .. row] = { intensity = 0.3, red = 0, green = 1, blue = 0, white = 1 }'
	echo 'end'
	echo 'fader (1, { group = "r0", label = "Row 0" })'
	echo 'cuelist "Main" { loop = true,'
	echo '  cue { 1, "a", fade = 5, wait = 5, look = a },'
	echo '  cue { 2, "b", fade = 5, wait = 5, look = b },'
	echo '}'
	echo 'go("Main")'
} >"$SHOW"
"$GL" check "$SHOW" >/dev/null || fail "the generated show does not load"

capture_start() {
	dumpcap -n -q -i lo -B 64 -s 200 -f 'udp port 5568 or udp port 9' -w "$1" >"$TMP/dumpcap.log" 2>&1 &
	DUMPCAP_PID=$!
	for _ in $(seq 100); do
		printf probe >/dev/udp/127.0.0.1/9 2>/dev/null || true
		n=$(capinfos -c -M "$1" 2>/dev/null | awk '/Number of packets/ { print $NF }' || true)
		[ "${n:-0}" -gt 0 ] && return 0
		sleep 0.1
	done
	fail "dumpcap did not start"
}
capture_stop() {
	kill -INT "$DUMPCAP_PID"
	wait "$DUMPCAP_PID" || true
	DUMPCAP_PID=
}
gaps() {   # CAPTURE -> "fps med, gap p50, p99, max"
	"$PY" "$SRC/tests/tools/capture_stats.py" --json --protocol sacn "$1" >"$TMP/stats.json"
	"$PY" - "$TMP/stats.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
print("%6.2f fps   gap p50 %6.2f ms   p99 %6.2f ms   max %6.2f ms   (%d frames, %d universes)" % (
    t["fps_median"], t["gap_p50_ms_median"], t["gap_p99_ms_max"], t["gap_max_ms"], t["frames"],
    t["universes"]))
EOF
}

# A console script: wait for the show, then SECONDS of either nothing
# (idle: the stage view, no input) or constant work (busy), then quit.
idle_script() {
	cat <<EOF
wait-until active Main 1
mark start
sleep $SECONDS_MEASURED
mark end
quit
EOF
}
busy_script() {
	echo "wait-until active Main 1"
	echo "mark start"
	local rounds=$((SECONDS_MEASURED * 2))
	for _ in $(seq "$rounds"); do
		echo "drag fader:0 0.5 0.1 0.5 0.9 6"
		echo "key f2"
		echo "key f3"
		echo "key f1"
		echo "drag fader:0 0.5 0.9 0.5 0.1 6"
	done
	echo "mark end"
	echo "quit"
}

run_console() {   # NAME SCRIPT-FILE -> frame time line
	local name=$1 script=$2 cap=$TMP/$1.pcapng
	capture_start "$cap"
	"$GL" console "$SHOW" --script "$script" --stats >"$TMP/$name.log" 2>&1 || {
		tail -20 "$TMP/$name.log"; fail "the console ($name) failed"; }
	capture_stop
	echo "$name: $(grep 'frame time' "$TMP/$name.log" | sed 's/^console: //')"
	echo "$name: wire $(gaps "$cap")"
}

bench_banner "SDL software renderer under Xvfb $DISPLAY"
echo
idle_script >"$TMP/idle.script"
busy_script >"$TMP/busy.script"

# play, no GUI: the reference
capture_start "$TMP/play.pcapng"
"$GL" play "$SHOW" --no-status --duration $((SECONDS_MEASURED + 2)) >"$TMP/play.log" 2>&1
capture_stop
echo "play (no GUI): wire $(gaps "$TMP/play.pcapng")"
run_console "console idle" "$TMP/idle.script"
run_console "console busy" "$TMP/busy.script"

# GO key -> DMX: a two-cue loop, slot 1 alternates 51 / 255 on each GO
GO_SHOW=$TMP/go.lua
cat >"$GO_SHOW" <<'EOF'
show { name = "GO latency", rate = 44 }
output { "sacn", type = "sacn", universes = {1}, unicast = "127.0.0.1", discovery = false }
patch { "dim", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" { loop = true,
  cue { 1, "low",  look = { dim = { intensity = 0.2 } } },
  cue { 2, "high", look = { dim = { intensity = 1 } } },
}
go("Main")
EOF
echo
"$PY" "$SRC/tests/tools/console_test.py" bench "$GL" "$GO_SHOW" "$TMP"
