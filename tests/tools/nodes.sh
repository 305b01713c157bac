# nodes.sh - what the wireless-node integration scripts share, sourced
# after itest.sh and itest_init: what they need (the node simulator, or
# QEMU and a firmware image), their network namespace, a temporary folder,
# the processes they start (killed at the end; their logs, *.err and *.out
# in the folder, shown when the test fails), a private state directory,
# the rig key made up front when the nodes must have it before the show,
# and `node list` polled until it shows what the test waits for.
#
#   . "$TOOLS/nodes.sh"
#   nodes_itest NAME [IMAGE]  # SIM, IMAGES; SIM (or IMAGES/IMAGE and QEMU)
#                          # needed, the namespace entered, nodes_setup NAME
#   nodes_setup NAME       # TMP, PIDS (append background pids), GHOSTLIGHT_STATE_DIR
#   nodes_make_key         # $GHOSTLIGHT_STATE_DIR/nodelink.key, as the output makes it
#   nodes_tamper IN OUT OFFSET  # OUT = IN with the byte at OFFSET complemented
#   nodes_list_until PATTERN COUNT SECONDS  # TMP/list.txt: `node list`
#   nodes_qemu_air SHOW SECONDS PORT  # the show, its air bridged to QEMU: QEMU_NIC
#   "${NODES_QEMU[@]}" ARGS...  # qemu-system-arm as the node's board
#
# KEEP=1 keeps the folder for a look afterwards.

nodes_cleanup() {
	local rc=$?
	set +e
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ "$rc" -ne 0 ]; then
		for f in "$TMP"/*.err "$TMP"/*.out; do
			[ -s "$f" ] && { echo "--- $f (last 10 lines):"; tail -n 10 "$f"; }
		done
	fi
	if [ -n "${KEEP:-}" ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
	exit "$rc"
}

# nodes_itest NAME [IMAGE]: the start of a node test. Without IMAGE it
# needs the simulator (SIM); with one, IMAGES/IMAGE (built with
# gcc-arm-none-eabi) and QEMU. Then the namespace, and nodes_setup NAME.
nodes_itest() {
	SIM=$(dirname "$GL")/gl-node-sim
	IMAGES=$(dirname "$GL")/firmware-images
	if [ $# -eq 1 ]; then
		[ -x "$SIM" ] || skip_or_fail "$SIM not built"
		itest_netns "network namespace" "python3, util-linux, iproute2" "$PY"
	else
		[ -f "$IMAGES/$2" ] || skip_or_fail "$IMAGES/$2 not built (gcc-arm-none-eabi missing?)"
		itest_netns "network namespace" "qemu-system-arm, python3, util-linux, iproute2" \
			qemu-system-arm "$PY"
	fi
	nodes_setup "$1"
}

nodes_setup() {
	TMP=$(mktemp -d "/tmp/gl-$1.XXXXXX")
	PIDS=()
	export GHOSTLIGHT_STATE_DIR=$TMP/state
	mkdir -m 700 "$GHOSTLIGHT_STATE_DIR"
	trap nodes_cleanup EXIT
	trap 'exit 130' INT TERM
}

nodes_make_key() {
	"$PY" -c 'import secrets; print(secrets.token_hex(32))' >"$GHOSTLIGHT_STATE_DIR/nodelink.key"
	chmod 600 "$GHOSTLIGHT_STATE_DIR/nodelink.key"
}

# A signed image altered after signing. The byte is complemented rather than
# overwritten with a constant, which left a random body intact one time in 256.
nodes_tamper() {
	local byte
	cp "$1" "$2"
	byte=$(od -An -tu1 -j"$3" -N1 "$1" | tr -d ' ')
	[ -n "$byte" ] || fail "nodes_tamper: $1 is shorter than $3 bytes"
	printf "\\$(printf '%03o' $((255 - byte)))" | dd of="$2" bs=1 seek="$3" conv=notrunc status=none
	cmp -s "$1" "$2" && fail "nodes_tamper: $2 is still the signed image"
	return 0
}

# nodes_list_until PATTERN COUNT SECONDS: `node list` (in TMP/list.txt)
# polled every 0.1 s until COUNT or more of its lines match PATTERN (grep
# -E); after SECONDS the last list is shown and it returns 1.
nodes_list_until() {
	for _ in $(seq $(( $3 * 10 ))); do
		"$GL" node list >"$TMP/list.txt" 2>&1 || true
		[ "$(grep -cE "$1" "$TMP/list.txt" || true)" -ge "$2" ] && return 0
		sleep 0.1
	done
	cat "$TMP/list.txt"
	return 1
}

# The emulated node's board: an MPS2 AN385 (Cortex-M3) without display or
# monitor, semihosting on (the images exit through it), UART0 on stdout; a
# second -serial in the arguments is UART1, the DMX line.
NODES_QEMU=(qemu-system-arm -M mps2-an385 -nographic -monitor none
	-semihosting-config enable=on,target=native -serial stdio)

# nodes_qemu_air SHOW SECONDS PORT: the show plays for SECONDS and
# nodes_bridge.py carries its universe 3 air to QEMU's LAN9118 (QEMU_NIC:
# a socket NIC sending to PORT, receiving on PORT + 1) and the node's
# reports back; BRIDGE is the bridge's pid.
nodes_qemu_air() {
	local from=$3 to=$(( $3 + 1 ))
	"$GL" play "$1" --duration "$2" --no-status 2>"$TMP/play.err" &
	PIDS+=($!)
	"$PY" "$TOOLS/nodes_bridge.py" --universe 3 --to-qemu "$to" --from-qemu "$from" >"$TMP/bridge.out" 2>&1 &
	BRIDGE=$!
	PIDS+=($!)
	QEMU_NIC=(-nic "socket,model=lan9118,udp=127.0.0.1:$from,localaddr=127.0.0.1:$to")
}
