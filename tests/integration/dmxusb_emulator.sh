#!/usr/bin/env bash
# dmxusb_emulator.sh - the whole binary against the Enttec Pro widget
# emulator on a pty (tests/tools/pro_widget_emu): `ghostlight devices`
# finds and identifies it, `ghostlight play` drives it from a show file, and
# the last DMX frame the widget received equals `ghostlight render` of the
# settled look.
#
#   bash dmxusb_emulator.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_dmxusb_emulator)
#
# Exit 0 pass, 77 skip (emulator not built), 1 fail. Needs no root.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"
EMU=$(dirname "$GL")/tests/pro_widget_emu
[ -x "$EMU" ] || skip_or_fail "$EMU not built"

work=$(mktemp -d /tmp/gl-dmxusb-it-XXXXXX)
emu_pid=
cleanup() {
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

"$EMU" "$work/widget" --serial 00471123 >"$work/emu.out" 2>&1 &
emu_pid=$!
for _ in $(seq 100); do
	grep -q '^ready' "$work/emu.out" 2>/dev/null && break
	sleep 0.05
done
grep -q '^ready' "$work/emu.out" || fail "emulator did not start: $(cat "$work/emu.out")"

"$GL" devices "$work/widget" >"$work/devices.out" || fail "devices exited $?"
cat "$work/devices.out"
grep -E "^enttec-pro +$work/widget +00471123 +1\.44 +ready" "$work/devices.out" >/dev/null ||
	fail "devices did not identify the widget"

cat >"$work/show.lua" <<LUA
show   { name = "USB test", rate = 44 }
output { "desk", type = "enttec-pro", device = "$work/widget", universes = {3}, break_us = 176 }
patch  { "dim", type = "generic/dimmer", universe = 3, address = 1, count = 4 }
patch  { "par", type = "generic/rgbw",   universe = 3, address = 500 }
cuelist "Main" {
  cue { 1, "Look", fade = 0, look = { ["dim 1"] = { intensity = 1 }, ["dim 2"] = { intensity = 0.5 },
                                      ["dim 4"] = { intensity = 0.25 },
                                      par = { intensity = 1, color = "#ff8000" } } },
}
go("Main")
LUA
"$GL" check "$work/show.lua" >/dev/null || fail "show does not check"
"$GL" play "$work/show.lua" --duration 2 --no-status 2>"$work/play.err" || fail "play exited $?: $(cat "$work/play.err")"
kill -TERM "$emu_pid"
wait "$emu_pid" || true
emu_pid=
frames=$(awk '/^frames/ {print $2}' "$work/emu.out")
[ "${frames:-0}" -ge 1 ] || fail "the widget received no DMX"
got=$(awk '/^last/ {$1=""; $2=""; print}' "$work/emu.out" | xargs)
want=$("$GL" render "$work/show.lua" --at 1 --universe 3 | awk '{$1=""; $2=""; print}' | xargs)
[ -n "$want" ] || fail "render printed nothing"
[ "$got" = "$want" ] || fail "widget got [${got:0:80}...] want [${want:0:80}...]"
echo "PASS: devices identified the widget; $frames frames; the last equals render (slots 1-4: $(echo "$got" | cut -d' ' -f1-4))"
