/*
 * out_test.h - small helpers the outputs-side tests share: a reproducible
 * random stream, a bounded wait for a condition another thread makes
 * true, and a test group's scratch folder (optionally its state
 * directory). Header-only, for the cmocka tests and their tools (include
 * it after cmocka.h where OUT_TEST_EVENTUALLY is used); the test's thread
 * only, except out_test_sleep_ms and out_test_xorshift (any thread, on its
 * own state).
 */
#ifndef GL_OUT_TEST_H
#define GL_OUT_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "scratch.h"

/* xorshift64*: the next 32 random bits of the stream *s (never 0 to
 * start with). Reproducible: the same seed gives the same stream. */
static inline uint32_t out_test_xorshift(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 2685821657736338717ull) >> 32);
}

static inline void out_test_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Asserts that cond comes true within 20 s, looking every 10 ms (a bound
 * for a busy machine, not a timing). */
#define OUT_TEST_EVENTUALLY(cond)                                \
	do {                                                     \
		for (int i_ = 0; i_ < 2000 && !(cond); i_++)     \
			out_test_sleep_ms(10);                   \
		assert_true(cond);                               \
	} while (0)

/* The test group's scratch folder ("" when there is none). */
static inline char *out_test_dir(void)
{
	static char dir[64];

	return dir;
}

/* Makes the group's scratch folder /tmp/<prefix>-XXXXXX; with state, it
 * is GHOSTLIGHT_STATE_DIR too. For a group setup: 0, or -1. */
static inline int out_test_dir_make(const char *prefix, bool state)
{
	if (scratch_make(out_test_dir(), 64, prefix) != 0)
		return -1;
	return state ? setenv("GHOSTLIGHT_STATE_DIR", out_test_dir(), 1) : 0;
}

/* Group teardown: removes the scratch folder and all in it. */
static inline int out_test_dir_remove(void **state)
{
	(void)state;
	return scratch_remove(out_test_dir());
}

#endif
