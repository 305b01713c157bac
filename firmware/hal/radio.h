/*
 * radio.h - the packet radio a node listens and answers with (nRF24L01+
 * on a board, UDP in the simulator, the LAN9118 under QEMU).
 *
 * Called by the node core (firmware/core/node.c) on the node's one thread.
 * Received packets go the other way: the port hands each packet the radio
 * caught, on the channel it was tuned to, to node_rx().
 */
#ifndef HAL_RADIO_H
#define HAL_RADIO_H

#include <stdint.h>

struct hal_radio {
	void *ctx;
	/* Receive on `channel` (0..125) for `address` from now on; packets on
	 * other channels or addresses are not received. */
	void (*listen)(void *ctx, uint8_t channel, uint32_t address);
	/* Send one packet (1..32 bytes) on `channel` to `address` now, then
	 * listen again as before. Returns 0, or negative when the radio could
	 * not send (counted by the core, never retried at once). */
	int (*send)(void *ctx, uint8_t channel, uint32_t address, const uint8_t *pkt, uint8_t len);
};

#endif
