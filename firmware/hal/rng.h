/*
 * rng.h - random numbers for HELLO nonces and uplink slot choice. They
 * need to be unpredictable to a stranger, not of cryptographic key quality:
 * a board mixes ADC noise and its clock into BLAKE2s, the simulator reads
 * getrandom().
 */
#ifndef HAL_RNG_H
#define HAL_RNG_H

#include <stdint.h>

struct hal_rng {
	void *ctx;
	uint32_t (*next)(void *ctx);
};

#endif
