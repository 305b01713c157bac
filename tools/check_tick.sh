#!/usr/bin/env bash
# tools/check_tick.sh OBJECT... - the engine tick allocates nothing, takes no
# lock and makes no system call, checked on its object files (tick.c,
# cuelist.c, effects.c and live_tick.c; run by CTest as tick_symbols, the runtime side is
# tests/test_tick_noalloc.c).
#
# Every symbol the objects leave undefined must be defined by one of them
# or be on the allow-list below: string and math helpers that neither
# allocate nor block, and sanitizer hooks. An allocator, a lock or a
# blocking call is named as such; anything else unknown is refused too,
# so a new call into another file cannot slip past (add it here only if
# it is as harmless as memcpy).
set -euo pipefail
export LC_ALL=C
if [ "$#" -eq 0 ]; then
	echo "usage: tools/check_tick.sh OBJECT..." >&2
	exit 2
fi

allowed='^(memcpy|memmove|memset|memcmp|llround|lround|lroundf|sqrt|sqrtf|floor|floorf|ceil|ceilf|sinf|cosf|sincosf|_GLOBAL_OFFSET_TABLE_|__stack_chk_fail|__(asan|ubsan|tsan|msan|sanitizer)_.*)$'
forbidden='^(malloc|calloc|realloc|reallocarray|free|aligned_alloc|posix_memalign|memalign|valloc|pvalloc|strdup|strndup|asprintf|vasprintf|mmap|munmap|brk|sbrk|pthread_mutex_.*|pthread_cond_.*|pthread_rwlock_.*|pthread_spin_lock|pthread_join|sem_wait|sem_timedwait|sem_clockwait|futex|syscall|read|write|readv|writev|pread|pwrite|recv|recvfrom|recvmsg|recvmmsg|send|sendto|sendmsg|sendmmsg|poll|ppoll|select|pselect|epoll_wait|epoll_pwait|nanosleep|clock_nanosleep|usleep|sleep|sched_yield|open|openat|close|fopen|fclose|fflush|fread|fwrite|fputs|puts|printf|fprintf|vfprintf|snprintf|vsnprintf|sprintf|syslog|perror|ioctl|fsync|eventfd_write|eventfd_read)$'

defined=$(nm --defined-only "$@" | awk 'NF == 3 {print $3}' | sort -u)
undefined=$(nm -u "$@" | awk 'NF == 2 {print $2}' | sort -u)
if ! grep -qx engine_tick_run <<<"$defined"; then
	echo "check_tick: engine_tick_run is not in $*: not the tick's objects"
	exit 1
fi
external=$(comm -23 <(echo "$undefined") <(echo "$defined"))
bad=$(grep -E "$forbidden" <<<"$external" || true)
unknown=$(grep -Ev "$allowed" <<<"$external" | grep -Ev "$forbidden" | grep -v '^$' || true)
fail=0
if [ -n "$bad" ]; then
	echo "the tick calls an allocator, a lock or a blocking system call:"
	echo "$bad" | sed 's/^/  /'
	fail=1
fi
if [ -n "$unknown" ]; then
	echo "the tick calls functions not known to be safe in it (tools/check_tick.sh):"
	echo "$unknown" | sed 's/^/  /'
	fail=1
fi
if [ "$fail" = 0 ]; then
	echo "tick: calls only $(grep -Ev '^__(asan|ubsan|tsan)' <<<"$external" | tr '\n' ' ')"
fi
exit "$fail"
