#!/usr/bin/env bash
# sdnotify_unit.sh - the systemd unit and user the package installs
# (assets/systemd/): `systemd-analyze verify` finds nothing wrong with the
# unit, its exposure (`systemd-analyze security --offline`) stays "OK" or
# better, it is Type=notify with a watchdog, restarts on failure, runs as
# the ghostlight user with realtime limits and no capability; the
# sysusers.d file makes that user (systemd-sysusers on a scratch root).
# systemd need not run: these tools read files.
#
#   bash sdnotify_unit.sh GHOSTLIGHT SOURCE_DIR   (CTest: integration_sdnotify_unit)
#
# Exit 0 pass, 77 skip (tool missing, only when CI != true), 1 fail.
set -euo pipefail

. "$(dirname "$0")/../tools/itest.sh"
itest_init "$@"
itest_need_tools "systemd" systemd-analyze systemd-sysusers
itest_workdir sdnotify-unit

unit=$(dirname "$GL")/systemd/ghostlight@.service
[ -f "$unit" ] || fail "no $unit (configured by CMake next to the binary)"
# an instance, as systemctl would load it
cp "$unit" "$TMP/ghostlight@test.service"
if ! out=$(systemd-analyze verify "$TMP/ghostlight@test.service" 2>&1) || [ -n "$out" ]; then
	fail "systemd-analyze verify: $out"
fi
for line in Type=notify NotifyAccess=main WatchdogSec=10 Restart=on-failure User=ghostlight \
	StateDirectory=ghostlight LimitRTPRIO=50 LimitMEMLOCK=infinity NoNewPrivileges=yes \
	ProtectSystem=strict CapabilityBoundingSet= AmbientCapabilities=; do
	grep -qx "$line" "$unit" || fail "the unit lacks $line"
done
security=$(systemd-analyze security --offline=true "$TMP/ghostlight@test.service" 2>&1 | tail -1)
level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$security")
[ -n "$level" ] || fail "systemd-analyze security said: $security"
awk -v l="$level" 'BEGIN { exit !(l <= 2.5) }' || fail "exposure $level above 2.5: $security"
echo "unit: verified; $security"

# the user: systemd-sysusers on a scratch root holding this machine's groups
mkdir -p "$TMP/root/etc"
for f in passwd group shadow gshadow; do
	[ -f "/etc/$f" ] && cp "/etc/$f" "$TMP/root/etc/$f"
done
systemd-sysusers --root="$TMP/root" "$SRC/assets/systemd/ghostlight.sysusers" >"$TMP/sysusers.log" 2>&1 ||
	fail "systemd-sysusers: $(cat "$TMP/sysusers.log")"
grep -q '^ghostlight:x:[0-9]*:[0-9]*:ghostlight show control:/var/lib/ghostlight:/usr/sbin/nologin$' \
	"$TMP/root/etc/passwd" || fail "no ghostlight user made: $(grep ghostlight "$TMP/root/etc/passwd" || true)"
for g in dialout plugdev; do
	grep -q "^$g:.*ghostlight" "$TMP/root/etc/group" || fail "ghostlight is not in $g"
done
echo "sysusers: the ghostlight user, in dialout and plugdev"
sh -n "$SRC/assets/systemd/postinst" || fail "postinst does not parse"
