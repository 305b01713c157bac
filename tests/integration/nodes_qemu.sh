#!/usr/bin/env bash
# nodes_qemu.sh - the node firmware on an emulated Cortex-M3: `ghostlight
# play` sends universe 3 into the simulated air, tests/tools/nodes_bridge.py
# carries the air packets into QEMU's LAN9118 (-nic socket) at their on-air
# times and the node's reports back, and the image (build/firmware-images/
# node-qemu.elf, under qemu-system-arm -M mps2-an385) puts the universe on
# its DMX UART, captured to a file. The node exits through semihosting
# after 40 whole frames (or fails at its deadline); every captured frame
# must equal `ghostlight render`. Then the bench image (node-qemu-bench.elf)
# runs 400 superframes through the core under -icount shift=0,sleep=off
# (one virtual ns per instruction) and prints the CPU figure: instructions
# per superframe and per MAC.
#
#   bash nodes_qemu.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_nodes_qemu)
#
# Runs in its own network namespace. Exit 0 pass, 77 skip (not root, QEMU
# or the image missing; only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"
. "$TOOLS/nodes.sh"
nodes_itest nodes-qemu node-qemu.elf
# the rig key, made before the show so the nodes can be given it (the
# output makes one itself when there is none)
nodes_make_key

SHOW=$TMP/qemu.lua
cat >"$SHOW" <<LUA
show { name = "QEMU node", rate = 40 }
output { "air", type = "nodes", universes = {3} }
patch { "d", type = "generic/dimmer", universe = 3, address = 1, count = 8 }
patch { "p", type = "generic/rgbw", universe = 3, address = 505 }
cuelist "Main" {
  cue { 1, "Look", fade = 0, look = { ["d 1"] = { intensity = 1 }, ["d 2"] = { intensity = 0.5 },
                                      ["d 8"] = { intensity = 0.2 },
                                      p = { intensity = 1, color = "#ff8020" } } },
}
go("Main")
LUA

nodes_qemu_air "$SHOW" 60 48801
# in real time (no -icount): the air is paced by the host's clock
timeout 60 "${NODES_QEMU[@]}" -serial "file:$TMP/dmx.bin" -kernel "$IMAGES/node-qemu.elf" \
	-append "key=$(cat "$GHOSTLIGHT_STATE_DIR/nodelink.key") id=31 universe=3 exit-after=40 deadline=30" \
	"${QEMU_NIC[@]}" >"$TMP/qemu.out" 2>&1 || fail "the node exited $? (40 whole frames not within 30 s)"
cat "$TMP/qemu.out"
kill "$BRIDGE" 2>/dev/null; wait "$BRIDGE" 2>/dev/null || true

want=$("$GL" render "$SHOW" --at 1 --universe 3 | awk '{ printf "00"; for (i = 3; i <= 514; i++) printf "%02x", $i }')
"$PY" - "$TMP/dmx.bin" "$want" "$TMP/qemu.out" <<'PY'
import re, sys
data, want = open(sys.argv[1], "rb").read(), bytes.fromhex(sys.argv[2])
frames = [data[i:i + 513] for i in range(0, len(data), 513)]
if len(data) % 513 or len(frames) < 40:
    sys.exit("FAIL: the DMX UART carried %d bytes: not 40 or more frames of 513" % len(data))
bad = [i for i, f in enumerate(frames) if f != want]
if bad:
    f = frames[bad[0]]
    diff = [k for k in range(513) if f[k] != want[k]]
    sys.exit("FAIL: %d of %d frames differ from render, first frame %d at bytes %s"
             % (len(bad), len(frames), bad[0], diff[:8]))
print("PASS: %d DMX frames on the UART, every one the engine's universe 3" % len(frames))
PY

# the CPU figure: the core alone, instructions counted by -icount
timeout 60 "${NODES_QEMU[@]}" -icount shift=0,sleep=off -kernel "$IMAGES/node-qemu-bench.elf" \
	-append "key=$(cat "$GHOSTLIGHT_STATE_DIR/nodelink.key") id=31 universe=3 bench=400" \
	>"$TMP/bench.out" 2>&1 || fail "the bench exited $?: $(cat "$TMP/bench.out")"
"$PY" - "$TMP/bench.out" <<'PY'
import re, sys
m = dict(re.findall(r"(\w+) (\d+)", open(sys.argv[1]).read()))
per_sf, per_mac = int(m["per_superframe"]), int(m["per_mac"])
print("node CPU (qemu -icount shift=0): %d instructions per 25 ms superframe (%d packets taken of %d), "
      "%d per MAC; at 72 MHz and one instruction a cycle: %.1f %% busy, %.1f %% headroom"
      % (per_sf, int(m["taken"]), int(m["packets"]), per_mac, per_sf / 72e6 / 0.025 * 100,
         100 - per_sf / 72e6 / 0.025 * 100))
PY
