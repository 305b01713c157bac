#!/usr/bin/env bash
# nodes_sim.sh - wireless DMX nodes end to end in simulation: `ghostlight
# play` drives 8 universes through a nodes output into the simulated air,
# 8 node processes (build/gl-node-sim) on 8 universes with 0, 10 and 30 %
# injected loss, reordering, half the A-channels jammed, and a line that
# starts at slot 481. tests/tools/nodes_check.py then checks each node's
# DMX log against the console's trace and `ghostlight render`: the engine's
# frames, whole frames exact, >= 38 frames/s, convergence to the final look,
# hold then failsafe (zero, hold, off) once the show ends; a stranger
# without the key, on the air for 2 s, changes nothing. Prints the figures:
# rate and whole frames per loss, console-to-node latency p50/p99.
#
#   bash nodes_sim.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_nodes_sim)
#
# Runs in its own network namespace (the air is UDP broadcast on loopback).
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"
. "$TOOLS/nodes.sh"
nodes_itest nodes-sim
# ---- inside the private network namespace -----------------------------------
# the rig key, made before the show so the nodes can be given it (the
# output makes one itself when there is none)
nodes_make_key

# The show: on each universe 4 dimmers at 1 and an RGBW par at 500 (its
# slots in the last two fragments). 0-1 s a look, 1-3 s a fade, 3-4 s a
# plateau, 4-5 s a fade to the final look.
SHOW=$TMP/nodes.lua
cat >"$SHOW" <<LUA
show { name = "Nodes", rate = 40 }
output { "air", type = "nodes", universes = {1, 2, 3, 4, 5, 6, 7, 8},
         trace = "$TMP/trace.txt" }
for u = 1, 8 do
  patch { "d" .. u, type = "generic/dimmer", universe = u, address = 1, count = 4 }
  patch { "p" .. u, type = "generic/rgbw", universe = u, address = 500 }
end
local function look(level, color)
  local l = {}
  for u = 1, 8 do
    l["d" .. u] = { intensity = level * u / 8 }
    l["p" .. u] = { intensity = 1, color = color }
  end
  return l
end
cuelist "Main" { loop = false,
  cue { 1, "A", fade = 0, follow = 1, look = look(0.3, "#ff0000") },
  cue { 2, "B", fade = 2, follow = 1, look = look(1.0, "#00ff80") },
  cue { 3, "C", fade = 1, look = look(0.6, "#2040ff") },
}
go("Main")
LUA
itest_check "$SHOW"

# node: id universe loss failsafe [extra options]
NODES=(
	"1 1 0 zero"
	"2 2 0 hold"
	"3 3 10 off"
	"4 4 10 hold --reorder 10"
	"5 5 30 zero"
	"6 6 30 hold"
	"7 7 0 zero --start 481 --count 32"
	"8 8 10 zero --jam 2-21"
)
CHECK=()
for spec in "${NODES[@]}"; do
	set -- $spec
	id=$1 u=$2 loss=$3 mode=$4
	shift 4
	"$SIM" --id "$id" --key-file "$GHOSTLIGHT_STATE_DIR/nodelink.key" --universe "$u" \
		--loss "$loss" --failsafe "$mode" --timeout 1 --seed "$id" "$@" \
		--dmx-log "$TMP/node$id.log" --stats "$TMP/node$id.stats" --duration 12 \
		2>"$TMP/node$id.err" &
	PIDS+=($!)
	CHECK+=(--node "$id,$u,$loss,$mode,$TMP/node$id.log,$TMP/node$id.stats")
done

"$GL" play "$SHOW" --duration 8 --no-status 2>"$TMP/play.err" &
PLAY=$!
PIDS+=($PLAY)
# every node found its link and reports live within 4 s of the show's start
nodes_list_until ' live ' 8 4 || fail "node list does not show 8 live nodes"
cat "$TMP/list.txt"
[ "$(grep -c ' live ' "$TMP/list.txt")" -eq 8 ] || fail "node list shows more than 8 live nodes"
# a stranger on universe 1 for 2 s
"$PY" "$TOOLS/nodes_check.py" forge --key-file "$GHOSTLIGHT_STATE_DIR/nodelink.key" \
	--universe 1 --seconds 2 || fail "the forger did not run"
wait "$PLAY" || fail "play exited $?"
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
PIDS=()
grep -q '^universe=1$' "$TMP/node1.stats" || fail "a forged command moved node 1"

"$PY" "$TOOLS/nodes_check.py" check --ghostlight "$GL" --show "$SHOW" --trace "$TMP/trace.txt" \
	--settle 5 --timeout 1 --forged 1,30 "${CHECK[@]}"
