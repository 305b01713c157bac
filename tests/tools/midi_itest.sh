# midi_itest.sh - what the MIDI integration scripts share, sourced by
# tests/integration/midi_*.sh after itest.sh: the tools they need (a JACK
# server, the test peer built with the tests), the private network
# namespace, a work folder (removed at the end; ghostlight's, jackd's and
# the peers' logs shown when the test fails), and the scenario itself, run
# by tests/tools/midi_remote.py on shows/test/midi.lua.
#
#   . "$(dirname "$0")/../tools/itest.sh"
#   . "$(dirname "$0")/../tools/midi_itest.sh"
#   midi_itest SCENARIO "$0" "$@"

midi_itest() {
	local scenario=$1 script=$2
	shift 2
	itest_init "$@"
	PEER=$(dirname "$GL")/tests/midi_peer
	if ! itest_in_netns; then
		itest_need_root "network namespace"
		itest_need_tools "jackd2, liblo-tools, python3, util-linux, iproute2" jackd jack_lsp \
			oscsend oscdump "$PY"
		[ -x "$PEER" ] || fail "no $PEER (it is built with the tests)"
		itest_enter_netns "$script" "$@"
	fi
	TMP=$(mktemp -d "/tmp/gl-midi-$scenario.XXXXXX")
	trap itest_cleanup EXIT
	trap 'exit 130' INT TERM
	"$GL" check "$SRC/shows/test/midi.lua" >"$TMP/check.txt" 2>&1 ||
		{ cat "$TMP/check.txt"; fail "ghostlight check rejects shows/test/midi.lua"; }
	"$PY" "$TOOLS/midi_remote.py" "$scenario" "$GL" "$PEER" "$SRC/shows/test/midi.lua" "$TMP"
}
