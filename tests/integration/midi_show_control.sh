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
. "$(dirname "$0")/../tools/midi_itest.sh"
midi_itest control "$@"
