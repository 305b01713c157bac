# nodes.sh - what the wireless-node integration scripts share, sourced
# after itest.sh, inside their network namespace: a temporary folder, the
# processes they start (killed at the end; their logs, *.err and *.out in
# the folder, shown when the test fails), a private state directory, and
# the rig key made up front when the nodes must have it before the show.
#
#   . "$TOOLS/nodes.sh"
#   nodes_setup NAME       # TMP, PIDS (append background pids), GHOSTLIGHT_STATE_DIR
#   nodes_make_key         # $GHOSTLIGHT_STATE_DIR/nodelink.key, as the output makes it
#   nodes_tamper IN OUT OFFSET  # OUT = IN with the byte at OFFSET complemented
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
