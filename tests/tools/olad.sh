# olad.sh - olad as a receiving peer, for the olad_*.sh integration scripts
# (sourced after itest.sh and itest_init). olad refuses root, so it runs as
# nobody with a config dir in which only the one plugin the test needs is
# enabled.
#
#   olad_begin NAME                 # the tools, the network namespace; then
#                                   # TMP, and a cleanup trap that stops
#                                   # ghostlight (TMP/gl.pid) and olad
#   olad_start PLUGIN "CONF" LABEL  # ola-PLUGIN.conf = CONF; waits until
#                                   # ola_dev_info lists a LABEL device: DEV
#   olad_patch_inputs U0 U1         # DEV's input ports 0, 1 -> OLA universes
#   olad_readback WHAT OUTPUT MAP WATCH_END
#                                   # basic.lua played through OUTPUT, read
#                                   # back from olad's universes (MAP)

olad_cleanup() {
	local rc=$?
	set +e
	if [ -s "$TMP/gl.pid" ]; then
		local pid
		pid=$(cat "$TMP/gl.pid")
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = ghostlight ] && kill "$pid" 2>/dev/null
	fi
	if [ -n "$OLAD_PID" ]; then
		kill "$OLAD_PID" 2>/dev/null && wait "$OLAD_PID" 2>/dev/null
	fi
	if [ "$rc" -ne 0 ]; then
		[ -s "$TMP/gl.log" ] && { echo "--- ghostlight stderr:"; tail -n 30 "$TMP/gl.log"; }
		[ -s "$TMP/olad.log" ] && { echo "--- olad log (last 30 lines):"; tail -n 30 "$TMP/olad.log"; }
	fi
	rm -rf "$TMP"
	exit "$rc"
}

olad_begin() {
	"$PY" -c 'import ola.OlaClient' 2>/dev/null || skip_or_fail "$PY cannot import ola (package ola-python)"
	[ -f "$SRC/shows/test/basic.lua" ] || fail "no test show at $SRC/shows/test/basic.lua"
	itest_netns "network namespace; olad is then run as nobody" "ola, ola-python, util-linux, iproute2" \
		setpriv olad ola_dev_info ola_patch "$PY"
	TMP=$(mktemp -d "/tmp/gl-$1.XXXXXX")
	chmod 755 "$TMP"
	OLAD_PID=
	trap olad_cleanup EXIT
	trap 'exit 130' INT TERM
}

olad_start() {
	local plugin=$1 conf=$2 label=$3
	mkdir "$TMP/conf" "$TMP/home"
	for p in artnet dmx4linux dummy e131 espnet ftdidmx gpio karate kinet milinst opendmx \
		openpixelcontrol osc pathport renard sandnet shownet spi stageprofi uartdmx usbdmx usbserial; do
		echo "enabled = false" >"$TMP/conf/ola-$p.conf"
	done
	printf '%s\n' "$conf" >"$TMP/conf/ola-$plugin.conf"
	chown -R nobody:nogroup "$TMP/conf" "$TMP/home"
	HOME=$TMP/home setpriv --reuid=nobody --regid=nogroup --clear-groups \
		olad -c "$TMP/conf" --no-http --no-register-with-dns-sd -l 3 >"$TMP/olad.log" 2>&1 &
	OLAD_PID=$!
	DEV=
	for _ in $(seq 100); do       # up to ~10 s
		kill -0 "$OLAD_PID" 2>/dev/null || fail "olad exited at start"
		DEV=$(ola_dev_info 2>/dev/null | sed -n "s/^Device \([0-9]*\): $label.*/\1/p" | head -n 1)
		[ -n "$DEV" ] && return 0
		sleep 0.1
	done
	fail "olad did not list a $label device within 10 s"
}

olad_patch_inputs() {
	ola_patch --device "$DEV" --port 0 --input --universe "$1" || fail "ola_patch port 0 -> universe $1"
	ola_patch --device "$DEV" --port 1 --input --universe "$2" || fail "ola_patch port 1 -> universe $2"
}

# olad_readback WHAT OUTPUT MAP WATCH_END: shows/test/basic.lua with OUTPUT
# for its outputs plays; tests/tools/ola_readback.py reads olad's universes
# (MAP: ghostlight:OLA,...) in the middle of every plateau and requires
# them to equal `ghostlight render` there, then watches WATCH_END seconds
# past the end. olad must still run.
olad_readback() {
	local what=$1 output=$2 map=$3 watch_end=$4
	SHOW=$TMP/$(basename "$0" .sh).lua
	itest_basic_variant "$SHOW" "$output"
	echo "playing $SHOW (basic.lua, $output) for $DURATION s"
	"$PY" "$TOOLS/ola_readback.py" --ghostlight "$GL" --show "$SHOW" --map "$map" \
		--duration "$DURATION" --log "$TMP/gl.log" --pidfile "$TMP/gl.pid" --watch-end "$watch_end" \
		|| fail "olad's $what input does not hold what ghostlight render computes (see above)"
	kill -0 "$OLAD_PID" 2>/dev/null || fail "olad died during the test"
}
