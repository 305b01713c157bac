#!/usr/bin/env bash
# tools/screenshots.sh - the README's pictures of the console, made again
# from the demo show: each main view (stage, sheet, universe, devices, log),
# the red-light theme, and `ghostlight render --png`'s stage view.
#
#   tools/screenshots.sh [GHOSTLIGHT] [OUT_DIR]      (default: build/ghostlight, docs/)
#
# Runs the real console under a private Xvfb (package xvfb) with SDL's
# software renderer, driven by a script of input events (app/console/
# script.c); each picture is the window as the console drew it. As root it
# runs in its own network namespace, so the demo's sACN and OSC stay there.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
GL=$(readlink -f "${1:-$SRC/build/ghostlight}")
OUT=$(readlink -f "${2:-$SRC/docs}")
if [ "$(id -u)" -eq 0 ] && [ -z "${GL_SHOTS_NETNS:-}" ]; then
	GL_SHOTS_NETNS=1 exec unshare -n bash "$0" "$GL" "$OUT"
fi
[ -n "${GL_SHOTS_NETNS:-}" ] && ip link set lo up
fail() { echo "tools/screenshots.sh: $*" >&2; exit 1; }
command -v Xvfb >/dev/null || fail "needs Xvfb (Debian: xvfb)"
[ -x "$GL" ] || fail "no ghostlight at $GL (build it first)"
. "$SRC/tests/tools/xvfb.sh"
TMP=$(mktemp -d /tmp/gl-shots.XXXXXX)
trap 'xvfb_stop; rm -rf "$TMP"' EXIT
xvfb_start
export SDL_RENDER_DRIVER=software

# The demo copied, so that nothing of the picture-taking touches the tree.
cp "$SRC/shows/demo.lua" "$TMP/demo.lua"
{
	# the storm: cue 3 active, cue 4 standby, fades and the wait counting down
	echo "wait-until active Main 3"
	echo "sleep 1.2"
	echo "type 1-3"
	echo "key f"
	n=1
	for view in stage sheet universe devices log; do
		echo "key f$n"
		echo "sleep 0.2"
		echo "screenshot $OUT/console-$view.png"
		n=$((n + 1))
	done
	echo "key f1"
	echo "key f12"
	echo "wait-until active Main 5"
	echo "sleep 1.5"
	echo "screenshot $OUT/console-red-light.png"
	echo "quit"
} >"$TMP/shots.script"
"$GL" console "$TMP/demo.lua" --size 1440x900 --scale 1 --script "$TMP/shots.script" \
	>"$TMP/console.log" 2>&1 || { tail -30 "$TMP/console.log"; fail "the console failed"; }
"$GL" render "$TMP/demo.lua" --at 24 --png "$OUT/render-stage.png" --size 960x540
ls -l "$OUT"/console-*.png "$OUT/render-stage.png"
