#!/usr/bin/env bash
# sdnotify_log.sh - `play`'s log unattended: under systemd (stderr is the
# journal's stream, $JOURNAL_STREAM names it) each line carries its syslog
# level ("<3>" errors, "<6>" cue events) for journald; with --log FILE the
# lines go to FILE with wall-clock times, rotated at --log-size into
# FILE.1 .. FILE.<--log-keep>.
#
#   bash sdnotify_log.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_sdnotify_log)
#
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"

itest_netns "network namespace" "util-linux, iproute2" stat

itest_workdir sdnotify-log
export GHOSTLIGHT_STATE_DIR=$TMP/state
cat >"$TMP/chatty.lua" <<'SHOW'
show { name = "Chatty", rate = 44 }
output { "o", type = "sacn", universes = {1}, unicast = "127.0.0.1" }
patch { "dim", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" { loop = true,
  cue { 1, "A", fade = 0.1, follow = 0.2, look = { dim = { intensity = 1 } } },
  cue { 2, "B", fade = 0.1, follow = 0.2, look = { dim = { intensity = 0 } } },
}
after(0.2, function() error("a handler's error") end)
every(0.02, function() log(string.rep("x", 200)) end)
go("Main")
SHOW

# 1. the journal's stream: level prefixes
: >"$TMP/journal.log"
js="$(stat -c %d "$TMP/journal.log"):$(stat -c %i "$TMP/journal.log")"
JOURNAL_STREAM=$js "$GL" play "$TMP/chatty.lua" --duration 1 --no-status 2>>"$TMP/journal.log" ||
	fail "play under a journal stream failed"
grep -q '^<3>\[ *[0-9.]*\] error: .*a handler.s error' "$TMP/journal.log" ||
	fail "no error line at level 3: $(head -5 "$TMP/journal.log")"
grep -q '^<6>\[ *[0-9.]*\] Main: GO cue 2 B' "$TMP/journal.log" ||
	fail "no cue line at level 6: $(head -5 "$TMP/journal.log")"
# and not when stderr is something else
JOURNAL_STREAM=$js "$GL" play "$TMP/chatty.lua" --duration 0.5 --no-status 2>"$TMP/plain.log" ||
	fail "play failed"
if grep -q '^<[0-9]>' "$TMP/plain.log"; then
	fail "level prefixes on a stderr that is not the journal's"
fi
echo "journal: errors at <3>, cue events at <6>, nothing when stderr is another file"

# 2. --log: rotated at 4 KiB, two old files kept
"$GL" play "$TMP/chatty.lua" --duration 3.5 --log "$TMP/show.log" --log-size 4k --log-keep 2 \
	>"$TMP/stdout.txt" 2>"$TMP/stderr.txt" || fail "play --log failed: $(cat "$TMP/stderr.txt")"
[ -s "$TMP/stdout.txt" ] && fail "play --log printed to stdout: $(head -3 "$TMP/stdout.txt")"
[ -s "$TMP/stderr.txt" ] && fail "play --log printed to stderr: $(head -3 "$TMP/stderr.txt")"
for f in show.log show.log.1 show.log.2; do
	[ -s "$TMP/$f" ] || fail "no $f after 3 s of logging at 10 KiB/s: $(ls "$TMP")"
done
[ -e "$TMP/show.log.3" ] && fail "show.log.3: more than --log-keep 2 old files"
for f in show.log.1 show.log.2; do
	size=$(stat -c %s "$TMP/$f")
	[ "$size" -ge 4096 ] || fail "$f rotated at $size bytes, under --log-size"
done
grep -Eq '^20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} log: x{200}$' \
	"$TMP/show.log.1" || fail "no wall-clock time on the log file's lines: $(head -2 "$TMP/show.log.1")"
grep -q "ended after" "$TMP/show.log" || fail "the last words are not in the current log file"
echo "--log: rotated at 4 KiB into show.log.1 and .2, wall-clock times"
