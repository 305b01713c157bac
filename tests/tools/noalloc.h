/*
 * noalloc.h - for the tests that prove a realtime path allocates nothing
 * (test_tick_noalloc, test_audio_noalloc): while a thread has its
 * noalloc_watching flag up, each allocation and each free it makes is
 * counted in noalloc_allocs, through the sanitizer allocator hooks of the
 * ASan test build (a test may count into it another way where there are
 * none). Header-only, included by one file of each test; the flag is per
 * thread, the count is read once the watched thread is done.
 */
#ifndef GL_TEST_NOALLOC_H
#define GL_TEST_NOALLOC_H

#include <stdbool.h>
#include <stddef.h>

static _Thread_local int noalloc_watching;
static volatile long noalloc_allocs;

/* Weak: NULL in a build without a sanitizer runtime. */
int __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *, size_t),
	void (*free_hook)(const volatile void *)) __attribute__((weak));

static inline void noalloc_on_malloc(const volatile void *p, size_t n)
{
	if (noalloc_watching)
		noalloc_allocs++;
}

static inline void noalloc_on_free(const volatile void *p)
{
	if (noalloc_watching && p)
		noalloc_allocs++;
}

/* Installs the counting hooks; false where the build has none to install
 * them in (the caller then counts another way, or skips). */
static inline bool noalloc_hooks_install(void)
{
	return __sanitizer_install_malloc_and_free_hooks != NULL &&
	       __sanitizer_install_malloc_and_free_hooks(noalloc_on_malloc, noalloc_on_free) != 0;
}

#endif
