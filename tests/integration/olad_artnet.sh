#!/usr/bin/env bash
# olad_artnet.sh - ghostlight's Art-Net output read back by a real receiver:
# OLA's olad with its Art-Net plugin.
#
#   bash olad_artnet.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_olad_artnet)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`):
# olad (as nobody; it refuses root) with only Art-Net enabled on 127.0.0.1
# (use_loopback), no output ports; it owns UDP 6454. ghostlight plays
# shows/test/basic.lua with its outputs replaced by Art-Net unicast to
# 127.0.0.1 with listen = false and the default port-addresses (universe - 1):
# ghostlight universe 1 -> port-address 0 -> OLA universe 16, universe 2 ->
# port-address 1 -> OLA universe 17 (an OLA universe U listens on Art-Net
# universe U % 16 with net 0, subnet 0). tests/tools/ola_readback.py reads
# the universes back in the middle of every plateau and requires them to
# equal `ghostlight render` there.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

. "$TOOLS/olad.sh"
olad_begin olad-artnet
# ---- inside the private network namespace --------------------------------

# ---- olad: only Art-Net, input only, on loopback -----------------------------
olad_start artnet "enabled = true
ip = 127.0.0.1
use_loopback = true
output_ports = 0
net = 0
subnet = 0" "ArtNet"
olad_patch_inputs 16 17
echo "olad (pid $OLAD_PID, as nobody) ready: Art-Net device $DEV, input ports 0,1 -> OLA universes 16,17 (Art-Net 0:0:0, 0:0:1):"
ola_dev_info | sed 's/^/  /'

# ---- the show: basic.lua, Art-Net unicast to olad (universes 1,2 =
# port-addresses 0,1) ---------------------------------------------------------
olad_readback Art-Net 'output { "olad", type = "artnet", universes = {1, 2}, nodes = "127.0.0.1", listen = false }' \
	1:16,2:17 0.5
echo "PASS: olad_artnet"
