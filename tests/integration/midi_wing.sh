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
. "$(dirname "$0")/../tools/midi_itest.sh"
midi_itest wing "$@"
