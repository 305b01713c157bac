#!/usr/bin/env bash
# example_shows.sh - every example show in shows/ (not shows/test, not
# shows/bad) loads with `ghostlight check`, renders with `ghostlight render`
# (the same bytes twice: effects, random waves and images included are
# reproducible), and plays headless for a moment with `ghostlight play`;
# for the effects, chase, pixel map and timecode shows, the rendered DMX
# changes over time (their effects and clocks run).
#
#   bash example_shows.sh GHOSTLIGHT SOURCE_DIR  (CTest: integration_example_shows)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`):
# the plays send sACN to 127.0.0.1 there.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "python3, util-linux, iproute2" "$PY"
itest_workdir examples

AT=0,0.5,1,2.5,5,13,30
count=0
for show in "$SRC"/shows/*.lua; do
	name=$(basename "$show" .lua)
	"$GL" check "$show" >"$TMP/$name.check" 2>&1 ||
		fail "check $name: $(tail -n 3 "$TMP/$name.check")"
	grep -q "^ok: " "$TMP/$name.check" || fail "check $name printed no ok line"
	"$GL" render "$show" --at "$AT" >"$TMP/$name.a" 2>&1 || fail "render $name: $(tail -n 3 "$TMP/$name.a")"
	"$GL" render "$show" --at "$AT" >"$TMP/$name.b" 2>&1 || fail "render $name (again)"
	cmp -s "$TMP/$name.a" "$TMP/$name.b" || fail "render $name differs from one run to the next"
	(cd "$TMP" && "$GL" play "$show" --duration 1 --no-status >"$TMP/$name.play" 2>&1) ||
		fail "play $name: $(tail -n 5 "$TMP/$name.play")"
	count=$((count + 1))
done
[ "$count" -ge 5 ] || fail "only $count example shows"
for name in effects chase pixelmap timecode; do
	[ -f "$TMP/$name.a" ] || fail "no example show $name.lua"
	changes=$(cut -d' ' -f2- "$TMP/$name.a" | sort -u | wc -l)
	[ "$changes" -ge 3 ] || fail "$name: the rendered frames hardly change ($changes distinct)"
done
echo "$count example shows: check, render (twice, the same), play 1 s"
