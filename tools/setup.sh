#!/usr/bin/env bash
# tools/setup.sh - install what ghostlight needs on Debian 12 (apt-get) and
# build it. Idempotent; run as root (or with sudo).
#
#   tools/setup.sh            release build in build/
#   tools/setup.sh --debug    ASan+UBSan test build in build-debug/
#   tools/setup.sh --tsan     ThreadSanitizer test build in build-tsan/
#   tools/setup.sh --no-apt   skip the package install
set -euo pipefail
cd "$(dirname "$0")/.."

type=RelWithDebInfo
dir=build
flags=()
apt=1
for arg in "$@"; do
	case "$arg" in
	--debug) type=Debug; dir=build-debug; flags=(-DGL_SANITIZE=ON) ;;
	--tsan) type=Debug; dir=build-tsan; flags=(-DGL_TSAN=ON) ;;
	--no-apt) apt=0 ;;
	*) echo "usage: tools/setup.sh [--debug|--tsan] [--no-apt]" >&2; exit 2 ;;
	esac
done

# Build and runtime: compiler, CMake, Lua 5.4, cmocka, libftdi1 (USB DMX).
# Test peers (see ../shared/PEERS.md): tshark/dumpcap, olad + its Python
# client, iproute2 and util-linux for the tests' network namespaces,
# liblo (OSC control) and its oscsend/oscdump; strace holds a system call
# so that a test can signal a process in the middle of it.
# expat + cJSON: the fixture importers; qlcplus-data: the .qxf corpus their
# test imports (data files only, no Qt).
# clang + its runtime: the libFuzzer targets (tools/fuzz.sh).
# file + dpkg-dev: cpack -G DEB (shared-library dependencies of the package).
# python3-pil + fonts-dejavu-core: tests/tools/layout_render.py (the README's
# pictures of the tablet layouts).
packages=(build-essential cmake pkg-config liblua5.4-dev libcmocka-dev libftdi1-dev liblo-dev
	tshark ola ola-python python3 iproute2 util-linux procps liblo-tools strace
	clang libclang-rt-14-dev
	libmosquitto-dev mosquitto mosquitto-clients  # MQTT: the client library; the broker and mosquitto_pub/_sub/_passwd for its tests
	nettle-dev  # RTSP video triggers: MD5 for Digest authentication, base64 for Basic
	zlib1g-dev  # the resume journal's CRC-32 (nettle-dev above: its SHA-256 of the show's files)
	systemd  # systemd-analyze and systemd-sysusers: the unit's and its user's checks (sdnotify_unit)
	python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good  # the RTSP tests' server (gst-rtsp-server through Python)
	librtmidi-dev jackd2  # MIDI: RtMidi (ALSA and JACK) and libjack; a JACK server (dummy backend) and jack_lsp for its tests
	libsdl2-dev libsndfile1-dev libsamplerate0  # audio cues: SDL2 audio out, libsndfile decoding, libsamplerate (SDL's rate conversion)
	libexpat1-dev libcjson-dev qlcplus-data
	libpng-dev  # effects: PNG images mapped on pixel matrices (decoded at load)
	libsdl2-dev  # sound to light: the capture device's level and beat (outputs/media/capture)
	file dpkg-dev python3-pil fonts-dejavu-core
	# wireless node firmware: the board images (firmware/cross/) ...
	gcc-arm-none-eabi
	libnewlib-arm-none-eabi
	# ... and the emulated node the integration test runs (nodes_qemu.sh)
	qemu-system-arm
	# node firmware signing (ghostlight node keygen/sign) and the verifier's differential test
	libsodium-dev)
# The SDL2 console (app/console/): SDL2 and SDL2_ttf, fontconfig to find its
# font (DejaVu, above) at run time, libpng for screenshots and render --png.
packages+=(libsdl2-dev libsdl2-ttf-dev libfontconfig-dev libpng-dev)
# Its tests and tools/screenshots.sh: a private X server, imagemagick's
# import to see the window on it.
packages+=(xvfb imagemagick)

if [ "$apt" = 1 ]; then
	missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		if [ "$(id -u)" != 0 ]; then
			echo "tools/setup.sh: need root to install: ${missing[*]}" >&2
			exit 1
		fi
		export DEBIAN_FRONTEND=noninteractive
		# tshark asks whether non-root users may capture: no.
		echo "wireshark-common wireshark-common/install-setuid boolean false" |
			debconf-set-selections
		# jackd2 asks whether to raise realtime limits for the audio group: no.
		echo "jackd2 jackd/tweak_rt_limits boolean false" | debconf-set-selections
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
	fi
fi

cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
echo "built: $dir/ghostlight"
