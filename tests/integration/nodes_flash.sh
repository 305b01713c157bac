#!/usr/bin/env bash
# nodes_flash.sh - firmware updates of simulated wireless nodes, over the air
# through a running show: 8 node processes (build/gl-node-sim, flash in a
# file, the rig's firmware key from `ghostlight node keygen`, a factory 1.0
# image signed with `ghostlight node sign`) on 4 universes, 2 per link.
#  - 64 KiB image 1.1 to one node, then 1.2 to all 8 at once: every node
#    confirmed, `node list` shows the new version on each (the figures:
#    transfer time to 1 and to 8 nodes);
#  - at the same time: a node killed (SIGKILL) halfway through its transfer
#    and started again resumes where its boot log says, not from 0; an
#    image that never passes its self-test rolls back to the old version,
#    and `node list` says so; an image altered after signing is refused
#    with its reason and the node runs on; an image for another board is
#    not sent at all.
#
#   bash nodes_flash.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_nodes_flash)
#
# Runs in its own network namespace. Exit 0 pass, 77 skip (not root / tool
# missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"
. "$TOOLS/nodes.sh"
nodes_itest nodes-flash
nodes_make_key
"$GL" node keygen >"$TMP/keygen.out" || fail "node keygen: $(cat "$TMP/keygen.out")"
PUB=$GHOSTLIGHT_STATE_DIR/nodefw.key.pub

# Simulator images: a body the simulator reads ("selftest=never" makes one
# that never passes its self-test), filled to size with random bytes.
sign() {  # version size out [selftest]
	{ printf 'gl-node-sim firmware\nselftest=%s\n' "${4:-pass}"; head -c "$2" /dev/urandom; } >"$TMP/body"
	"$GL" node sign --board sim --version "$1" -o "$3" "$TMP/body" >>"$TMP/sign.out" ||
		fail "node sign $1: $(cat "$TMP/sign.out")"
}
sign 1.0 2000 "$TMP/f10.img"
sign 1.1 65500 "$TMP/f11.img"      # 64 KiB images: the transfer figures
sign 1.2 65500 "$TMP/f12.img"
sign 1.4 65500 "$TMP/f14.img"
sign 1.3 3000 "$TMP/f13.img" never
sign 1.5 3000 "$TMP/f15.img"
# altered after signing: one byte of the body
nodes_tamper "$TMP/f15.img" "$TMP/tampered.img" 1500
"$GL" node sign --board qemu-mps2 --version 2.0 -o "$TMP/qemu.img" "$TMP/body" >/dev/null

SHOW=$TMP/flash.lua
cat >"$SHOW" <<LUA
show { name = "Flash", rate = 40 }
output { "air", type = "nodes", universes = {1, 2, 3, 4} }
patch { "d", type = "generic/dimmer", universe = 1, address = 1, count = 4 }
cuelist "Main" { cue { 1, "A", look = { d = { intensity = 0.5 } } } }
go("Main")
LUA
"$GL" play "$SHOW" --duration 300 --no-status 2>"$TMP/play.err" &
PIDS+=($!)

declare -A NODE_PID
start_node() {  # id
	local id=$1 u=$(( ($1 - 1) % 4 + 1 ))
	"$SIM" --id "$id" --key-file "$GHOSTLIGHT_STATE_DIR/nodelink.key" --universe "$u" \
		--flash "$TMP/flash$id.bin" --fw-key "$PUB" --factory "$TMP/f10.img" --selftest 4 \
		--stats "$TMP/node$id.stats" 2>>"$TMP/node$id.err" &
	NODE_PID[$id]=$!
	PIDS+=($!)
}
for id in 1 2 3 4 5 6 7 8; do start_node "$id"; done

nodes_list_until ' live .* 1\.0 ' 8 10 || fail "the 8 nodes are not live on firmware 1.0"

