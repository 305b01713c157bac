# mqtt_itest.sh - what the MQTT integration scripts share, sourced by
# tests/integration/mqtt_*.sh after itest.sh: the tools they need, the
# private network namespace, a work folder (removed at the end; ghostlight's
# and the broker's logs shown when the test fails), and the scenario itself,
# run by tests/tools/mqtt_remote.py on shows/test/mqtt.lua.
#
#   . "$(dirname "$0")/../tools/itest.sh"
#   . "$(dirname "$0")/../tools/mqtt_itest.sh"
#   mqtt_itest SCENARIO "$0" "$@"

mqtt_itest() {
	local scenario=$1 script=$2
	shift 2
	itest_init "$@"
	if ! itest_in_netns; then
		itest_need_root "network namespace, dumpcap"
		itest_need_tools "mosquitto, mosquitto-clients, tshark, openssl, python3, util-linux, iproute2" \
			mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd dumpcap tshark openssl "$PY"
		itest_enter_netns "$script" "$@"
	fi
	itest_workdir "mqtt-$scenario"
	"$GL" check "$SRC/shows/test/mqtt.lua" >"$TMP/check.txt" 2>&1 ||
		{ cat "$TMP/check.txt"; fail "ghostlight check rejects shows/test/mqtt.lua"; }
	"$PY" "$TOOLS/mqtt_remote.py" "$scenario" "$GL" "$SRC/shows/test/mqtt.lua" "$TMP"
}
