#!/usr/bin/env bash
# peers.sh - ghostlight side by side with QLC+ and OLA, on this machine, in
# one run: CPU, memory, frames/s and inter-frame gaps for N universes of
# fully changing DMX, plus the engine micro-benchmark.
#
#   bench/peers.sh [--quick] [--runs 3] [--csv FILE] [--ghostlight PATH] [...]
#
# As root on Debian 12. Installs what is missing (Debian's qlcplus, ola,
# ola-python, tshark, ...), builds ghostlight (tools/setup.sh: release build
# in build/) unless --ghostlight PATH is given, then runs bench/peers.py,
# which prints a Markdown table and writes a CSV (its path is printed).
# --quick: N = 1 and 64, 3 s windows (about 5 minutes); the full run (N =
# 1, 16, 64, 256, and 1024 for ghostlight, 10 s windows, 3 runs) takes most
# of an hour on 2 cores, mostly QLC+ loading its 256-universe workspace
# (over 5 minutes each time). `bench/peers.py --help` lists every option
# (--universes, --peers, --runs, --seconds...). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "peers.sh: needs root (apt, network namespaces, packet capture)" >&2; exit 1; }

gl=
for ((i = 1; i <= $#; i++)); do
	if [ "${!i}" = --ghostlight ]; then j=$((i + 1)); gl=${!j:-}; fi
	if [ "${!i}" = -h ] || [ "${!i}" = --help ]; then
		sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
		exec /usr/bin/python3 bench/peers.py --help
	fi
done

# The build and the test peers (tools/setup.sh installs the build packages,
# tshark and ola, and builds build/ghostlight and build/bench_engine).
if [ -z "$gl" ]; then
	tools/setup.sh
fi
packages=(qlcplus ola ola-python tshark iproute2 util-linux procps python3)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

exec /usr/bin/python3 bench/peers.py "$@"
