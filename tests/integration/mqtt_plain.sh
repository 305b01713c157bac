#!/usr/bin/env bash
# mqtt_plain.sh - MQTT against a real mosquitto broker on loopback, no
# credentials (tests/tools/mqtt_remote.py plain):
#  - a retained cmd/go left on the broker before ghostlight connects is
#    dropped and counted, never fired;
#  - a fresh mosquitto_sub gets retained status "online" and the state
#    topics (lists as JSON, faders, grand master, blackout) at once;
#  - the Home Assistant discovery configs follow HA's documented rules
#    (topic form, required keys per component, unique_id, device,
#    availability on status), and pressing what they advertise works;
#  - mosquitto_pub commands change the DMX on the wire (sACN read back):
#    goto, go on a list by its topic level, fader, grand master, blackout,
#    JSON go, panic; cue events arrive at GO; retained state follows;
#  - kill -9 of ghostlight: the broker publishes its last will, "offline",
#    retained;
#  - an output that fails (sACN to an address with no route) is published
#    as an output_failing event.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail
. "$(dirname "$0")/../tools/itest.sh"
. "$(dirname "$0")/../tools/mqtt_itest.sh"
mqtt_itest plain "$@"
