#!/usr/bin/env bash
# tools/fuzz.sh [SECONDS] [TARGET...] - build the libFuzzer targets with
# clang (build-fuzz/) and run each (every tests/fuzz/fuzz_*.c, or the ones
# named) for SECONDS (default 20) on a copy of its seed corpus (and
# the folders tests/fuzz/seeds.txt names for it). Exits
# non-zero when a target finds a crash; the reproducer is left in
# build-fuzz/. Needs clang and libclang-rt-14-dev (tools/setup.sh).
#
# CI runs every target for 15 s; a longer hunt on one parser, e.g. an
# hour on the show loader: tools/fuzz.sh 3600 fuzz_show
# (new inputs that found new paths stay in build-fuzz/corpus-TARGET; copy
# the interesting ones into tests/fuzz/corpus/TARGET/ to keep them.)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGL_FUZZ=ON >/dev/null
if [ "$#" -gt 0 ]; then
	targets="$*"
else
	targets=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
fi
cmake --build build-fuzz -j"$(nproc)" --target $targets
for t in $targets; do
	work=build-fuzz/corpus-$t
	rm -rf "$work"
	mkdir -p "$work"
	cp tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
	# and the tree's own files tests/fuzz/seeds.txt names for it
	for folder in $(sed -n "s/^$t //p" tests/fuzz/seeds.txt); do
		find "$folder" -maxdepth 1 -type f -exec cp --backup=numbered -t "$work" {} +
	done
	echo "== $t: ${seconds}s"
	# libFuzzer exits non-zero on a finding; the artifact check below
	# names it
	# -timeout: an input that runs 10 s is a finding (the show loader
	# stops a load after 1 s in its fuzz target)
	(cd build-fuzz && ./tests/"$t" -max_total_time="$seconds" -timeout=10 \
		-print_final_stats=1 "corpus-$t" >"log-$t.txt" 2>&1) || true
	grep -E "^(stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY)" \
		build-fuzz/log-"$t".txt || true
	if ! grep -q "^stat::number_of_executed_units" build-fuzz/log-"$t".txt; then
		echo "tools/fuzz.sh: $t did not run to the end:" >&2
		tail -30 build-fuzz/log-"$t".txt >&2
		exit 1
	fi
	# UBSan is fatal in this build (-fno-sanitize-recover); a report that
	# still got through is a finding all the same
	if grep -q "runtime error:" build-fuzz/log-"$t".txt; then
		echo "tools/fuzz.sh: $t: undefined behaviour:" >&2
		grep -m5 "runtime error:" build-fuzz/log-"$t".txt >&2
		exit 1
	fi
	# libFuzzer writes crash-*/leak-*/timeout-* files on a finding
	if ls build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* >/dev/null 2>&1; then
		echo "tools/fuzz.sh: $t found a failing input:" >&2
		ls build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* >&2
		exit 1
	fi
done
echo "fuzz: $(echo $targets | wc -w) targets, ${seconds}s each, no findings"
