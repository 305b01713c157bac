# itest.sh - what every integration script starts with, sourced by
# tests/integration/*.sh: its arguments, fail/skip, the root check and the
# private network namespace it runs in (so tests never touch the host's
# network and cannot collide with each other).
#
#   . "$(dirname "$0")/../tools/itest.sh"
#   itest_init "$@"                      # GL, SRC, TOOLS, PY, GHOSTLIGHT_STATE_DIR
#   itest_netns "why root" "packages" tool...  # re-execs under unshare -n
#   # here: a fresh namespace with lo up
#   itest_workdir NAME                   # $TMP, logs shown on failure
#   itest_check SHOW                     # `ghostlight check SHOW` passes
#   itest_basic_variant SHOW OUTPUT...   # shows/test/basic.lua, other outputs
#
# Exit codes: 1 fail; 77 skip, only when CI is not "true" (in CI a missing
# tool or root is a failure: the test must run).

fail() { echo "FAIL: $*"; exit 1; }

skip_or_fail() {
	if [ "${CI:-}" = true ]; then fail "$* (CI=true: the test must run)"; fi
	echo "SKIP: $*"
	exit 77
}

itest_init() {
	if [ $# -lt 2 ]; then
		echo "usage: $0 GHOSTLIGHT SOURCE_DIR" >&2
		exit 2
	fi
	ITEST_ARGS=("$@")            # for the re-exec into the namespace
	GL=$(readlink -f "$1")
	SRC=$(readlink -f "$2")
	TOOLS=$SRC/tests/tools
	PY=/usr/bin/python3        # Debian's python3 (it has the ola module)
	[ -x "$GL" ] || fail "no ghostlight binary at $1"
	# A state folder of the test's own, next to the binary it tests and
	# emptied as it starts (kept by the re-exec into the namespace): no sACN
	# CID, node link key or resume journal carried over from another test,
	# another build or an earlier run - a show a test killed would otherwise
	# come back where it was in the next one.
	if ! itest_in_netns; then
		GHOSTLIGHT_STATE_DIR=$(dirname "$GL")/itest-state/$(basename "$0" .sh)
		rm -rf "$GHOSTLIGHT_STATE_DIR"
		mkdir -p -m 700 "$GHOSTLIGHT_STATE_DIR"
		export GHOSTLIGHT_STATE_DIR
	fi
}

itest_in_netns() {
	[ -n "${GL_TEST_NETNS:-}" ]
}

itest_need_root() {
	[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root ($*)"
}

# itest_need_tools "packages to install" tool...
itest_need_tools() {
	local packages=$1
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || skip_or_fail "$tool not installed (packages: $packages)"
	done
}

# itest_workdir NAME: a work folder in $TMP, removed when the script ends;
# when it fails, the last lines of the folder's *.log files are shown first.
itest_workdir() {
	TMP=$(mktemp -d "/tmp/gl-$1.XXXXXX")
	trap itest_cleanup EXIT
	trap 'exit 130' INT TERM
}

itest_cleanup() {
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		for f in "$TMP"/*.log; do
			[ -s "$f" ] || continue
			echo "--- $(basename "$f") (last 30 lines):"
			tail -n 30 "$f"
		done
	fi
	rm -rf "$TMP"
	exit "$rc"
}

itest_enter_netns() {
	local script=$1
	shift
	itest_need_tools "util-linux, iproute2" unshare ip
	GL_TEST_NETNS=1 exec unshare -n bash "$script" "$@"
}

# itest_netns WHY "packages to install" tool...: outside the namespace, the
# root check (WHY: what root is needed for), the tools, then the script
# again under unshare -n with the arguments itest_init had; inside, nothing.
itest_netns() {
	itest_in_netns && return 0
	itest_need_root "$1"
	shift
	itest_need_tools "$@"
	itest_enter_netns "$0" "${ITEST_ARGS[@]}"
}

# itest_check SHOW: `ghostlight check` accepts SHOW, or the test fails with
# what it said.
itest_check() {
	"$GL" check "$1" >"$TMP/check.txt" 2>&1 ||
		{ cat "$TMP/check.txt"; fail "ghostlight check rejects $1"; }
}

# itest_basic_variant SHOW OUTPUT...: SHOW is shows/test/basic.lua with its
# outputs replaced by the OUTPUT statements, and checked; DURATION is how
# long it plays.
itest_basic_variant() {
	local show=$1 args=() o
	shift
	for o in "$@"; do args+=(--output "$o"); done
	"$PY" "$TOOLS/show_variant.py" "$SRC/shows/test/basic.lua" "$show" "${args[@]}" ||
		fail "cannot rewrite the test show's outputs"
	itest_check "$show"
	DURATION=$("$PY" "$TOOLS/gltest.py" play-seconds "$GL" "$show") || fail "cannot render the show"
}


# Inside: the namespace must be fresh (only lo), then lo comes up.
if itest_in_netns; then
	[ "$(ip -o link show | wc -l)" -eq 1 ] ||
		fail "not in a fresh network namespace (GL_TEST_NETNS set by the caller?)"
	ip link set lo up
fi
