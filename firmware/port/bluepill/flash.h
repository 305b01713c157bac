/*
 * flash.h - the STM32F103's own flash as hal_flash regions (1 KiB pages,
 * half-word programming). A half-word is programmed only where it
 * differs: flash that already holds the value is left alone (the chip
 * refuses to program a half-word that is not erased, zero excepted).
 * Node or bootloader thread only.
 */
#ifndef BLUEPILL_FLASH_H
#define BLUEPILL_FLASH_H

#include <stdint.h>

#include "firmware/hal/flash.h"

struct bp_flash {
	uint32_t base;               /* page aligned */
	uint32_t pages;
};

/* The hal_flash of region r (which must outlive it). */
void bp_flash_hal(struct bp_flash *r, struct hal_flash *out);

#endif
