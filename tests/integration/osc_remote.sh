#!/usr/bin/env bash
# osc_remote.sh - OSC remote control end to end, with liblo's own oscsend and
# oscdump as the remotes and the sACN output read back.
#
#   bash osc_remote.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_osc_remote)
#
# Runs in its own network namespace (re-execs itself under `unshare -n`), so
# port 7700 and sACN on 127.0.0.1:5568 are private; 10.9.9.1 is added to lo
# as a source outside the show's allow-list. Plays shows/test/osc.lua and
# runs tests/tools/osc_remote.py: GO over UDP, TCP length-prefixed and TCP
# SLIP changes slot 1 on the wire; two subscribed oscdumps and a configured
# remote get active/standby cue labels; each remote sees the other's fader
# moves; wildcards, a timetagged bundle, ping/pong, a cue's OSC action,
# on_osc + osc.send; bad input (malformed, huge bundles, wrong types, out of
# range, unknown addresses, not allowed) is dropped with counted, logged
# reasons and leaves the output unchanged.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 GHOSTLIGHT SOURCE_DIR" >&2
	exit 2
fi
GL=$(readlink -f "$1")
SRC=$(readlink -f "$2")
PY=/usr/bin/python3

fail() { echo "FAIL: $*"; exit 1; }
skip_or_fail() {
	if [ "${CI:-}" = true ]; then fail "$* (CI=true: the test must run)"; fi
	echo "SKIP: $*"
	exit 77
}

if [ -z "${GL_TEST_NETNS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root (network namespace)"
	for tool in unshare ip oscsend oscdump "$PY"; do
		command -v "$tool" >/dev/null 2>&1 || skip_or_fail "$tool not installed (packages: liblo-tools, python3, util-linux, iproute2)"
	done
	[ -x "$GL" ] || fail "no ghostlight binary at $1"
	GL_TEST_NETNS=1 exec unshare -n bash "$0" "$@"
fi

# ---- inside the private network namespace --------------------------------
[ "$(ip -o link show | wc -l)" -eq 1 ] || fail "not in a fresh network namespace (GL_TEST_NETNS set by the caller?)"
ip link set lo up
ip addr add 10.9.9.1/32 dev lo

TMP=$(mktemp -d /tmp/gl-osc-remote.XXXXXX)
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

export GHOSTLIGHT_FIXTURES=$SRC/fixtures
"$GL" check "$SRC/shows/test/osc.lua" >"$TMP/check.txt" 2>&1 || { cat "$TMP/check.txt"; fail "ghostlight check rejects shows/test/osc.lua"; }
"$PY" "$SRC/tests/tools/osc_remote.py" test "$GL" "$SRC/shows/test/osc.lua" "$TMP"
