/*
 * watchdog.h - the independent watchdog: the core kicks it from
 * node_poll(); a node whose loop stops resets (a board) or exits (the
 * simulator) instead of holding a line forever.
 */
#ifndef HAL_WATCHDOG_H
#define HAL_WATCHDOG_H

struct hal_watchdog {
	void *ctx;
	void (*kick)(void *ctx);
};

#endif
