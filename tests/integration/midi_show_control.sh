#!/usr/bin/env bash
# midi_show_control.sh - MIDI Show Control, MIDI time code and MIDI cues end
# to end over a private JACK server (dummy backend): tests/tools/midi_peer
# as a desk connected to ghostlight's virtual port and as the device that
# gets what ghostlight sends; the sACN output read back
# (tests/tools/midi_remote.py control):
#  - MTC out: a full frame, then quarter frames at 25 fps, decoded here;
#  - MSC GO (the next cues of every list, a cue in a list, all-call, our
#    group), another device's GO ignored; STOP pauses and RESUME goes on
#    (list state seen over OSC); LOAD + GO; TIMED_GO; SET grand master;
#    FIRE a mapped macro; ALL_OFF / RESTORE; RESET; malformed MSC dropped;
#  - a cue's MIDI actions (note, cc, program change, sysex, MSC) arrive
#    byte for byte;
#  - the MTC chase locks at 25, freewheels and stops when the code stops,
#    is located by a full frame, locks at 29.97 drop frame.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"
PEER=$(dirname "$GL")/tests/midi_peer

if ! itest_in_netns; then
	itest_need_root "network namespace"
	itest_need_tools "jackd2, liblo-tools, python3, util-linux, iproute2" jackd jack_lsp \
		oscsend oscdump "$PY"
	[ -x "$PEER" ] || fail "no $PEER (it is built with the tests)"
	itest_enter_netns "$0" "$@"
fi

TMP=$(mktemp -d /tmp/gl-midi-msc.XXXXXX)
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

"$PY" "$SRC/tests/tools/midi_remote.py" control "$GL" "$PEER" "$SRC/shows/test/midi.lua" "$TMP"
