#!/usr/bin/env bash
# tsan_run.sh PROGRAM [ARG...] - runs a ThreadSanitizer-built test (CTest
# does, for the tests labelled "threaded" in the GL_TSAN build).
#
# GCC 12's TSan wants the classic address-space layout: with more ASLR
# entropy than it expects (vm.mmap_rnd_bits above 28, the default of some
# newer kernels) it stops with "unexpected memory mapping". `setarch -R`
# turns randomisation off for the one process; where a seccomp policy
# forbids that personality (Docker's default), the test runs as it is, and
# .ci/run lowers vm.mmap_rnd_bits instead (root, fresh machine).
set -euo pipefail
if setarch "$(uname -m)" -R true 2>/dev/null; then
	exec setarch "$(uname -m)" -R "$@"
fi
exec "$@"
