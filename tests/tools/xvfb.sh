# xvfb.sh - a private X server for the console's tests and tools, sourced by
# tests/integration/console_*.sh, tools/screenshots.sh and bench/console.sh:
# xvfb_start picks a free display itself (-displayfd), exports DISPLAY and
# remembers the PID; xvfb_stop ends it. xvfb_itest NAME is the integration
# tests' start: a temp dir in TMP, removed with the server on exit, and the
# server started. Debian package: xvfb. Needs fail() (itest.sh).

xvfb_start() {
	local fifo dir
	dir=$(mktemp -d /tmp/gl-xvfb.XXXXXX)
	fifo=$dir/display
	mkfifo "$fifo"
	Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp -noreset 3>"$fifo" \
		>"$dir/xvfb.log" 2>&1 &
	XVFB_PID=$!
	local n
	read -r -t 20 n <"$fifo" || { cat "$dir/xvfb.log"; fail "Xvfb did not start"; }
	rm -rf "$dir"
	export DISPLAY=:$n
}

xvfb_stop() {
	if [ -n "${XVFB_PID:-}" ]; then
		kill "$XVFB_PID" 2>/dev/null || true
		wait "$XVFB_PID" 2>/dev/null || true
		XVFB_PID=
	fi
}

xvfb_itest_cleanup() {
	local rc=$?
	xvfb_stop
	rm -rf "$TMP"
	exit "$rc"
}

xvfb_itest() {
	TMP=$(mktemp -d "/tmp/gl-$1.XXXXXX")
	trap xvfb_itest_cleanup EXIT
	trap 'exit 130' INT TERM
	xvfb_start
}
