#!/usr/bin/env bash
# olad_sacn.sh - ghostlight's sACN output read back by a real receiver: OLA's
# olad with its E1.31 plugin.
#
#   bash olad_sacn.sh GHOSTLIGHT SOURCE_DIR     (CTest: integration_olad_sacn)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`):
# olad (as nobody; it refuses root) with only E1.31 enabled on 127.0.0.2, a
# harmless bridge device pb0 (its E1.31 plugin skips loopback interfaces),
# 4 input ports, two patched to OLA universes 1 and 2. ghostlight plays
# shows/test/basic.lua with its outputs replaced by sACN unicast to
# 127.0.0.2; tests/tools/ola_readback.py reads the universes back from olad
# in the middle of every plateau and requires them to equal `ghostlight
# render` there; at the end olad must log the stream termination of both
# universes (ghostlight's 3 terminated packets).
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

. "$TOOLS/olad.sh"
olad_begin olad-sacn
# ---- inside the private network namespace --------------------------------
ip link add pb0 type bridge
ip link set pb0 multicast off
ip addr add 127.0.0.2/32 dev pb0
ip link set pb0 up

# ---- olad: only E1.31, input only, on 127.0.0.2 ----------------------------
olad_start e131 "enabled = true
ip = 127.0.0.2
input_ports = 4
output_ports = 0
draft_discovery = false" "E1.31"
olad_patch_inputs 1 2
echo "olad (pid $OLAD_PID, as nobody) ready: E1.31 device $DEV, input ports 0,1 -> OLA universes 1,2:"
ola_dev_info | sed 's/^/  /'

# ---- the show: basic.lua, sACN unicast to olad ---------------------------------
olad_readback E1.31 'output { "olad", type = "sacn", universes = {1, 2}, unicast = "127.0.0.2", priority = 100 }' \
	1:1,2:2 2
# olad logs each stream termination it honours (libs/acn/DMPE131Inflator.cpp)
for u in 1 2; do
	line=$(grep -m 1 "sent a termination for universe $u\$" "$TMP/olad.log") \
		|| fail "olad did not log a stream termination for universe $u after ghostlight ended"
	echo "olad noticed the end of universe $u: ${line##*: }"
done
echo "PASS: olad_sacn"
