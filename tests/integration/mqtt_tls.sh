#!/usr/bin/env bash
# mqtt_tls.sh - MQTT over TLS (tests/tools/mqtt_remote.py tls): openssl
# makes a CA, a broker certificate for localhost and a client certificate;
# the broker requires the client's. A show naming a CA that did not sign
# the broker's certificate is refused (certificate verify failed) and
# retries; with the right CA, ghostlight connects by name (the background
# resolver, then TLS to "localhost"), its files relative to the show's
# folder, and GO changes the DMX.
# Exit 0 pass, 77 skip (not root / tool missing, only when CI != true), 1 fail.
set -euo pipefail
. "$(dirname "$0")/../tools/itest.sh"
. "$(dirname "$0")/../tools/mqtt_itest.sh"
mqtt_itest tls "$@"
