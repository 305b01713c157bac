/*
 * clock.h - the node's monotonic microsecond clock and its sleep. The core
 * never reads the clock itself: every entry point takes `now_us` (so tests
 * run it on a virtual clock); a port's main loop reads this and sleeps
 * until node_next_us() or an interrupt.
 */
#ifndef HAL_CLOCK_H
#define HAL_CLOCK_H

#include <stdint.h>

struct hal_clock {
	void *ctx;
	uint64_t (*now_us)(void *ctx);
	/* Sleep until `until_us` or an event (a packet), whichever first. */
	void (*sleep_until)(void *ctx, uint64_t until_us);
};

#endif
