/*
 * dmx.h - the DMX512 line: a UART at 250 kbit/s 8N2 behind an RS-485
 * driver, with BREAK and MAB made by the port (a timer on a board, nothing
 * under QEMU whose UART has no line timing, a log in the simulator).
 *
 * Called by the node core on the node's one thread.
 */
#ifndef HAL_DMX_H
#define HAL_DMX_H

#include <stdint.h>

/* What the core knows about a frame; the simulator logs it with the frame.
 * The core keeps updating it (and the frame's bytes: see start) until the
 * frame ends. */
struct hal_dmx_info {
	uint32_t counter;            /* the superframe the frame belongs to */
	uint8_t frags;               /* data fragments the line carries */
	uint8_t fresh;               /* of those, how many are from `counter` */
	uint8_t state;               /* nodelink_state when the frame started */
};

struct hal_dmx {
	void *ctx;
	/* Start a frame: BREAK of break_us from at_us (or at once, when at_us
	 * has passed), MAB of mab_us, then buf[0..len) (start code and
	 * slots) at 44 µs a byte. buf stays the core's: it may still write a
	 * byte the line has not reached (copy-B fragments) until the frame's
	 * end; the port reads each byte when it sends it. */
	void (*start)(void *ctx, uint64_t at_us, uint16_t break_us, uint16_t mab_us,
		      const uint8_t *buf, uint16_t len, const struct hal_dmx_info *info);
	/* Line off: no more frames until the next start (the line idles at
	 * mark, which fixtures take as loss of signal). */
	void (*stop)(void *ctx);
};

#endif
