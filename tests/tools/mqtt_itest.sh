# mqtt_itest.sh - what the MQTT integration scripts share, sourced by
# tests/integration/mqtt_*.sh after itest.sh: the tools they need, the
# private network namespace, a work folder (removed at the end; ghostlight's
# and the broker's logs shown when the test fails), and the scenario itself,
# run by tests/tools/mqtt_remote.py on shows/test/mqtt.lua.
#
#   . "$(dirname "$0")/../tools/itest.sh"
#   . "$(dirname "$0")/../tools/mqtt_itest.sh"
#   mqtt_itest SCENARIO "$@"

mqtt_itest() {
	local scenario=$1
	shift
	itest_init "$@"
	itest_netns "network namespace, dumpcap" \
		"mosquitto, mosquitto-clients, tshark, openssl, python3, util-linux, iproute2" \
		mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd dumpcap tshark openssl "$PY"
	itest_workdir "mqtt-$scenario"
	itest_check "$SRC/shows/test/mqtt.lua"
	"$PY" "$TOOLS/mqtt_remote.py" "$scenario" "$GL" "$SRC/shows/test/mqtt.lua" "$TMP"
}
