# midi_itest.sh - what the MIDI integration scripts share, sourced by
# tests/integration/midi_*.sh after itest.sh: the tools they need (a JACK
# server, the test peer built with the tests), the private network
# namespace, a work folder (removed at the end; ghostlight's, jackd's and
# the peers' logs shown when the test fails), and the scenario itself, run
# by tests/tools/midi_remote.py on shows/test/midi.lua.
#
#   . "$(dirname "$0")/../tools/itest.sh"
#   . "$(dirname "$0")/../tools/midi_itest.sh"
#   midi_itest SCENARIO "$@"

midi_itest() {
	local scenario=$1
	shift
	itest_init "$@"
	PEER=$(dirname "$GL")/tests/midi_peer
	[ -x "$PEER" ] || fail "no $PEER (it is built with the tests)"
	itest_netns "network namespace" "jackd2, liblo-tools, python3, util-linux, iproute2" jackd jack_lsp \
		oscsend oscdump "$PY"
	itest_workdir "midi-$scenario"
	itest_check "$SRC/shows/test/midi.lua"
	"$PY" "$TOOLS/midi_remote.py" "$scenario" "$GL" "$PEER" "$SRC/shows/test/midi.lua" "$TMP"
}
