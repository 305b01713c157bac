#!/usr/bin/env bash
# cli_values.sh - command-line values at and past their limits: `play
# --duration` and `render --at` refuse infinities, NaN and values past the
# limit with a message naming it; `render --at` takes 10,000 instants and
# says how many it takes at most; a note an output makes when it opens (a
# temporary sACN CID because the CID file does not parse) is printed whole
# even when the show ends 50 ms later, and the file is left as it was.
#
#   bash cli_values.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_cli_values)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`):
# the short play sends sACN to 127.0.0.1 there.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "python3, util-linux, iproute2" "$PY"
itest_workdir cli-values
SHOW=$SRC/shows/test/basic.lua

# refused: exit 2 and a message with the limit in it
refused() {
	local want=$1
	shift
	local rc=0 cmd="$*"
	cmd=${cmd:0:120}
	"$GL" "$@" >"$TMP/out" 2>&1 || rc=$?
	[ "$rc" -eq 2 ] || fail "'$cmd' exited $rc, not 2: $(head -c 300 "$TMP/out")"
	grep -q -- "$want" "$TMP/out" || fail "'$cmd' says '$(head -c 300 "$TMP/out")', not '$want'"
}

for d in inf -inf nan 1e9 31536001 0 -1 abc 1x; do
	refused "at most 31536000 (a year)" play "$SHOW" --duration "$d"
done
for at in inf 1e9 86400.5 -1 nan x; do
	refused "0..86400 (a day)" render "$SHOW" --at "$at"
done
refused "must ascend" render "$SHOW" --at 1,0.5
refused "comma at the end" render "$SHOW" --at 1,
echo "play --duration and render --at refuse infinities, NaN and values past the limit"

# 10,000 instants: one line per instant and universe; the limit is named
many=$("$PY" -c 'print(",".join("%.2f" % (i / 100) for i in range(10000)))')
lines=$("$GL" render "$SHOW" --at "$many" --universe 1 | wc -l)
[ "$lines" -eq 10000 ] || fail "render --at with 10,000 instants printed $lines lines"
"$GL" render "$SHOW" --at "$many" --at 100,101 --universe 1 | tail -n 1 | grep -q '^101.000 1 ' ||
	fail "a second --at does not continue the instants"
# (two arguments of 50,001 each: one argument is at most 128 KiB)
"$PY" -c 'print(",".join(["0"] * 50001))' >"$TMP/at"
refused "at most 100000 instants" render "$SHOW" --at "$(cat "$TMP/at")" --at "$(cat "$TMP/at")"
echo "render --at: 10,000 instants rendered, 100,002 refused with the limit"

# a short run prints the output's note whole; the CID file stays as it was
mkdir "$TMP/state"
printf '# our CID\nnot-a-uuid\n' >"$TMP/state/sacn-cid"
cp "$TMP/state/sacn-cid" "$TMP/cid.before"
GHOSTLIGHT_STATE_DIR=$TMP/state "$GL" play "$SHOW" --duration 0.05 --no-status >"$TMP/play.log" 2>&1 ||
	fail "the short play failed: $(tail -n 5 "$TMP/play.log")"
grep -q "output sacn: sacn: $TMP/state/sacn-cid: line 2 is not a UUID: sending with a temporary CID; file left as it is\$" \
	"$TMP/play.log" || fail "no whole CID note in a 50 ms play: $(cat "$TMP/play.log")"
cmp -s "$TMP/state/sacn-cid" "$TMP/cid.before" || fail "the CID file was changed"
echo "a 50 ms play prints the temporary-CID note whole and leaves the file alone"
echo "PASS: cli_values"
