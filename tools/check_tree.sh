#!/usr/bin/env bash
# tools/check_tree.sh SOURCE_DIR BUILD_DIR - what the compiler cannot check
# about the tree's layout (run by CTest as tree_layout):
#  - no #include reaches across folders with "../": a part's headers are
#    included from the tree's root through the public headers its target
#    stages (cmake/GhostlightParts.cmake), so a private header of another
#    part cannot be reached at all;
#  - every external symbol of a part's library carries one of that part's
#    prefixes, so internal names never collide or pass for public API.
set -euo pipefail
src=${1:?SOURCE_DIR}
build=${2:?BUILD_DIR}
fail=0

if hits=$(cd "$src" && git ls-files '*.c' '*.h' 2>/dev/null | xargs grep -n '#include "\.\./' ||
	true) && [ -n "$hits" ]; then
	echo "includes that climb out of their folder (use the path from the tree's root):"
	echo "$hits"
	fail=1
fi

# library: allowed prefixes of its external symbols
declare -A prefixes=(
	[gl_engine]="gl_ cuelist_ engine_"
	[gl_fixtures]="fdef_ import_"
	[gl_options]="gl_"
	[gl_dmx]="gl_ sacn_ artnet_ dmxusb_ pro_ opendmx_ nodelink_"
	[gl_control]="gl_ osc_ mqtt_ midi_"
	[gl_rtsp]="gl_ rtsp_"
	[gl_capture]="gl_ capture_"
	[gl_nodelink_wire]="nodelink_"
	[gl_node_core]="node_"
	[gl_fw]="fw_"
	[gl_sim_flash]="sim_"
	[gl_audio]="gl_audio_ audio_"
	[gl_scripts]="gl_ show_ sandbox_ look_ fixture_"
	[gl_console]="gl_console_ con_ ui_ stage_ edits_ faders_ playback_ buttons_ program_ script_ views_"
	[gl_journal]="gl_ journal_"
)
for lib in "${!prefixes[@]}"; do
	file=$(find "$build" -name "lib$lib.a" -print -quit)
	if [ -z "$file" ]; then
		echo "no lib$lib.a under $build"
		fail=1
		continue
	fi
	pattern="^($(echo "${prefixes[$lib]}" | sed 's/ /|/g'))"
	bad=$(nm -g --defined-only "$file" | awk 'NF == 3 && $2 ~ /[TDBRV]/ {print $3}' |
		grep -v '^__odr_asan' | grep -Ev "$pattern" || true)
	if [ -n "$bad" ]; then
		echo "$lib: external symbols without a prefix of the part (${prefixes[$lib]}):"
		echo "$bad" | sed 's/^/  /'
		fail=1
	fi
done
[ "$fail" = 0 ] && echo "tree: includes and symbols in order"
exit "$fail"
