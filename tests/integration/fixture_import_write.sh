#!/usr/bin/env bash
# fixture_import_write.sh - how `ghostlight fixture import` writes: files
# get 0666 less the umask (not mkstemp's 0600) and a replaced file keeps its
# mode; a file that differs (edited by hand) is replaced only with --force;
# all or nothing on a disk that fills up after the first file (a 64 KiB
# tmpfs with one page left) and on a read-only one, with errno in the
# message and no temp file left; Ctrl-C in the middle of writing (held
# there by strace's syscall delay) leaves nothing behind.
#
#   bash fixture_import_write.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_fixture_import_write)
#
# Runs in its own mount namespace (re-execs itself under `unshare -m`), so
# the tmpfs it mounts is private and disappears with it.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

if [ -z "${GL_TEST_MNTNS:-}" ]; then
	itest_need_root "mount namespace, tmpfs"
	itest_need_tools "util-linux, strace" unshare mount strace
	GL_TEST_MNTNS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

TMP=$(mktemp -d /tmp/gl-fixture-write.XXXXXX)
trap 'umount "$TMP/disk" 2>/dev/null || true; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
A=$SRC/tests/fuzz/corpus/fuzz_qxf/mover.qxf      # -> acme-mover-1.lua
B=$SRC/tests/fuzz/corpus/fuzz_ofl/spot.json      # -> fuzz-ofl-spot-1.lua

mode_of() { stat -c %a "$1"; }
only() {    # only DIR FILE...: the folder holds exactly these (hidden ones too)
	local dir=$1
	shift
	local have want
	have=$(cd "$dir" && ls -A | sort | tr '\n' ' ')
	want=
	[ $# -eq 0 ] || want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$have" = "$want" ] || fail "$dir holds '$have', not '$want'"
}

# ---- modes and hand-edited files -------------------------------------------
out=$TMP/lib
mkdir "$out"
(umask 027 && "$GL" fixture import "$A" --out "$out" >/dev/null) || fail "import failed"
[ "$(mode_of "$out/acme-mover-1.lua")" = 640 ] ||
	fail "umask 027 gave mode $(mode_of "$out/acme-mover-1.lua"), not 640"
(umask 022 && "$GL" fixture import "$B" --out "$out" >/dev/null) || fail "import failed"
[ "$(mode_of "$out/fuzz-ofl-spot-1.lua")" = 644 ] || fail "umask 022 did not give 644"
"$GL" fixture import "$A" "$B" --out "$out" >"$TMP/same.log" 2>&1 || fail "re-import of the same text failed"
grep -q "unchanged 2" "$TMP/same.log" || fail "the same text is not reported unchanged: $(cat "$TMP/same.log")"

echo "-- a note by hand" >>"$out/acme-mover-1.lua"
chmod 604 "$out/acme-mover-1.lua"
cp "$out/acme-mover-1.lua" "$TMP/edited"
rc=0
"$GL" fixture import "$A" --out "$out" >"$TMP/edit.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "importing over a hand-edited file exited $rc"
grep -q "exists and differs (edited by hand?); not replaced (--force replaces it)" "$TMP/edit.log" ||
	fail "no word of the edited file: $(cat "$TMP/edit.log")"
cmp -s "$out/acme-mover-1.lua" "$TMP/edited" || fail "the edited file was changed"
(umask 077 && "$GL" fixture import "$A" --out "$out" --force >/dev/null) || fail "--force failed"
grep -q "a note by hand" "$out/acme-mover-1.lua" && fail "--force did not replace the file"
[ "$(mode_of "$out/acme-mover-1.lua")" = 604 ] ||
	fail "the replaced file's mode became $(mode_of "$out/acme-mover-1.lua"), not 604"
only "$out" acme-mover-1.lua fuzz-ofl-spot-1.lua
echo "modes: umask respected (640, 644), a replaced file keeps 604; an edited file needs --force"

# ---- a disk that fills after the first file ----------------------------------
mkdir "$TMP/disk"
mount -t tmpfs -o size=64k,mode=0755 gl-test "$TMP/disk"
mkdir "$TMP/disk/lib"
i=0
while dd if=/dev/zero of="$TMP/disk/fill$i" bs=4096 count=1 status=none 2>/dev/null; do
	i=$((i + 1))
done
rm -f "$TMP/disk/fill$i"          # the one that did not fit
rm "$TMP/disk/fill0"              # one page left: room for one fixture
rc=0
"$GL" fixture import "$A" "$B" --out "$TMP/disk/lib" >"$TMP/full.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "import onto a full disk exited $rc: $(cat "$TMP/full.log")"
grep -q "No space left on device" "$TMP/full.log" || fail "no errno in: $(cat "$TMP/full.log")"
grep -q "nothing written" "$TMP/full.log" || fail "not all or nothing: $(cat "$TMP/full.log")"
only "$TMP/disk/lib"
echo "full disk: $(grep -m1 'No space' "$TMP/full.log")"

rm "$TMP/disk"/fill*
mount -o remount,ro "$TMP/disk"
rc=0
"$GL" fixture import "$A" --out "$TMP/disk/lib" >"$TMP/ro.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "import onto a read-only disk exited $rc"
grep -q "Read-only file system" "$TMP/ro.log" || fail "no errno in: $(cat "$TMP/ro.log")"
echo "read-only: $(grep -m1 'Read-only' "$TMP/ro.log")"
mount -o remount,rw "$TMP/disk"

# ---- Ctrl-C while the files are being written ----------------------------------
# strace holds the second fsync (B's temp file; A's is written) for 3 s;
# SIGINT comes meanwhile. Nothing may be left: no target, no temp file.
# (env: a background job of a script starts with SIGINT ignored; a Ctrl-C
# reaches a foreground one, which has it at its default.)
lib=$TMP/disk/lib
strace -f -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=3000000:when=2 \
	env --default-signal=INT "$GL" fixture import "$A" "$B" --out "$lib" >"$TMP/int.log" 2>&1 &
tracer=$!
tmps=0
for _ in $(seq 200); do
	tmps=$(find "$lib" -name '.*.lua' | wc -l)
	[ "$tmps" -ge 2 ] && break
	sleep 0.05
done
[ "$tmps" -ge 2 ] || fail "the import never got to its second temp file"
pid=$(pgrep -P "$tracer" -x ghostlight || true)
[ -n "$pid" ] || fail "no ghostlight under strace"
kill -INT "$pid"
wait "$tracer" || true
only "$lib"
echo "Ctrl-C during the writes: no target and no temp file left"
echo "PASS: fixture_import_write"