# 1.1 to one node, then 1.2 to all eight
"$GL" node flash 1 "$TMP/f11.img" >"$TMP/one.out" 2>&1 || { cat "$TMP/one.out"; fail "node flash 1"; }
grep -qE '^ +1 +1 +1\.0 +1\.1 .* confirmed$' "$TMP/one.out" || { cat "$TMP/one.out"; fail "node 1 not confirmed on 1.1"; }
"$GL" node flash all "$TMP/f12.img" >"$TMP/all.out" 2>&1 || { cat "$TMP/all.out"; fail "node flash all"; }
[ "$(grep -cE ' 1\.2 .* confirmed$' "$TMP/all.out")" -eq 8 ] || { cat "$TMP/all.out"; fail "not all 8 confirmed on 1.2"; }
nodes_list_until ' live .* 1\.2 ' 8 5 || fail "node list does not show 8 nodes live on 1.2"

# Now four at once: a resume, a rollback, a tampered image, another board.
"$GL" node flash 3 "$TMP/f14.img" >"$TMP/resume.out" 2>&1 &
RESUME=$!
"$GL" node flash 5 "$TMP/f13.img" >"$TMP/rollback.out" 2>&1 &
ROLLBACK=$!
"$GL" node flash 6 "$TMP/tampered.img" >"$TMP/tampered.out" 2>&1 &
TAMPERED=$!
if "$GL" node flash 7 "$TMP/qemu.img" >"$TMP/board.out" 2>&1; then fail "a QEMU image flashed on a simulated node"; fi
grep -q "nothing for this node's board" "$TMP/board.out" || { cat "$TMP/board.out"; fail "no reason for the wrong board"; }
# node 3: killed once a third of its image is there, started again a second later
nodes_list_until '^air +3 .* receiving ([3-9][0-9])%' 1 20 || fail "node 3 never got a third of its image"
kill -9 "${NODE_PID[3]}"
wait "${NODE_PID[3]}" 2>/dev/null || true
sleep 1
start_node 3
wait "$RESUME" || { cat "$TMP/resume.out"; fail "node flash 3 after the kill"; }
grep -qE '^ +3 +3 +1\.2 +1\.4 .* confirmed \(the transfer resumed at ([1-9][0-9]?)% after the node restarted\)$' \
	"$TMP/resume.out" || { cat "$TMP/resume.out"; fail "node 3 did not resume its transfer"; }
if wait "$ROLLBACK"; then cat "$TMP/rollback.out"; fail "an image that never confirms was reported updated"; fi
grep -qE '^ +5 +1 +1\.2 +1\.3 .* rolled back to 1\.2: the new firmware did not pass its self-test$' \
	"$TMP/rollback.out" || { cat "$TMP/rollback.out"; fail "no rollback reported for node 5"; }
nodes_list_until '^air +5 .* live .* 1\.2 .* rolled back 1\.3: the new firmware did not pass its self-test' 1 5 ||
	fail "node list does not show node 5 rolled back to 1.2"
if wait "$TAMPERED"; then cat "$TMP/tampered.out"; fail "a tampered image was taken"; fi
grep -q "not updated: the image's hash does not match: damaged or altered" "$TMP/tampered.out" ||
	{ cat "$TMP/tampered.out"; fail "no reason for the tampered image"; }
nodes_list_until '^air +6 .* live .* 1\.2 ' 1 5 || fail "node 6 does not run 1.2 after refusing the tampered image"
cat "$TMP/resume.out" "$TMP/rollback.out" "$TMP/tampered.out" | grep -E '^ +[0-9]+ +[0-9]+ '

# the figures: the chunks of 64 KiB (65884 bytes signed) to 1 and to 8 nodes
# (the summary's rows: NODE UNIVERSE FROM TO TRANSFER TOTAL RESULT)
one=$(awk '$1 == 1 && $4 == "1.1" { print $5 }' "$TMP/one.out")
eight=$(awk '$1 ~ /^[0-9]+$/ && $4 == "1.2" { sub("s", "", $5); if ($5 + 0 > m) m = $5 + 0 }
	END { print m "s" }' "$TMP/all.out")
total=$(awk '$1 ~ /^[0-9]+$/ && $4 == "1.2" { sub("s", "", $6); if ($6 + 0 > m) m = $6 + 0 }
	END { print m "s" }' "$TMP/all.out")
echo "PASS: 64 KiB image over the air: transfer $one to 1 node, $eight to 8 nodes at once (4 links," \
	"2 nodes each; $total until all 8 confirmed); resumed after a kill, rolled back, refused tampered and" \
	"foreign images"
