#!/usr/bin/env bash
# midi_wing.sh - a MIDI fader wing end to end over a private JACK server
# (dummy backend) with tests/tools/midi_peer as the wing, and the sACN output
# read back (tests/tools/midi_remote.py wing):
#  - ghostlight finds the wing by name and sets its LEDs and motor fader at once;
#  - a note GOes (also in running status), BACK, GOTO: the DMX on the wire
#    changes, and the LEDs follow the list;
#  - soft takeover: a fader far from the level does nothing until it reaches
#    it, and again after an OSC remote moved the level;
#  - a motor fader gets remote moves as CC, but not while the operator moves
#    it (only touch_hold after the hand left it), and never its own values;
#  - an attribute mapping, a show function (midi.map call = ...) that logs
#    and answers with midi.send, blackout with its LED;
#  - malformed MSC, a foreign sysex and a sysex cut short are dropped and
#    logged; the message that cut it still acts;
#  - the wing unplugged and plugged back in (each port): opened again,
#    every LED sent again.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"
PEER=$(dirname "$GL")/tests/midi_peer

if ! itest_in_netns; then
	itest_need_root "network namespace"
	itest_need_tools "jackd2, liblo-tools, python3, util-linux, iproute2" jackd jack_lsp \
		oscsend "$PY"
	[ -x "$PEER" ] || fail "no $PEER (it is built with the tests)"
	itest_enter_netns "$0" "$@"
fi

TMP=$(mktemp -d /tmp/gl-midi-wing.XXXXXX)
cleanup() {
	local rc=$?
	if [ "$rc" -ne 0 ] && [ -s "$TMP/gl.log" ]; then
		echo "--- ghostlight log (last 40 lines):"
		tail -n 40 "$TMP/gl.log"
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$GL" check "$SRC/shows/test/midi.lua" >"$TMP/check.txt" 2>&1 || { cat "$TMP/check.txt"; fail "ghostlight check rejects shows/test/midi.lua"; }
"$PY" "$SRC/tests/tools/midi_remote.py" wing "$GL" "$PEER" "$SRC/shows/test/midi.lua" "$TMP"
