#!/usr/bin/env bash
# nodes_config.sh - `ghostlight node list` and `ghostlight node config`
# against a running show and two simulated nodes: both are listed live with
# their status; a node's start address, slot count and failsafe change over
# the air and are acknowledged; a node moved to another universe follows
# it; values out of range and unknown nodes are refused with a reason; a
# node restarted keeps what it was told (its flash file), whatever its
# command line says, and its line carries the show's slots from the new
# start address.
#
#   bash nodes_config.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_nodes_config)
#
# Runs in its own network namespace. Exit 0 pass, 77 skip (not root / tool
# missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"
. "$TOOLS/nodes.sh"
nodes_itest nodes-config

SHOW=$TMP/config.lua
cat >"$SHOW" <<LUA
show { name = "Node config", rate = 40 }
output { "bench", type = "nodes", universes = {1, 2} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1, count = 16 }
patch { "b", type = "generic/dimmer", universe = 2, address = 1, count = 16 }
cuelist "Main" {
  cue { 1, "Ramp", fade = 0, look = {
    ["a 1"] = { intensity = 0.1 }, ["a 2"] = { intensity = 0.2 }, ["a 3"] = { intensity = 0.3 },
    ["a 4"] = { intensity = 0.4 }, ["a 5"] = { intensity = 0.5 }, ["a 12"] = { intensity = 1 },
    b = { intensity = 0.5 } } },
}
go("Main")
LUA
"$GL" play "$SHOW" --duration 30 --no-status 2>"$TMP/play.err" &
PIDS+=($!)
for _ in $(seq 50); do
	[ -s "$GHOSTLIGHT_STATE_DIR/nodelink.key" ] && break
	sleep 0.1
done
[ -s "$GHOSTLIGHT_STATE_DIR/nodelink.key" ] || fail "the nodes output made no link key"
[ "$(stat -c %a "$GHOSTLIGHT_STATE_DIR/nodelink.key")" = 600 ] || fail "the link key is not mode 0600"
grep -q "$(cut -c1-16 "$GHOSTLIGHT_STATE_DIR/nodelink.key")" "$TMP/play.err" && fail "play printed the key"

start_node() {  # id universe log extra...
	local id=$1 u=$2 log=$3
	shift 3
	"$SIM" --id "$id" --key-file "$GHOSTLIGHT_STATE_DIR/nodelink.key" --universe "$u" \
		--flash "$TMP/flash$id.bin" --dmx-log "$log" --stats "$TMP/node$id.stats" "$@" \
		2>>"$TMP/node$id.err" &
	PIDS+=($!)
}
start_node 11 1 "$TMP/node11.log"
N11=${PIDS[-1]}
start_node 12 2 "$TMP/node12.log"

# list: wait until both report live (at most 6 s)
nodes_list_until ' live ' 2 6 || fail "node list: the two nodes are not live"
cat "$TMP/list.txt"
# (rx is over the last second: a node that missed a packet while it started
# on a loaded machine reaches 100 % again)
nodes_list_until '^bench +11 +1 +1 live +100 ' 1 6 || fail "node 11 not listed on universe 1, start 1, 100 % rx"

"$GL" node config 11 --start 3 --count 10 --failsafe zero --timeout 0.5 >"$TMP/cfg.txt" 2>&1 ||
	fail "node config 11: $(cat "$TMP/cfg.txt")"
grep -q 'node 11: done' "$TMP/cfg.txt" || fail "node config 11 said: $(cat "$TMP/cfg.txt")"
nodes_list_until '^bench +11 +1 +3 live .* zero ' 1 6 || fail "node list does not show node 11's new start and failsafe"
grep -q '^start=3$' "$TMP/node11.stats" 2>/dev/null || true   # written at exit; checked below

"$GL" node config 12 --universe 1 >"$TMP/cfg.txt" 2>&1 || fail "node config 12: $(cat "$TMP/cfg.txt")"
nodes_list_until '^bench +12 +1 +1 live ' 1 6 || fail "node 12 did not come back live on universe 1"

# refused with a reason, nothing sent
if "$GL" node config 11 --break 50 >"$TMP/bad.txt" 2>&1; then fail "--break 50 accepted"; fi
grep -q 'break must be 92..1000' "$TMP/bad.txt" || fail "no reason for --break 50: $(cat "$TMP/bad.txt")"
if "$GL" node config 11 --start 505 >"$TMP/bad.txt" 2>&1; then fail "--start 505 with 10 slots accepted"; fi
grep -q 'runs past slot 512' "$TMP/bad.txt" || fail "no reason for --start 505: $(cat "$TMP/bad.txt")"
if "$GL" node config 99 --start 1 >"$TMP/bad.txt" 2>&1; then fail "node 99 accepted"; fi
grep -q 'node 99 is not heard' "$TMP/bad.txt" || fail "no reason for node 99: $(cat "$TMP/bad.txt")"

# restart node 11: its flash wins over its command line
kill "$N11"
wait "$N11" || true
grep -q '^start=3$' "$TMP/node11.stats" || fail "node 11 did not take start 3: $(cat "$TMP/node11.stats")"
start_node 11 2 "$TMP/node11b.log" --start 1
sleep 3
kill "${PIDS[-1]}"
wait "${PIDS[-1]}" || true
grep -q '^universe=1$' "$TMP/node11.stats" || fail "node 11 forgot its universe after a restart"
grep -q '^start=3$' "$TMP/node11.stats" || fail "node 11 forgot its start after a restart"
want=$("$GL" render "$SHOW" --at 1 --universe 1 | awk '{ for (i = 5; i <= 14; i++) printf "%02x", $i }')
got=$(awk '$1 == "F" && $8 == 2 { d = $10 } END { print substr(d, 3) }' "$TMP/node11b.log")
[ "$got" = "$want" ] || fail "node 11's line after the restart: $got, want slots 3-12 = $want"
echo "PASS: listed, configured and moved over the air; refusals explained; kept across a restart (slots 3-12: $got)"
