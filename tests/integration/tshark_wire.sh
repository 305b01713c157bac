#!/usr/bin/env bash
# tshark_wire.sh - ghostlight's sACN and Art-Net on the wire, checked by
# Wireshark's dissectors and against `ghostlight render`.
#
#   bash tshark_wire.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_tshark_wire)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`).
# dumpcap captures loopback (udp 5568, 6454) while ghostlight plays
# shows/test/basic.lua, its outputs set to sACN unicast 127.0.0.1 (priority
# 100, a known source name, discovery on) and Art-Net unicast 127.0.0.1
# (listen = false, default port-addresses = universe - 1), universes 1 and 2.
# tests/tools/wire_check.py then checks, with tshark: no malformed packet;
# sACN: universes, constant CID, priority, source name, sequence +1 mod 256
# per universe, start code 0 + 512 slots, the header bytes of E1.31-2018, the
# last 3 packets per universe (and only those) stream-terminated; Art-Net:
# OpCode 0x5000, ProtVer 14, length 512, sequence 1..255 per universe,
# port-address = universe - 1; values: every data packet within render at
# t -/+ 30 ms (t = 0 the first packet), plateau middles exactly equal.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"
SOURCE_NAME="ghostlight wire test"

[ -f "$SRC/shows/test/basic.lua" ] || fail "no test show at $SRC/shows/test/basic.lua"
itest_netns "network namespace, packet capture" "tshark, python3, util-linux, iproute2" \
	dumpcap tshark capinfos "$PY"

# ---- inside the private network namespace --------------------------------

TMP=$(mktemp -d /tmp/gl-tshark-wire.XXXXXX)
DUMPCAP_PID=
cleanup() {
	local rc=$?
	set +e
	if [ -n "$DUMPCAP_PID" ]; then
		kill -INT "$DUMPCAP_PID" 2>/dev/null && wait "$DUMPCAP_PID" 2>/dev/null
	fi
	if [ "$rc" -ne 0 ]; then
		[ -s "$TMP/gl.log" ] && { echo "--- ghostlight stderr (last 30 lines):"; tail -n 30 "$TMP/gl.log"; }
		[ -s "$TMP/dumpcap.log" ] && { echo "--- dumpcap:"; cat "$TMP/dumpcap.log"; }
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the show: basic.lua, outputs pinned to what the checks expect ------------
SHOW=$TMP/wire.lua
itest_basic_variant "$SHOW" \
	"output { \"wire-sacn\", type = \"sacn\", universes = {1, 2}, unicast = \"127.0.0.1\", priority = 100, source_name = \"$SOURCE_NAME\" }" \
	'output { "wire-artnet", type = "artnet", universes = {1, 2}, nodes = "127.0.0.1", listen = false }'

# ---- capture: start dumpcap and wait until it really captures ------------------
# "Capturing on" is printed before the first packets are taken, so probe:
# datagrams to the discard port (in the filter, ignored by the checks) until
# one shows up in the file (bounded: 10 s).
CAP=$TMP/cap.pcapng
dumpcap -n -q -i lo -B 64 -f 'udp port 5568 or udp port 6454 or udp port 9' -w "$CAP" \
	>"$TMP/dumpcap.log" 2>&1 &
DUMPCAP_PID=$!
ready=
for _ in $(seq 100); do
	kill -0 "$DUMPCAP_PID" 2>/dev/null || fail "dumpcap exited at start"
	printf probe >/dev/udp/127.0.0.1/9 2>/dev/null || true
	n=$(capinfos -c -M "$CAP" 2>/dev/null | awk '/Number of packets/ { print $NF }' || true)
	if [ "${n:-0}" -gt 0 ]; then ready=1; break; fi
	sleep 0.1
done
[ -n "$ready" ] || fail "dumpcap did not capture a probe packet within 10 s"
echo "dumpcap (pid $DUMPCAP_PID) capturing lo; playing basic.lua with sACN + Art-Net to 127.0.0.1 for $DURATION s"

rc=0
timeout -k 5 $((${DURATION%.*} + 20)) \
	"$GL" play "$SHOW" --duration "$DURATION" --no-status >"$TMP/gl.log" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "ghostlight play exited with $rc"
sleep 0.5                      # let the terminated packets reach the capture
kill -INT "$DUMPCAP_PID"
wait "$DUMPCAP_PID" || fail "dumpcap failed"
DUMPCAP_PID=
stats=$(grep -m 1 "Packets received/dropped" "$TMP/dumpcap.log" || true)
echo "dumpcap: ${stats:-no statistics line}"
case "$stats" in
*"/0 ("*) ;;
*) fail "dumpcap dropped packets or printed no statistics: the capture cannot be trusted" ;;
esac

"$PY" "$TOOLS/wire_check.py" --pcap "$CAP" --ghostlight "$GL" --show "$SHOW" \
	--universes 1,2 --priority 100 --source-name "$SOURCE_NAME" --window-ms 30 \
	--log "$TMP/gl.log" --rate 44 \
	|| fail "the capture does not match the specification or render (see above)"
echo "rates seen on the wire (tests/tools/capture_stats.py):"
"$PY" "$TOOLS/capture_stats.py" "$CAP" | sed 's/^/  /'
echo "PASS: tshark_wire"
