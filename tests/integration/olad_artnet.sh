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

if ! itest_in_netns; then
	itest_need_root "network namespace; olad is then run as nobody"
	itest_need_tools "ola, ola-python, util-linux, iproute2" setpriv olad ola_dev_info ola_patch "$PY"
	"$PY" -c 'import ola.OlaClient' 2>/dev/null || skip_or_fail "$PY cannot import ola (package ola-python)"
	[ -f "$SRC/shows/test/basic.lua" ] || fail "no test show at $SRC/shows/test/basic.lua"
	itest_enter_netns "$0" "$@"
fi

# ---- inside the private network namespace --------------------------------

TMP=$(mktemp -d /tmp/gl-olad-artnet.XXXXXX)
chmod 755 "$TMP"
OLAD_PID=
cleanup() {
	local rc=$?
	set +e
	if [ -s "$TMP/gl.pid" ]; then
		local pid
		pid=$(cat "$TMP/gl.pid")
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = ghostlight ] && kill "$pid" 2>/dev/null
	fi
	if [ -n "$OLAD_PID" ]; then
		kill "$OLAD_PID" 2>/dev/null && wait "$OLAD_PID" 2>/dev/null
	fi
	if [ "$rc" -ne 0 ]; then
		[ -s "$TMP/gl.log" ] && { echo "--- ghostlight stderr:"; tail -n 30 "$TMP/gl.log"; }
		[ -s "$TMP/olad.log" ] && { echo "--- olad log (last 30 lines):"; tail -n 30 "$TMP/olad.log"; }
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- olad: only Art-Net, input only, on loopback -----------------------------
mkdir "$TMP/conf" "$TMP/home"
for p in artnet dmx4linux dummy e131 espnet ftdidmx gpio karate kinet milinst opendmx \
	openpixelcontrol osc pathport renard sandnet shownet spi stageprofi uartdmx usbdmx usbserial; do
	echo "enabled = false" >"$TMP/conf/ola-$p.conf"
done
cat >"$TMP/conf/ola-artnet.conf" <<EOF
enabled = true
ip = 127.0.0.1
use_loopback = true
output_ports = 0
net = 0
subnet = 0
EOF
chown -R nobody:nogroup "$TMP/conf" "$TMP/home"
HOME=$TMP/home setpriv --reuid=nobody --regid=nogroup --clear-groups \
	olad -c "$TMP/conf" --no-http --no-register-with-dns-sd -l 3 >"$TMP/olad.log" 2>&1 &
OLAD_PID=$!

DEV=
for _ in $(seq 100); do       # up to ~10 s
	kill -0 "$OLAD_PID" 2>/dev/null || fail "olad exited at start"
	DEV=$(ola_dev_info 2>/dev/null | sed -n 's/^Device \([0-9]*\): ArtNet.*/\1/p' | head -n 1)
	[ -n "$DEV" ] && break
	sleep 0.1
done
[ -n "$DEV" ] || fail "olad did not list an Art-Net device within 10 s"
ola_patch --device "$DEV" --port 0 --input --universe 16 || fail "ola_patch port 0 -> universe 16"
ola_patch --device "$DEV" --port 1 --input --universe 17 || fail "ola_patch port 1 -> universe 17"
echo "olad (pid $OLAD_PID, as nobody) ready: Art-Net device $DEV, input ports 0,1 -> OLA universes 16,17 (Art-Net 0:0:0, 0:0:1):"
ola_dev_info | sed 's/^/  /'

# ---- the show: basic.lua, Art-Net unicast to olad ------------------------------
SHOW=$TMP/olad_artnet.lua
"$PY" "$TOOLS/show_variant.py" "$SRC/shows/test/basic.lua" "$SHOW" \
	--output 'output { "olad", type = "artnet", universes = {1, 2}, nodes = "127.0.0.1", listen = false }' \
	|| fail "cannot rewrite the test show's outputs"
export GHOSTLIGHT_FIXTURES=$SRC/fixtures
"$GL" check "$SHOW" >"$TMP/check.txt" 2>&1 || { cat "$TMP/check.txt"; fail "ghostlight check rejects the show variant"; }
DURATION=$("$PY" "$TOOLS/gltest.py" play-seconds "$GL" "$SHOW") || fail "cannot render the show"
echo "playing $SHOW (basic.lua, output: Art-Net unicast 127.0.0.1, universes 1,2 = port-addresses 0,1) for $DURATION s"

"$PY" "$TOOLS/ola_readback.py" --ghostlight "$GL" --show "$SHOW" --map 1:16,2:17 \
	--duration "$DURATION" --log "$TMP/gl.log" --pidfile "$TMP/gl.pid" --watch-end 0.5 \
	|| fail "olad's Art-Net input does not hold what ghostlight render computes (see above)"

kill -0 "$OLAD_PID" 2>/dev/null || fail "olad died during the test"
echo "PASS: olad_artnet"
