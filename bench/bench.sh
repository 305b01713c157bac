# bench.sh - what the bench/*.sh scripts share, sourced by them (not run on
# its own; one shell, no threads): where the tree is, the Python to use,
# the fixture library of this tree, the private network namespace they
# play in as root, a work folder removed at the end, and the line saying
# what ran on what machine.
#
#   . "$(dirname "$0")/bench.sh"     # SRC, PY, BENCH (the script, for messages)
#   bench_need TOOL...               # each on PATH, or exit 1 saying which
#   bench_netns WHY ARGS...          # outside: root needed (WHY), the script
#                                    # again under unshare -n with ARGS;
#                                    # inside: lo up
#   bench_workdir NAME               # TMP, removed when the script ends
#   bench_begin NAME "$@"            # GL from $1 (else build/ghostlight), the
#                                    # namespace, bench_workdir NAME
#   bench_banner [MORE]              # "ghostlight: GL (N CPUs, kernel)[, MORE]"

SRC=$(cd "$(dirname "$0")/.." && pwd)
BENCH=bench/$(basename "$0")
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
export GHOSTLIGHT_FIXTURES=$SRC/fixtures/library

bench_need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 ||
			{ echo "$BENCH: $tool not installed (tools/setup.sh installs it)" >&2; exit 1; }
	done
}

bench_netns() {
	local why=$1
	shift
	if [ -z "${GL_BENCH_NETNS:-}" ]; then
		[ "$(id -u)" -eq 0 ] || { echo "$BENCH: needs root ($why)" >&2; exit 1; }
		bench_need unshare ip
		GL_BENCH_NETNS=1 exec unshare -n bash "$0" "$@"
	fi
	ip link set lo up
}

bench_workdir() {
	TMP=$(mktemp -d "/tmp/gl-$1.XXXXXX")
	trap 'rm -rf "$TMP"' EXIT
	trap 'exit 130' INT TERM
}

bench_begin() {
	local name=$1
	shift
	GL=$(readlink -f "${1:-$SRC/build/ghostlight}")
	bench_netns "network namespace" "$@"
	bench_workdir "$name"
}

bench_banner() {
	echo "ghostlight: $GL ($(nproc) CPUs, $(uname -r))${1:+, $1}"
}
