# xvfb.sh - a private X server for the console tests, sourced by
# tests/integration/console_*.sh: xvfb_start picks a free display itself
# (-displayfd), exports DISPLAY and remembers the PID; xvfb_stop ends it.
# Debian package: xvfb.

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
