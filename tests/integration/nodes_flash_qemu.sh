#!/usr/bin/env bash
# nodes_flash_qemu.sh - a firmware update of the emulated Cortex-M3 node
# (qemu-system-arm -M mps2-an385): QEMU starts the bootloader
# (build/firmware-images/boot-qemu.elf) with the rig's firmware key in its
# key block and a factory image 1.0 (node-qemu-a.bin signed with `ghostlight
# node sign`) to install into slot A; `ghostlight play` and
# tests/tools/nodes_bridge.py put the air into its LAN9118. `ghostlight
# node flash` sends 1.1 (the node linked for slot A and for slot B, one
# file): the node takes the slot-B image, verifies it, restarts, the
# bootloader verifies it and starts it on trial, it confirms itself, and
# `node list` shows 1.1. Then an image altered after signing is refused
# with its reason and the node runs on, on 1.1. Last, the figure: the
# bootloader's verification of a 22 KiB image under `-icount shift=0`
# (one virtual ns per instruction), in instructions.
#
#   bash nodes_flash_qemu.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_nodes_flash_qemu)
#
# Runs in its own network namespace. Exit 0 pass, 77 skip (not root, QEMU
# or the images missing; only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"
. "$TOOLS/nodes.sh"
nodes_itest nodes-flash-qemu boot-qemu.elf
nodes_make_key
"$GL" node keygen >"$TMP/keygen.out" || fail "node keygen: $(cat "$TMP/keygen.out")"
# the key block the bench writes at the end of the bootloader's 12 KiB
"$PY" -c 'import sys; pk = bytes.fromhex(open(sys.argv[1]).read().strip())
open(sys.argv[2], "wb").write(b"GLK1" + bytes(28) + pk)' "$GHOSTLIGHT_STATE_DIR/nodefw.key.pub" "$TMP/keyblock.bin"
"$GL" node sign --board qemu-mps2 --version 1.0 -o "$TMP/factory.img" --slot-a "$IMAGES/node-qemu-a.bin" >"$TMP/sign.out"
"$GL" node sign --board qemu-mps2 --version 1.1 -o "$TMP/f11.img" --slot-a "$IMAGES/node-qemu-a.bin" \
	--slot-b "$IMAGES/node-qemu-b.bin" >>"$TMP/sign.out"
"$GL" node sign --board qemu-mps2 --version 1.2 -o "$TMP/f12.img" --slot-a "$IMAGES/node-qemu-a.bin" \
	--slot-b "$IMAGES/node-qemu-b.bin" >>"$TMP/sign.out"
# altered after signing: a byte of the slot-A image's body (the one a node
# running from slot B takes)
nodes_tamper "$TMP/f12.img" "$TMP/tampered.img" 2000

SHOW=$TMP/qemu.lua
cat >"$SHOW" <<LUA
show { name = "QEMU flash", rate = 40 }
output { "air", type = "nodes", universes = {3} }
patch { "d", type = "generic/dimmer", universe = 3, address = 1, count = 8 }
cuelist "Main" { cue { 1, "Look", fade = 0, look = { d = { intensity = 0.7 } } } }
go("Main")
LUA
nodes_qemu_air "$SHOW" 120 48811
# in real time: the air is paced by the host's clock; a restart of the
# guest (SYSRESETREQ) resets the machine, not the process
"${NODES_QEMU[@]}" -serial "file:$TMP/dmx.bin" -kernel "$IMAGES/boot-qemu.elf" \
	-device loader,file="$TMP/keyblock.bin",addr=0x2fc0 \
	-device loader,file="$TMP/factory.img",addr=0x200000 \
	-append "key=$(cat "$GHOSTLIGHT_STATE_DIR/nodelink.key") id=31 universe=3" \
	"${QEMU_NIC[@]}" >"$TMP/qemu.out" 2>&1 &
PIDS+=($!)

nodes_list_until '^air +31 +3 .* live .* 1\.0 ' 1 15 || { cat "$TMP/qemu.out"; fail "the QEMU node is not live on 1.0"; }
grep -q 'boot: factory image installed in slot A' "$TMP/qemu.out" || fail "the bootloader did not install the factory image"

"$GL" node flash 31 "$TMP/f11.img" >"$TMP/flash.out" 2>&1 || { cat "$TMP/flash.out" "$TMP/qemu.out"; fail "node flash 31"; }
grep -qE '^ +31 +3 +1\.0 +1\.1 .* confirmed$' "$TMP/flash.out" || { cat "$TMP/flash.out"; fail "not confirmed on 1.1"; }
nodes_list_until '^air +31 +3 .* live .* 1\.1 ' 1 5 ||
	{ cat "$TMP/qemu.out"; fail "node list does not show the QEMU node on 1.1"; }
grep -q 'boot: slot B, firmware 1.1 on trial' "$TMP/qemu.out" || { cat "$TMP/qemu.out"; fail "the bootloader did not start slot B on trial"; }
grep -q 'node: self-test passed, firmware confirmed' "$TMP/qemu.out" || fail "the node did not confirm itself"

if "$GL" node flash 31 "$TMP/tampered.img" >"$TMP/tampered.out" 2>&1; then
	cat "$TMP/tampered.out"
	fail "a tampered image was taken"
fi
grep -q "not updated: the image's hash does not match: damaged or altered" "$TMP/tampered.out" ||
	{ cat "$TMP/tampered.out"; fail "no reason for the tampered image"; }
nodes_list_until '^air +31 +3 .* live .* 1\.1 ' 1 5 ||
	{ cat "$TMP/qemu.out"; fail "the QEMU node does not run 1.1 after refusing the tampered image"; }
[ "$(grep -c 'boot: ghostlight bootloader' "$TMP/qemu.out")" -eq 2 ] ||
	{ cat "$TMP/qemu.out"; fail "the node restarted after refusing the tampered image"; }
grep -E '^boot:|^node:' "$TMP/qemu.out"
grep -E '^ +31 ' "$TMP/flash.out" "$TMP/tampered.out"

# the figure: the bootloader verifies the factory image, instructions counted
timeout 60 "${NODES_QEMU[@]}" -icount shift=0,sleep=off -kernel "$IMAGES/boot-qemu.elf" \
	-device loader,file="$TMP/keyblock.bin",addr=0x2fc0 \
	-device loader,file="$TMP/factory.img",addr=0x200000 -append "boot-bench" \
	>"$TMP/bench.out" 2>&1 || { cat "$TMP/bench.out"; fail "the bootloader bench exited $?"; }
"$PY" - "$TMP/bench.out" "$TMP/factory.img" <<'PY'
import re, sys
out = open(sys.argv[1]).read()
m = re.search(r"checked (\d+) slot\(s\) in (\d+) us \((\d+) ticks", out)
if not m:
    sys.exit("FAIL: no figure from the bootloader:\n" + out)
ticks = int(m.group(3))
size = len(open(sys.argv[2], "rb").read())
instr = ticks * 40            # TIMER0 at 25 MHz: 40 ns, 40 instructions under -icount shift=0
print("PASS: updated 1.0 -> 1.1 over the air, restarted into slot B on trial, confirmed; a tampered "
      "image refused. Bootloader verification of a %d-byte image (SHA-512 + Ed25519): %d instructions "
      "(qemu -icount shift=0), about %.0f ms at 72 MHz and one instruction a cycle" % (size, instr, instr / 72e3))
PY
