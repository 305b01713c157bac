# rtsp_itest.sh - what the RTSP integration scripts share, sourced by
# tests/integration/rtsp_*.sh after itest.sh: the tools they need (the
# server is gst-rtsp-server through Debian's python3-gi), the private
# network namespace, a work folder (removed at the end; ghostlight's and
# the server's logs shown when the test fails), and the scenario itself,
# run by tests/tools/rtsp_remote.py on shows/test/video.lua.
#
#   . "$(dirname "$0")/../tools/itest.sh"
#   . "$(dirname "$0")/../tools/rtsp_itest.sh"
#   rtsp_itest SCENARIO "$@"

rtsp_need_server() {
	"$PY" -c 'import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer' \
		>/dev/null 2>&1 ||
		skip_or_fail "gst-rtsp-server for Python not installed (packages python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good)"
}

rtsp_itest() {
	local scenario=$1
	shift
	itest_init "$@"
	itest_in_netns || rtsp_need_server
	itest_netns "network namespace, dumpcap" "tshark, python3, util-linux, iproute2" dumpcap tshark "$PY"
	itest_workdir "rtsp-$scenario"
	itest_check "$SRC/shows/test/video.lua"
	"$PY" "$TOOLS/rtsp_remote.py" "$scenario" "$GL" "$SRC/shows/test/video.lua" "$TMP"
}
